using System.Management.Automation;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands;

[Cmdlet(VerbsCommon.Remove, "AccelTable", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveAccelTableCommand : HostAccelCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public AccelFamily[]? Family { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        RemoveTablePlan? plan = Plan(Tables.PlanRemove);
        if (plan is null)
        {
            return;
        }

        IReadOnlyList<PlannedChange<AccelTable>> changes;
        try
        {
            changes = plan.Prepare(Family, Name, Force);
        }
        catch (Exception ex)
        {
            Reject(plan, ex, Name);
            return;
        }

        foreach (PlannedChange<AccelTable> change in changes)
        {
            Offer(plan, change);
        }
    }

    protected override void EndProcessing() => CommitPlans<AccelTable>(passThru: false);
}
