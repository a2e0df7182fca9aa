using System.Management.Automation;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands;

[Cmdlet(VerbsCommon.Remove, "PeerPodCidr", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemovePeerPodCidrCommand : HostAccelCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Cidr { get; set; } = [];

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public AccelFamily? Family { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string TableName { get; set; } = Defaults.TableName;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string SetName { get; set; } = Defaults.SetName;

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        RemovePeerPodCidrPlan? plan = Plan(s => new RemovePeerPodCidrPlan(s));
        foreach (string cidr in Cidr ?? [])
        {
            if (plan is null)
            {
                return;
            }

            PlannedChange<PeerPodCidr> change;
            try
            {
                change = plan.Prepare(cidr, Family, TableName, SetName, Force);
            }
            catch (Exception ex)
            {
                Reject(plan, ex, cidr);
                continue;
            }

            Offer(plan, change);
        }
    }

    protected override void EndProcessing() => CommitPlans<PeerPodCidr>(passThru: false);
}
