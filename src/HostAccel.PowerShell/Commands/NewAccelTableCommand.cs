using System.Management.Automation;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands;

[Cmdlet(VerbsCommon.New, "AccelTable", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(AccelTable))]
public sealed class NewAccelTableCommand : HostAccelCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = Defaults.TableName;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public AccelFamily[] Family { get; set; } = [AccelFamily.Ip, AccelFamily.Ip6];

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Comment { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        NewTablePlan? plan = Plan(Tables.PlanNew);
        if (plan is null)
        {
            return;
        }

        foreach (AccelFamily family in Family ?? [])
        {
            PlannedChange<AccelTable> change;
            try
            {
                change = plan.Prepare(family, Name, string.IsNullOrEmpty(Comment) ? Defaults.TableComment : Comment);
            }
            catch (Exception ex)
            {
                Reject(plan, ex, $"table {family.ToString().ToLowerInvariant()} {Name}");
                continue;
            }

            Offer(plan, change);
        }
    }

    protected override void EndProcessing() =>
        CommitPlans<AccelTable>(PassThru, (session, planned) => planned.SelectMany(t =>
            Tables.Get(session, [t.Family], t.Name, includeForeign: true)));
}
