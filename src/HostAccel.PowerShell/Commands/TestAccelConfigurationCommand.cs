using System.Management.Automation;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands;

[Cmdlet(VerbsDiagnostic.Test, "AccelConfiguration", DefaultParameterSetName = ConfigurationInput.PathSet)]
[OutputType(typeof(AccelConfigurationTest), typeof(bool))]
public sealed class TestAccelConfigurationCommand : AccelConfigurationCmdlet
{
    /// <summary>Compares with a table HostAccel did not create instead of refusing it.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Only whether the kernel holds the desired state, as $true or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord()
    {
        if (BindConfiguration() is not (AccelConfiguration configuration, AccelSession session))
        {
            return;
        }

        AccelConfigurationTest? test = null;
        if (!Try(() => test = Synchronizer.Test(session, configuration, Force), $"table {configuration.TableName}"))
        {
            return;
        }

        foreach (AccelDrift drift in test!.Drift)
        {
            WriteVerbose(drift.ToString());
        }

        foreach (string pending in test.Pending)
        {
            WriteVerbose($"pending: {pending}");
        }

        WriteObject(Quiet ? test!.InDesiredState : test);
    }
}
