using System.Management.Automation;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands;

[Cmdlet(VerbsCommon.Add, "PeerPodCidr", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PeerPodCidr))]
public sealed class AddPeerPodCidrCommand : ChangeCmdlet
{
    private readonly TrafficControlPeers _trafficControl = new();
    private readonly ChangeQueue<AddPeerPodCidrPlan, Request, PeerPodCidr> _queue;

    public AddPeerPodCidrCommand() =>
        _queue = new(this, s => new AddPeerPodCidrPlan(s), (plan, r) =>
        {
            plan.Queue(r.Cidr, r.Family, r.TableName, r.SetName, r.SetComment, r.Force);
            return [];
        });

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Cidr { get; set; } = [];

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public AccelFamily[]? Family { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string TableName { get; set; } = Design.TableName;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string SetName { get; set; } = Design.SetName;

    [Parameter]
    public string? SetComment { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (string cidr in Cidr ?? [])
        {
            _trafficControl.Add(NetworkNamespace, cidr);
            _queue.Add(new Request(cidr, Family, TableName, SetName, SetComment, Force), cidr);
        }
    }

    /// <summary>Commits the set's change, then, where the Traffic Control mode is enabled, its redirects follow (<see cref="TrafficControlPeers"/>).</summary>
    protected override void EndProcessing() => _trafficControl.Follow(this, _queue.Commit(PassThru), _queue.Declined, removing: false);

    private sealed record Request(string Cidr, AccelFamily[]? Family, string TableName, string SetName, string? SetComment, bool Force);
}
