using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine.Planning;

namespace HostAccel.PowerShell.Engine;

/// <summary>
/// Makes a removal reach the connections already offloaded. A flow in a flowtable bypasses the forward hook
/// (Documentation/networking/nf_flowtable.rst: "you do not see these packets from any of the netfilter hooks coming
/// after the ingress"), so deleting the peer Pod CIDR or the rule that offloaded it stops only new connections: the
/// kernel never looks at the rules again for a flow it holds. Of the ways to take flows out of a flowtable:
/// <list type="bullet">
/// <item>deleting their conntrack entries ends the offload but also forgets their NAT mapping: a Pod-to-Service
/// connection (DNAT to a Pod) would be reset;</item>
/// <item>ctnetlink cannot clear IPS_OFFLOAD (it is in IPS_UNCHANGEABLE_MASK), and nf_tables has no message that
/// removes single flows;</item>
/// <item>deleting the flowtable tears down every flow in it (nf_tables_flowtable_destroy → nf_flow_table_free →
/// flow_offload_teardown, which clears IPS_OFFLOAD and hands the conntrack entry back, with its NAT state, to the
/// normal path).</item>
/// </list>
/// So the flowtable is replaced: in one transaction the rules that add flows to it are deleted, it is deleted and
/// added again as it was, and those rules are added again at their places (a rule's <c>flow add</c> is bound to the
/// flowtable object, not its name, so they must be re-made) with their counters carried over. The transaction is
/// atomic: no packet sees the table without its flowtable or rules. Every flow is evicted, not only those the removal
/// covered; the ones still accelerated are offloaded again by their next packet through the forward chain, at the cost
/// of those few packets taking the slow path.
/// </summary>
internal static class FlowEviction
{
    /// <summary>
    /// The changes that replace <paramref name="flowtable"/> and re-make the rules of <paramref name="tableRules"/>
    /// (every rule of its table) that add flows to it. Rules in <paramref name="deleted"/> (by handle) are deleted by
    /// the caller's own changes and are neither deleted again nor re-made. <paramref name="subject"/> names the
    /// user's object the eviction serves.
    /// </summary>
    public static IReadOnlyList<Change> Replace(NftFlowtable flowtable, IReadOnlyList<NftRule> tableRules, object? subject, IReadOnlySet<ulong>? deleted = null)
    {
        ArgumentNullException.ThrowIfNull(flowtable);
        ArgumentNullException.ThrowIfNull(tableRules);
        var deletes = new List<Change>();
        var adds = new List<Change>();
        foreach (IGrouping<string, NftRule> chain in tableRules.GroupBy(r => r.Chain, StringComparer.Ordinal))
        {
            List<NftRule> rules = chain.ToList();
            for (int i = 0; i < rules.Count; i++)
            {
                NftRule rule = rules[i];
                if (!AddsTo(rule, flowtable.Name) || deleted?.Contains(rule.Handle) == true)
                {
                    continue;
                }

                deletes.Add(new RuleChange(ChangeAction.Delete, rule) { Subject = subject });

                // Before the next rule that stays, so the chain keeps its order; appended when none follows.
                ulong before = rules.Skip(i + 1).Where(r => !AddsTo(r, flowtable.Name) && deleted?.Contains(r.Handle) != true).Select(r => r.Handle).FirstOrDefault();
                NftRule again = rule with { Handle = 0 };
                adds.Add(before == 0 ? new RuleChange(ChangeAction.Add, again) { Subject = subject } : new RuleChange(ChangeAction.Insert, again, before) { Subject = subject });
            }
        }

        return
        [
            .. deletes,
            new FlowtableChange(ChangeAction.Delete, flowtable) { Subject = subject },
            new FlowtableChange(ChangeAction.Add, flowtable with { Handle = 0 }) { Subject = subject },
            .. adds,
        ];
    }

    /// <summary>The flowtables of a table that rules looking up <paramref name="set"/> add flows to.</summary>
    public static IEnumerable<NftFlowtable> FedBy(string set, IReadOnlyList<NftFlowtable> flowtables, IReadOnlyList<NftRule> tableRules)
    {
        var names = tableRules.Where(r => r.Expressions.OfType<LookupExpression>().Any(l => l.Set == set))
            .Select(Fastpaths.OffloadsTo).OfType<string>().ToHashSet(StringComparer.Ordinal);
        return flowtables.Where(f => names.Contains(f.Name));
    }

    /// <summary>Whether a change of a plan evicts flows (a flowtable deleted).</summary>
    public static bool Evicts(Change change) => change is FlowtableChange { Action: ChangeAction.Delete };

    private static bool AddsTo(NftRule rule, string flowtable) => Fastpaths.OffloadsTo(rule) == flowtable;
}
