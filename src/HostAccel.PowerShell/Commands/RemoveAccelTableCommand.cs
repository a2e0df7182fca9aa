using System.Management.Automation;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands;

[Cmdlet(VerbsCommon.Remove, "AccelTable", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveAccelTableCommand : ChangeCmdlet
{
    private readonly ChangeQueue<RemoveTablePlan, Request, AccelTable> _queue;

    public RemoveAccelTableCommand() =>
        _queue = new(this, Tables.PlanRemove, (plan, r) => plan.Prepare(r.Family, r.TableName, r.Force));

    /// <summary>The table's exact name (case-sensitive, no wildcards: a removal acts on the table named).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ValidateNotNullOrEmpty]
    public string TableName { get; set; } = "";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public AccelFamily[]? Family { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord() => _queue.Add(new Request(Family, TableName, Force), TableName);

    protected override void EndProcessing() => _queue.Commit(passThru: false);

    private sealed record Request(AccelFamily[]? Family, string TableName, bool Force);
}
