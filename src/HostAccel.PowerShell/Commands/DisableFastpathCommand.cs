using System.Management.Automation;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands;

[Cmdlet(VerbsLifecycle.Disable, "Fastpath", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed partial class DisableFastpathCommand : ChangeCmdlet
{
    private readonly ChangeQueue<DisableFastpathPlan, Request, Fastpath> _queue;

    public DisableFastpathCommand() =>
        _queue = new(this, s => new DisableFastpathPlan(s), (plan, r) => plan.Prepare(r.Family, r.TableName, r.FlowtableName, r.ChainName, r.Force));

    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public AccelFamily[]? Family { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string TableName { get; set; } = Design.TableName;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string FlowtableName { get; set; } = Design.FlowtableName;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string ChainName { get; set; } = Design.ChainName;

    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>TrafficControl removes HostAccel's filters (and a clsact it added) instead of a table's flowtable and rules.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public AccelMode Mode { get; set; } = AccelMode.Flowtable;

    protected override void ProcessRecord()
    {
        if (Mode == AccelMode.TrafficControl)
        {
            QueueTrafficControl();
            return;
        }

        _queue.Add(new Request(Family, TableName, FlowtableName, ChainName, Force), TableName);
    }

    protected override void EndProcessing()
    {
        _queue.Commit(passThru: false);
        CommitTrafficControl();
    }

    private sealed record Request(AccelFamily[]? Family, string TableName, string FlowtableName, string ChainName, bool Force);
}
