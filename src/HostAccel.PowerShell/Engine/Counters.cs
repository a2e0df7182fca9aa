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
/// the offloaded entries whose original direction matches the rule's addresses, with their packets and bytes when
/// the kernel accounts them.
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
            result.AddRange(rules.Where(r => r.Counter is not null).Select(r => ToModel(session, r, flows)));
        }

        return result;
    }

    private static List<(NftFamily, IReadOnlyList<NftRule>)> Chains(AccelSession session, IReadOnlyCollection<AccelFamily>? families, string table, string chain, bool force, bool named)
    {
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
        return new FlowtableCounter
        {
            Family = rule.Family.ToModel(),
            TableName = rule.Table,
            ChainName = rule.Chain,
            Handle = rule.Handle,
            Comment = rule.Comment,
            FlowtableName = flowtable,
            Packets = rule.Counter?.Packets ?? 0,
            Bytes = rule.Counter?.Bytes ?? 0,
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
/// prefixes, to attribute conntrack entries to the rule. Statements it does not recognise constrain nothing.
/// </summary>
internal sealed class AddressMatch
{
    private readonly List<IpPrefix>? _sources;
    private readonly List<IpPrefix>? _destinations;

    public AddressMatch(AccelSession session, NftRule rule)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(rule);
        Expression[] e = rule.Expressions.ToArray();
        bool v6 = rule.Family == NftFamily.Ip6;
        for (int i = 0; i < e.Length; i++)
        {
            if (e[i] is MetaExpression { Key: MetaKey.NfProto } && i + 1 < e.Length && e[i + 1] is CmpExpression nfproto && nfproto.Data.Count == 1)
            {
                v6 = nfproto.Data[0] == (byte)NftFamily.Ip6;
            }

            if (e[i] is not PayloadExpression { Base: PayloadBase.Network } load || i + 1 >= e.Length)
            {
                continue;
            }

            bool? source = (v6, load.Offset) switch
            {
                (false, 12) or (true, 8) => true,
                (false, 16) or (true, 24) => false,
                _ => null,
            };
            if (source is null)
            {
                continue;
            }

            List<IpPrefix>? prefixes = e[i + 1] switch
            {
                LookupExpression { Invert: false } lookup => SetPrefixes(session, rule, lookup.Set),
                CmpExpression { Op: CmpOp.Eq } cmp => [Prefix(v6, cmp.Data.ToArray(), (int)load.Length * 8)],
                BitwiseExpression mask when i + 2 < e.Length && e[i + 2] is CmpExpression { Op: CmpOp.Eq } cmp =>
                    [Prefix(v6, cmp.Data.ToArray(), mask.Mask.Sum(b => System.Numerics.BitOperations.PopCount(b)))],
                _ => null,
            };
            if (source == true)
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
        return Contains(_sources, flow.Original.Source) && Contains(_destinations, flow.Original.Destination);
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

    private static IpPrefix Prefix(bool v6, byte[] data, int bits)
    {
        byte[] full = new byte[v6 ? 16 : 4];
        Array.Copy(data, full, Math.Min(data.Length, full.Length));
        return IpPrefix.Create(v6, IpPrefix.FromBytes(full), Math.Min(bits, full.Length * 8));
    }

    private static List<IpPrefix>? SetPrefixes(AccelSession session, NftRule rule, string name)
    {
        NftSet? set = session.Nft.ListSets(rule.Family, rule.Table).FirstOrDefault(s => s.Name == name);
        return set is null ? null : session.Nft.ListPrefixes(set).ToList();
    }
}
