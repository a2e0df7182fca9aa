using System.Management.Automation;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands;

[Cmdlet(VerbsLifecycle.Disable, "Fastpath", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class DisableFastpathCommand : HostAccelCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public AccelFamily[]? Family { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string TableName { get; set; } = Defaults.TableName;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string FlowtableName { get; set; } = Defaults.FlowtableName;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string ChainName { get; set; } = Defaults.ChainName;

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        DisableFastpathPlan? plan = Plan(s => new DisableFastpathPlan(s));
        if (plan is null)
        {
            return;
        }

        IReadOnlyList<PlannedChange<Fastpath>> changes;
        try
        {
            changes = plan.Prepare(Family, TableName, FlowtableName, ChainName, Force);
        }
        catch (Exception ex)
        {
            Reject(plan, ex, TableName);
            return;
        }

        foreach (PlannedChange<Fastpath> change in changes)
        {
            Offer(plan, change);
        }
    }

    protected override void EndProcessing() => CommitPlans<Fastpath>(passThru: false);
}
