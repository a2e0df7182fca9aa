using System.Text;
using HostAccel.Native.Interop;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine.Planning;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine;

/// <summary>Get-Fastpath: the state of acceleration in each family's table, and what the plans share.</summary>
internal static class Fastpaths
{
    /// <summary>
    /// The state of acceleration in each family's table: the flowtable (when there is one) and the chain's rules.
    /// Families not asked for explicitly are skipped when their table has neither.
    /// </summary>
    public static IReadOnlyList<Fastpath> Get(AccelSession session, IReadOnlyCollection<AccelFamily>? families, string table, string flowtable, string chain, bool named = false)
    {
        ArgumentNullException.ThrowIfNull(session);
        var result = new List<Fastpath>();
        session.ForEachTable(families, table, family => $"table {family.ToNftName()} {table}", (family, _, asked) =>
        {
            NftFlowtable? ft = session.Nft.ListFlowtables(family, table).FirstOrDefault(f => f.Name == flowtable);
            NftChain? ch = session.Nft.ListChains(family, table).FirstOrDefault(c => c.Name == chain);
            if (ft is null && ch is null)
            {
                if (asked)
                {
                    throw NotFound(family, table, flowtable, chain);
                }

                return;
            }

            IReadOnlyList<NftRule> rules = ch is null ? [] : session.Nft.ListRules(family, table, chain);
            result.Add(ToModel(session, family, table, flowtable, chain, ft, rules));
        }, named);
        return result;
    }

    internal static HostAccelException NotFound(NftFamily family, string table, string flowtable, string chain) =>
        new(ErrorIds.FastpathNotFound, FailureKind.ObjectNotFound,
            $"table {family.ToNftName()} {table} has neither flowtable {flowtable} nor chain {chain}: acceleration is not enabled there", $"table {family.ToNftName()} {table}");

    internal static Fastpath ToModel(AccelSession session, NftFamily family, string table, string flowtable, string chain, NftFlowtable? ft, IReadOnlyList<NftRule> rules) => new()
    {
        Family = family.ToModel(),
        TableName = table,
        FlowtableName = flowtable,
        ChainName = chain,
        FlowtablePresent = ft is not null,
        Devices = ft?.Devices.ToList() ?? [],
        Priority = ft?.Priority ?? 0,
        HardwareOffload = ft is not null && (ft.Flags & FlowtableFlags.HardwareOffload) != 0,
        Counter = ft is not null && (ft.Flags & FlowtableFlags.Counter) != 0,
        Enabled = ft is not null && rules.Any(r => OffloadsTo(r) == flowtable),
        OffloadThreshold = rules.Where(r => OffloadsTo(r) == flowtable).Select(Threshold).FirstOrDefault(),
        Rules = rules.Select(session.Render).ToList(),
        NetworkNamespace = session.NetworkNamespace,
    };

    /// <summary>The flowtable a rule adds connections to, or null.</summary>
    internal static string? OffloadsTo(NftRule rule) => rule.Expressions.OfType<FlowOffloadExpression>().FirstOrDefault()?.Flowtable;

    /// <summary>The N of a rule's <c>ct packets &gt; N</c>, 0 without one.</summary>
    internal static int Threshold(NftRule rule) =>
        RuleStatements.Parse(rule).OfType<CtPacketsStatement>().Where(c => c.Op == CmpOp.Gt && c.Packets <= int.MaxValue).Select(c => (int)c.Packets).FirstOrDefault();

    /// <summary>The design's two Pod-to-Pod rules, with the request's names and comments.</summary>
    internal static NftRule[] Rules(NftFamily family, EnableFastpathRequest request, uint gateway, uint transport, IpPrefix local) =>
        Design.PodToPod(new Design.Names(family, request.TableName, request.ChainName, request.FlowtableName, request.SetName, OffloadThreshold: request.OffloadThreshold),
            gateway, transport, local, request.OutboundRuleComment, request.InboundRuleComment);

    /// <summary>A rule as it would be written: no handle, counters at zero.</summary>
    internal static NftRule Normalize(NftRule rule) => rule with
    {
        Handle = 0,
        Expressions = rule.Expressions.Select(e => e is CounterExpression ? new CounterExpression() : e).ToArray(),
    };
}
