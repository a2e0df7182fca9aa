using System.Management.Automation;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands;

[Cmdlet(VerbsDiagnostic.Test, "HostAccelSupport")]
[OutputType(typeof(HostAccelSupport), typeof(bool))]
public sealed class TestHostAccelSupportCommand : HostAccelCmdlet
{
    /// <summary>Only the verdict, as $true or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord()
    {
        HostAccelSupport? support = null;
        if (!Try(() => support = Support.Test(NetworkNamespace), NetworkNamespace))
        {
            return;
        }

        if (Quiet)
        {
            WriteObject(support!.Supported);
            return;
        }

        foreach (string reason in support!.Reasons)
        {
            WriteVerbose(reason);
        }

        WriteObject(support);
    }
}
