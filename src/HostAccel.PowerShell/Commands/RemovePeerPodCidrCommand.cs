using System.Management.Automation;
using HostAccel.PowerShell.Commands.Completers;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands;

[Cmdlet(VerbsCommon.Remove, "PeerPodCidr", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemovePeerPodCidrCommand : ChangeCmdlet
{
    private readonly TrafficControlPeers _trafficControl = new();
    private readonly ChangeQueue<RemovePeerPodCidrPlan, Request, PeerPodCidr> _queue;

    public RemovePeerPodCidrCommand() =>
        _queue = new(this, s => new RemovePeerPodCidrPlan(s), (plan, r) =>
        {
            plan.Queue(r.Cidr, r.Family, r.TableName, r.SetName, r.Force);
            return [];
        });

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(PeerPodCidrCompleter))]
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
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        foreach (string cidr in Cidr ?? [])
        {
            _trafficControl.Add(NetworkNamespace, cidr);
            _queue.Add(new Request(cidr, Family, TableName, SetName, Force), cidr);
        }
    }

    /// <summary>Commits the set's change, then, where the Traffic Control mode is enabled, its redirects follow (<see cref="TrafficControlPeers"/>).</summary>
    protected override void EndProcessing() => _trafficControl.Follow(this, _queue.Commit(passThru: false), _queue.Declined, removing: true);

    private sealed record Request(string Cidr, AccelFamily[]? Family, string TableName, string SetName, bool Force);
}
