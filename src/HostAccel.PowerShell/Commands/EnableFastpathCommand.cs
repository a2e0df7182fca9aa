using System.Management.Automation;
using HostAccel.PowerShell.Commands.Completers;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands;

[Cmdlet(VerbsLifecycle.Enable, "Fastpath", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Fastpath))]
public sealed partial class EnableFastpathCommand : ChangeCmdlet
{
    private readonly HashSet<string> _namespaces = new(StringComparer.Ordinal);
    private readonly ChangeQueue<EnableFastpathPlan, EnableFastpathRequest, Fastpath> _queue;

    public EnableFastpathCommand() =>
        _queue = new(this, s => new EnableFastpathPlan(s), (plan, request) => plan.Prepare(request));

    [Parameter(Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string TransportInterface { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string[] LocalPodCidr { get; set; } = [];

    [Parameter]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string GatewayInterface { get; set; } = Design.GatewayInterface;

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
    [ValidateRange(0, int.MaxValue)]
    public int OffloadThreshold { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string TableName { get; set; } = Design.TableName;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string SetName { get; set; } = Design.SetName;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string FlowtableName { get; set; } = Design.FlowtableName;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string ChainName { get; set; } = Design.ChainName;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string TableComment { get; set; } = Design.TableComment;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string ChainComment { get; set; } = Design.ChainComment;

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
        if (QueueTrafficControl())
        {
            return;
        }

        if (!_namespaces.Add(NetworkNamespace ?? ""))
        {
            _queue.Refuse(new HostAccelException(ErrorIds.InvalidArgument, FailureKind.InvalidArgument,
                "each network namespace can be enabled once per call", NetworkNamespace), NetworkNamespace);
            return;
        }

        var request = new EnableFastpathRequest
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
            OffloadThreshold = OffloadThreshold,
            Force = Force,
        };
        _queue.Add(request, LocalPodCidr);
    }

    protected override void EndProcessing()
    {
        if (Mode == AccelMode.TrafficControl)
        {
            CommitTrafficControl();
            return;
        }

        IReadOnlyList<AccelSession> enabled = _queue.Commit(PassThru, (session, planned) =>
            Fastpaths.Get(session, planned.Select(f => f.Family).ToList(), TableName, FlowtableName, ChainName));
        // After the commit, so that a call that could not enable anything says only why.
        foreach (AccelSession session in Counter ? enabled : [])
        {
            if (Support.CounterWarning(session) is string warning)
            {
                WriteWarning(warning);
            }
        }
    }
}
