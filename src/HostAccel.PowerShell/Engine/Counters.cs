using System.Net;
using HostAccel.Native.Conntrack;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine.Planning;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine;

/// <summary>
/// Get- and Reset-FlowtableCounter. A rule's counter sits after <c>flow add</c> in the design document's rules, so it counts
/// the slow-path packets that reached the offload action (the ones that created or refreshed a flowtable entry);
/// packets that take the fast path never reach the forward chain. What the fast path carried is in conntrack:
/// the offloaded entries whose original direction, as the forward hook saw it, matches the rule's addresses, with
/// their packets and bytes when the kernel accounts them. Every counter of a rule is reported (a rule may hold
/// several): each in <see cref="FlowtableCounter.Counters"/>, their sum in Packets and Bytes.
/// </summary>
internal static class Counters
{
    public static IReadOnlyList<FlowtableCounter> Get(AccelSession session, IReadOnlyCollection<AccelFamily>? families, string table, string chain, bool named = false)
    {
        ArgumentNullException.ThrowIfNull(session);
        var result = new List<FlowtableCounter>();
        foreach ((NftFamily family, IReadOnlyList<NftRule> rules) in Chains(session, families, table, chain, force: true, named))
        {
            IReadOnlyList<ConntrackFlow>? flows = rules.Any(r => Fastpaths.OffloadsTo(r) is not null)
                ? session.TryListFlows(family, out _)?.Where(f => f.IsOffloaded).ToList()
                : null;
            result.AddRange(rules.Where(r => r.Counters.Count > 0).Select(r => ToModel(session, r, flows)));
        }

        return result;
    }

    /// <summary>
    /// What the cmdlet should warn about after <see cref="Reset"/>: on kernels before Linux 6.2, which cannot read and
    /// zero rule counters in one step, the rules were replaced, and what that can lose; null when nothing was.
    /// </summary>
    public static string? ResetWarning(AccelSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return session.Nft.LastCounterReset switch
        {
            CounterReset.ReplacedWithFinalCounts =>
                "This kernel (before Linux 6.2) cannot read and zero rule counters in one step: the counted rules were replaced by copies with new counters " +
                "(same handles, same place), and the counts returned are those the old rules held when the replacement was committed. Packets that another CPU " +
                "was counting on an old rule at that instant are not in them.",
            CounterReset.ReplacedWithCountsAsRead =>
                "This kernel (before Linux 6.2) cannot read and zero rule counters in one step, and it did not report the final counts of the replaced rules: " +
                "the counts returned were read before the rules were replaced, so packets counted between that read and the replacement (one round trip) are lost.",
            _ => null,
        };
    }

    /// <summary>Hands <see cref="ResetWarning"/> to <paramref name="warn"/> (the cmdlet's WriteWarning) when there is one.</summary>
    public static void WarnAboutReset(AccelSession session, Action<string> warn)
    {
        ArgumentNullException.ThrowIfNull(warn);
        if (ResetWarning(session) is string warning)
        {
            warn(warning);
        }
    }

    private static List<(NftFamily, IReadOnlyList<NftRule>)> Chains(AccelSession session, IReadOnlyCollection<AccelFamily>? families, string table, string chain, bool force, bool named)
    {
        Names.Objects(("TableName", table), ("ChainName", chain));
        var found = new List<(NftFamily, IReadOnlyList<NftRule>)>();
        session.ForEachTable(families, table, family => $"chain {family.ToNftName()} {table} {chain}", (family, t, asked) =>
        {
            Ownership.Require(t, force);
            if (!session.Nft.ListChains(family, table).Any(c => c.Name == chain))
            {
                if (asked)
                {
                    throw ChainNotFound(family, table, chain);
                }

                return;
            }

            found.Add((family, session.Nft.ListRules(family, table, chain)));
        }, named);
        return found;
    }

    /// <summary>Resets one family's chain through its plan: the counters before, zeroed.</summary>
    public static IReadOnlyList<FlowtableCounter> Reset(AccelSession session, NftFamily family, string table, string chain, bool force, CancellationToken cancellation)
    {
        var plan = new ResetCountersPlan(session);
        foreach (PlannedChange<FlowtableCounter> change in plan.Prepare([family.ToModel()], table, chain, force))
        {
            plan.Accept(change);
        }

        plan.Commit(cancellation);
        return plan.Committed;
    }

    /// <summary>What Reset would do, as nft statements, after the same checks (table, owner, chain).</summary>
    public static string PlanReset(AccelSession session, NftFamily family, string table, string chain, bool force)
    {
        var plan = new ResetCountersPlan(session);
        foreach (PlannedChange<FlowtableCounter> change in plan.Prepare([family.ToModel()], table, chain, force))
        {
            plan.Accept(change);
        }

        return string.Join(Environment.NewLine, plan.Statements);
    }

    internal static HostAccelException ChainNotFound(NftFamily family, string table, string chain) =>
        new(ErrorIds.FastpathNotFound, FailureKind.ObjectNotFound,
            $"table {family.ToNftName()} {table} has no chain {chain}: acceleration is not enabled there", $"chain {family.ToNftName()} {table} {chain}");

    internal static FlowtableCounter ToModel(AccelSession session, NftRule rule, IReadOnlyList<ConntrackFlow>? offloaded)
    {
        string? flowtable = Fastpaths.OffloadsTo(rule);
        List<ConntrackFlow>? matching = flowtable is null || offloaded is null ? null : offloaded.Where(new AddressMatch(session, rule).Matches).ToList();
        IReadOnlyList<CounterExpression> counters = rule.Counters;
        return new FlowtableCounter
        {
            Family = rule.Family.ToModel(),
            TableName = rule.Table,
            ChainName = rule.Chain,
            Handle = rule.Handle,
            Comment = rule.Comment,
            FlowtableName = flowtable,
            Packets = counters.Aggregate(0UL, (sum, c) => sum + c.Packets),
            Bytes = counters.Aggregate(0UL, (sum, c) => sum + c.Bytes),
            Counters = counters.Select(c => new RuleCounter { Packets = c.Packets, Bytes = c.Bytes }).ToList(),
            OffloadedFlows = matching?.Count,
            OffloadedPackets = matching is null ? null : Sum(matching, f => f.OriginalPackets, f => f.ReplyPackets),
            OffloadedBytes = matching is null ? null : Sum(matching, f => f.OriginalBytes, f => f.ReplyBytes),
            Rule = RuleText.Render(rule, session.InterfaceName),
            NetworkNamespace = session.NetworkNamespace,
        };
    }

    /// <summary>The sum over both directions, or null when any entry is not accounted.</summary>
    internal static ulong? Sum(IEnumerable<ConntrackFlow> flows, Func<ConntrackFlow, ulong?> original, Func<ConntrackFlow, ulong?> reply)
    {
        ulong total = 0;
        foreach (ConntrackFlow flow in flows)
        {
            if (original(flow) is not ulong o || reply(flow) is not ulong r)
            {
                return null;
            }

            total += o + r;
        }

        return total;
    }
}

/// <summary>
/// The source and destination addresses a rule matches (<c>ip saddr 10.244.2.0/24</c>, <c>ip daddr @set</c>), as
/// prefixes, to attribute conntrack entries to the rule. Statements it does not recognise constrain nothing. A
/// connection is matched as the forward hook saw its original direction: after destination NAT (prerouting) and
/// before source NAT (postrouting), so its source is the original tuple's and its destination the reply tuple's
/// source — for a Pod-to-Service connection, the backend Pod the Service's address was translated to.
/// </summary>
internal sealed class AddressMatch
{
    private readonly List<IpPrefix>? _sources;
    private readonly List<IpPrefix>? _destinations;

    public AddressMatch(AccelSession session, NftRule rule)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(rule);
        // The rule's address statements, read by the one reader of rule shapes (RuleStatements); one it cannot read as
        // a prefix or a set (an inverted match, a range, host bits) constrains nothing.
        foreach (AddressStatement address in RuleStatements.Parse(rule).OfType<AddressStatement>())
        {
            List<IpPrefix>? prefixes = address switch
            {
                { Op: CmpOp.Eq, Invert: false, Set: string set } => SetPrefixes(session, rule, set),
                { Op: CmpOp.Eq, Invert: false, Prefix: IpPrefix prefix } => [prefix],
                _ => null,
            };
            if (address.Source)
            {
                _sources = prefixes;
            }
            else
            {
                _destinations = prefixes;
            }
        }
    }

    public bool Matches(ConntrackFlow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        return Contains(_sources, flow.Original.Source) && Contains(_destinations, flow.Reply.Source);
    }

    private static bool Contains(List<IpPrefix>? prefixes, IPAddress address)
    {
        if (prefixes is null)
        {
            return true;
        }

        byte[] bytes = address.GetAddressBytes();
        IpPrefix host = IpPrefix.Create(bytes.Length == 16, IpPrefix.FromBytes(bytes), bytes.Length * 8);
        return prefixes.Any(p => p.Contains(host));
    }

    private static List<IpPrefix>? SetPrefixes(AccelSession session, NftRule rule, string name)
    {
        NftSet? set = session.Nft.ListSets(rule.Family, rule.Table).FirstOrDefault(s => s.Name == name);
        return set is null ? null : session.Nft.ListPrefixes(set).ToList();
    }
}
