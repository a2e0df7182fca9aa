using System.Collections;
using System.Management.Automation;
using HostAccel.PowerShell.Commands.Completers;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands;

/// <summary>
/// Builds a desired state from parameters. Only the parameters given are passed on, as a hashtable, to the same
/// reader a .psd1 file goes through: defaults and checks live there, once. Nothing is read from or sent to the
/// kernel, which is why there is no -NetworkNamespace and no ShouldProcess.
/// </summary>
[Cmdlet(VerbsCommon.New, "AccelConfiguration")]
[OutputType(typeof(AccelConfiguration))]
public sealed class NewAccelConfigurationCommand : PSCmdlet
{
    /// <summary>The reader's defaults, as the parameters' initial values; only the parameters given are passed on.</summary>
    private static readonly AccelConfiguration Initial = new();

    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string? TransportInterface { get; set; }

    [Parameter(Position = 1)]
    public string[] LocalPodCidr { get; set; } = [];

    [Parameter]
    public AccelFamily[] Family { get; set; } = [];

    [Parameter]
    public string[] PeerPodCidr { get; set; } = [];

    [Parameter]
    public AccelTraffic Traffic { get; set; } = Initial.Traffic;

    [Parameter]
    public AccelMode Mode { get; set; } = Initial.Mode;

    [Parameter]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string GatewayInterface { get; set; } = Initial.GatewayInterface;

    /// <summary>More flowtable devices (the setting Devices): parameter names are singular.</summary>
    [Parameter]
    [Alias(nameof(AccelConfiguration.Devices))]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string[] Device { get; set; } = [];

    [Parameter]
    public string[] ExternalIP { get; set; } = [];

    [Parameter]
    public string[] PeerNodeIP { get; set; } = [];

    [Parameter]
    public string[] ServiceSnatAddress { get; set; } = [.. Initial.ServiceSnatAddress];

    [Parameter]
    public string[] NodePortDnatAddress { get; set; } = [.. Initial.NodePortDnatAddress];

    [Parameter]
    public int Priority { get; set; } = Initial.Priority;

    [Parameter]
    public SwitchParameter Counter { get; set; }

    [Parameter]
    public SwitchParameter HardwareOffload { get; set; }

    [Parameter]
    public int OffloadThreshold { get; set; }

    [Parameter]
    public string TableName { get; set; } = Initial.TableName;

    [Parameter]
    public string SetName { get; set; } = Initial.SetName;

    [Parameter]
    public string ExternalIPSetName { get; set; } = Initial.ExternalIPSetName;

    [Parameter]
    public string PeerNodeSetName { get; set; } = Initial.PeerNodeSetName;

    [Parameter]
    public string FlowtableName { get; set; } = Initial.FlowtableName;

    [Parameter]
    public string ChainName { get; set; } = Initial.ChainName;

    protected override void ProcessRecord()
    {
        var settings = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (KeyValuePair<string, object?> bound in MyInvocation.BoundParameters)
        {
            if (!CommonParameters.Contains(bound.Key) && !OptionalCommonParameters.Contains(bound.Key))
            {
                string key = bound.Key == nameof(Device) ? nameof(AccelConfiguration.Devices) : bound.Key;
                settings[key] = bound.Value is SwitchParameter flag ? flag.IsPresent : bound.Value;
            }
        }

        try
        {
            WriteObject(ConfigurationReader.Read(settings, "New-AccelConfiguration"));
        }
        catch (HostAccelException ex)
        {
            WriteError(HostAccelCmdlet.ToErrorRecord(ex));
        }
    }
}
