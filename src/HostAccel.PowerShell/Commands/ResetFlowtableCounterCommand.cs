using System.Management.Automation;
using HostAccel.Native.Nftables;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands;

[Cmdlet(VerbsCommon.Reset, "FlowtableCounter", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(FlowtableCounter))]
public sealed class ResetFlowtableCounterCommand : HostAccelCmdlet
{
    private readonly List<(AccelSession Session, NftFamily Family, string Table, string Chain)> _queued = [];

    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public AccelFamily[]? Family { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string TableName { get; set; } = Defaults.TableName;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string ChainName { get; set; } = Defaults.ChainName;

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        AccelSession? session = Session();
        if (session is null)
        {
            return;
        }

        bool explicitFamilies = Family is { Length: > 0 };
        int found = 0;
        foreach (NftFamily family in explicitFamilies ? Family!.Select(f => f.ToNft()).Distinct() : [NftFamily.Ip, NftFamily.Ip6])
        {
            if (_queued.Any(q => q.Session == session && q.Family == family && q.Table == TableName && q.Chain == ChainName))
            {
                found++;
                continue;
            }

            string statement;
            try
            {
                statement = Counters.PlanReset(session, family, TableName, ChainName, Force);
            }
            catch (HostAccelException ex) when (!explicitFamilies && ex.Kind == FailureKind.ObjectNotFound)
            {
                continue;
            }
            catch (Exception ex)
            {
                WriteFailure(ex, $"chain {family.ToNftName()} {TableName} {ChainName}");
                continue;
            }

            found++;
            string target = $"chain {family.ToNftName()} {TableName} {ChainName}";
            if (ShouldProcess($"Reset the rule counters on {target}:{Environment.NewLine}  {statement}", $"Reset the rule counters of {target}?", "Reset rule counters"))
            {
                _queued.Add((session, family, TableName, ChainName));
            }
        }

        if (found == 0 && !explicitFamilies)
        {
            WriteFailure(new HostAccelException(ErrorIds.FastpathNotFound, FailureKind.ObjectNotFound,
                $"neither table ip {TableName} nor ip6 {TableName} has a chain {ChainName}", TableName));
        }
    }

    protected override void EndProcessing()
    {
        foreach ((AccelSession session, NftFamily family, string table, string chain) in _queued)
        {
            try
            {
                IReadOnlyList<FlowtableCounter> before = Counters.Reset(session, family, table, chain, Force, Cancellation);
                Counters.WarnAboutReset(session, WriteWarning);
                if (PassThru)
                {
                    WriteObject(before, enumerateCollection: true);
                }
            }
            catch (Exception ex)
            {
                WriteFailure(ex, $"chain {family.ToNftName()} {table} {chain}");
            }
        }
    }
}
