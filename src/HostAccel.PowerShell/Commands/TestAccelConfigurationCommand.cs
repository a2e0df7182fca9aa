using System.Management.Automation;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands;

[Cmdlet(VerbsDiagnostic.Test, "AccelConfiguration", DefaultParameterSetName = ConfigurationInput.PathSet)]
[OutputType(typeof(AccelConfigurationTest), typeof(bool))]
public sealed class TestAccelConfigurationCommand : HostAccelCmdlet
{
    /// <summary>An AccelConfiguration, a hashtable of settings, or an object with their properties.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ConfigurationInput.ConfigurationSet)]
    public object? Configuration { get; set; }

    /// <summary>A .psd1 or .json file.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ConfigurationInput.PathSet)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Compares with a table HostAccel did not create instead of refusing it.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Only whether the kernel holds the desired state, as $true or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord()
    {
        if (ConfigurationInput.Bind(this, Configuration, Path) is not (AccelConfiguration configuration, AccelSession session))
        {
            return;
        }

        AccelConfigurationTest test;
        try
        {
            test = Synchronizer.Test(session, configuration, Force);
        }
        catch (Exception ex)
        {
            WriteFailure(ex, $"table {configuration.TableName}");
            return;
        }

        foreach (AccelDrift drift in test.Drift)
        {
            WriteVerbose(drift.ToString());
        }

        WriteObject(Quiet ? test.InDesiredState : test);
    }
}
