using System.Management.Automation;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands;

[Cmdlet(VerbsLifecycle.Enable, "Fastpath", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Fastpath))]
public sealed class EnableFastpathCommand : HostAccelCmdlet
{
    private readonly HashSet<string> _namespaces = new(StringComparer.Ordinal);

    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string TransportInterface { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string[] LocalPodCidr { get; set; } = [];

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string GatewayInterface { get; set; } = Defaults.GatewayInterface;

    [Parameter]
    public AccelFamily[]? Family { get; set; }

    [Parameter]
    public SwitchParameter HardwareOffload { get; set; }

    [Parameter]
    public SwitchParameter Counter { get; set; }

    [Parameter]
    [ValidateRange(-400, 400)]
    public int Priority { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string TableName { get; set; } = Defaults.TableName;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string SetName { get; set; } = Defaults.SetName;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string FlowtableName { get; set; } = Defaults.FlowtableName;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string ChainName { get; set; } = Defaults.ChainName;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string TableComment { get; set; } = Defaults.TableComment;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string ChainComment { get; set; } = Defaults.ChainComment;

    [Parameter]
    public string? SetComment { get; set; }

    [Parameter]
    public string? OutboundRuleComment { get; set; }

    [Parameter]
    public string? InboundRuleComment { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        EnableFastpathPlan? plan = Plan(s => new EnableFastpathPlan(s));
        if (plan is null)
        {
            return;
        }

        IReadOnlyList<PlannedChange<Fastpath>> changes;
        try
        {
            if (!_namespaces.Add(NetworkNamespace ?? ""))
            {
                throw new HostAccelException(ErrorIds.InvalidArgument, FailureKind.InvalidArgument,
                    "each network namespace can be enabled once per call", NetworkNamespace);
            }

            changes = plan.Prepare(new EnableFastpathRequest
            {
                GatewayInterface = GatewayInterface,
                TransportInterface = TransportInterface,
                LocalPodCidr = LocalPodCidr,
                Family = Family,
                TableName = TableName,
                SetName = SetName,
                FlowtableName = FlowtableName,
                ChainName = ChainName,
                TableComment = TableComment,
                ChainComment = ChainComment,
                SetComment = SetComment,
                OutboundRuleComment = OutboundRuleComment,
                InboundRuleComment = InboundRuleComment,
                Priority = Priority,
                HardwareOffload = HardwareOffload,
                Counter = Counter,
                Force = Force,
            });
        }
        catch (Exception ex)
        {
            Reject(plan, ex, LocalPodCidr);
            return;
        }

        if (Counter && Support.CounterWarning(plan.Session) is string warning)
        {
            WriteWarning(warning);
        }

        foreach (PlannedChange<Fastpath> change in changes)
        {
            Offer(plan, change);
        }
    }

    protected override void EndProcessing() =>
        CommitPlans<Fastpath>(PassThru, (session, planned) =>
            Fastpaths.Get(session, planned.Select(f => f.Family).ToList(), TableName, FlowtableName, ChainName));
}
