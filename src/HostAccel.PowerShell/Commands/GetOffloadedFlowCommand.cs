using System.Management.Automation;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands;

[Cmdlet(VerbsCommon.Get, "OffloadedFlow")]
[OutputType(typeof(OffloadedFlow))]
public sealed class GetOffloadedFlowCommand : HostAccelCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public AccelFamily[]? Family { get; set; }

    /// <summary>Every tracked connection, also those still on the slow path.</summary>
    [Parameter]
    public SwitchParameter IncludeSlowPath { get; set; }

    protected override void ProcessRecord() => WriteQuery(session => Flows.Get(session, Family, IncludeSlowPath), NetworkNamespace);
}
