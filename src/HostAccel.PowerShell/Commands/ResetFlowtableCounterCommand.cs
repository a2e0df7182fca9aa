using System.Management.Automation;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands;

[Cmdlet(VerbsCommon.Reset, "FlowtableCounter", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(FlowtableCounter))]
public sealed class ResetFlowtableCounterCommand : ChangeCmdlet
{
    private readonly ChangeQueue<ResetCountersPlan, Request, FlowtableCounter> _queue;

    public ResetFlowtableCounterCommand() =>
        _queue = new(this, s => new ResetCountersPlan(s), (plan, r) => plan.Prepare(r.Family, r.TableName, r.ChainName, r.Force));

    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public AccelFamily[]? Family { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string TableName { get; set; } = Design.TableName;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string ChainName { get; set; } = Design.ChainName;

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() => _queue.Add(new Request(Family, TableName, ChainName, Force), TableName);

    protected override void EndProcessing() => _queue.Commit(PassThru);

    private sealed record Request(AccelFamily[]? Family, string TableName, string ChainName, bool Force);
}
