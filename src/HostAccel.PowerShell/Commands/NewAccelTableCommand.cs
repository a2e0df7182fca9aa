using System.Management.Automation;
using HostAccel.Native.Nftables;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands;

[Cmdlet(VerbsCommon.New, "AccelTable", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(AccelTable))]
public sealed class NewAccelTableCommand : ChangeCmdlet
{
    private readonly ChangeQueue<NewTablePlan, Request, AccelTable> _queue;

    public NewAccelTableCommand() =>
        _queue = new(this, Tables.PlanNew, (plan, r) => [plan.Prepare(r.Family, r.TableName, r.Comment)]);

    /// <summary>The table's name: nf_tables names are case-sensitive, and New- takes no wildcards.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ValidateNotNullOrEmpty]
    public string TableName { get; set; } = Design.TableName;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public AccelFamily[] Family { get; set; } = [AccelFamily.Ip, AccelFamily.Ip6];

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Comment { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (AccelFamily family in Family ?? [])
        {
            _queue.Add(new Request(family, TableName, string.IsNullOrEmpty(Comment) ? Design.TableComment : Comment), $"table {family.ToNft().ToNftName()} {TableName}");
        }
    }

    protected override void EndProcessing() =>
        _queue.Commit(PassThru, (session, planned) => planned.SelectMany(t => Tables.Get(session, [t.Family], t.Name, includeForeign: true)));

    private sealed record Request(AccelFamily Family, string TableName, string Comment);
}
