using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine.Planning;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine.Configuration;

/// <summary>
/// Computes the one transaction that turns what the kernel holds into the desired state, touching nothing that
/// already matches: elements are added and deleted one by one, flowtable devices are added in place, and rules that
/// match stay (with their counters and offloaded flows) while missing ones are inserted at their place. What narrows
/// acceleration (an element, a rule or a device taken away) also replaces the flowtable and its rules, because that
/// is the one way to evict the connections already offloaded without losing their NAT state (<see cref="FlowEviction"/>). An object that cannot be changed in place (a set of another type, a flowtable with
/// another priority, a chain on another hook) is replaced, with the rules that refer to it. A HostAccel table is
/// authoritative: anything in it that the desired state lacks is deleted. Tables HostAccel does not own are left
/// alone, or refused when the desired state needs them, unless forced.
/// </summary>
internal sealed class SyncPlanner
{
    private enum Phase
    {
        DeleteTables,
        DeleteRules,
        DeleteChains,
        DeleteFlowtables,
        DeleteSets,
        DeleteElements,
        AddTable,
        AddSets,
        AddElements,
        AddFlowtable,
        AddChain,
        AddRules,
    }

    /// <summary>NFT_TABLE_F_DORMANT.</summary>
    private const uint DormantTable = 0x1;

    private readonly SyncPlan _plan;
    private readonly List<(Phase Phase, Change Change)> _changes = [];

    private SyncPlanner(SyncPlan plan) => _plan = plan;

    /// <summary>The plan for both families, from the tables as read and the state wanted.</summary>
    public static SyncPlan Plan(SyncPlan plan, IReadOnlyDictionary<NftFamily, FamilyState?> desired, IReadOnlyDictionary<NftFamily, KernelTable?> current,
        Func<NftSet, IReadOnlyList<IpPrefix>> elements, string tableName, bool force)
    {
        var planner = new SyncPlanner(plan);
        foreach (NftFamily family in new[] { NftFamily.Ip, NftFamily.Ip6 })
        {
            planner.PlanFamily(family, tableName, desired.GetValueOrDefault(family), current.GetValueOrDefault(family), elements, force);
        }

        foreach ((Phase _, Change change) in planner._changes.OrderBy(c => c.Phase))
        {
            plan.Add(change);
        }

        return plan;
    }

    private void PlanFamily(NftFamily family, string tableName, FamilyState? want, KernelTable? have, Func<NftSet, IReadOnlyList<IpPrefix>> elements, bool force)
    {
        if (have is not null && !Ownership.IsOwned(have.Table))
        {
            if (want is null)
            {
                return;
            }

            Ownership.Require(have.Table, force);
        }

        if (want is null)
        {
            if (have is not null)
            {
                Difference d = _plan.Difference(family, AccelDriftKind.Extra, $"table {family.ToNftName()} {tableName}", "no local Pod CIDR of this family: the table and everything in it go");
                Add(Phase.DeleteTables, d, new TableChange(ChangeAction.Delete, have.Table));
            }

            return;
        }

        if (have is null)
        {
            PlanNewTable(want);
            return;
        }

        if ((have.Table.Flags & DormantTable) != 0)
        {
            // A dormant table's chains and flowtables are unhooked: nothing in it accelerates anything.
            Difference d = _plan.Difference(family, AccelDriftKind.Different, $"table {family.ToNftName()} {tableName}", "dormant: its chains and flowtable see no packets");
            Add(Phase.AddTable, d, new TableChange(ChangeAction.Add, want.Table with { Flags = have.Table.Flags & ~DormantTable }));
        }

        var replacedSets = new HashSet<string>(StringComparer.Ordinal);
        var replacedFlowtables = new HashSet<string>(StringComparer.Ordinal);
        var narrowed = new List<string>();
        PlanSets(want, have, elements, replacedSets, narrowed);
        narrowed.AddRange(RulesGoing(want, have));
        bool flowtableReplaced = PlanFlowtables(want, have, replacedFlowtables, narrowed);
        PlanChains(want, have, replacedSets, replacedFlowtables, flowtableReplaced);
    }

    private void PlanNewTable(FamilyState want)
    {
        Difference d = _plan.Difference(want.Family, AccelDriftKind.Missing, want.Table.ToString(), "the table and everything in it are created");
        Add(Phase.AddTable, d, new TableChange(ChangeAction.Add, want.Table));
        foreach (DesiredSet set in want.Sets)
        {
            AddSet(d, set);
        }

        if (want.Flowtable is NftFlowtable flowtable)
        {
            Add(Phase.AddFlowtable, d, new FlowtableChange(ChangeAction.Add, flowtable));
        }

        if (want.Chain is NftChain chain)
        {
            Add(Phase.AddChain, d, new ChainChange(ChangeAction.Add, chain));
        }

        foreach (NftRule rule in want.Rules)
        {
            Add(Phase.AddRules, d, new RuleChange(ChangeAction.Add, rule));
        }
    }

    private void PlanSets(FamilyState want, KernelTable have, Func<NftSet, IReadOnlyList<IpPrefix>> elements, HashSet<string> replaced, List<string> narrowed)
    {
        NftFamily family = want.Family;
        foreach (NftSet extra in have.Sets.Where(s => want.Sets.All(w => w.Set.Name != s.Name)))
        {
            Difference d = _plan.Difference(family, AccelDriftKind.Extra, Name("set", extra.Family, extra.Table, extra.Name), "not part of the desired state");
            Add(Phase.DeleteSets, d, new SetChange(ChangeAction.Delete, extra));
            replaced.Add(extra.Name);
        }

        foreach (DesiredSet set in want.Sets)
        {
            NftSet wanted = set.Set;
            NftSet? existing = have.Sets.FirstOrDefault(s => s.Name == wanted.Name);
            string what = Name("set", family, wanted.Table, wanted.Name);
            if (existing is not null && existing.KeyType == wanted.KeyType && existing.Flags == wanted.Flags && existing.Comment == wanted.Comment)
            {
                if (PlanElements(family, what, existing, set.Elements, elements(existing)) is int removed and > 0)
                {
                    narrowed.Add($"{removed} element{(removed == 1 ? "" : "s")} deleted from {what}");
                }

                continue;
            }

            Difference d = existing is null
                ? _plan.Difference(family, AccelDriftKind.Missing, what, $"created with {set.Elements.Count} elements")
                : _plan.Difference(family, AccelDriftKind.Different, what, $"replaced: it is {existing}, not {wanted}");
            if (existing is not null)
            {
                replaced.Add(existing.Name);
                narrowed.Add($"{what} replaced");
                Add(Phase.DeleteSets, d, new SetChange(ChangeAction.Delete, existing));
            }

            AddSet(d, set);
        }
    }

    /// <summary>Returns how many elements are deleted.</summary>
    private int PlanElements(NftFamily family, string what, NftSet set, IReadOnlyList<IpPrefix> wanted, IReadOnlyList<IpPrefix> present)
    {
        var wantedSet = new HashSet<IpPrefix>(wanted);
        var presentSet = new HashSet<IpPrefix>(present);
        List<IpPrefix> remove = present.Where(p => !wantedSet.Contains(p)).ToList();
        List<IpPrefix> add = wanted.Where(p => !presentSet.Contains(p)).ToList();
        if (remove.Count == 0 && add.Count == 0)
        {
            return 0;
        }

        Difference d = _plan.Difference(family, AccelDriftKind.Different, what, $"{add.Count} element{(add.Count == 1 ? "" : "s")} to add, {remove.Count} to delete");
        if (remove.Count > 0)
        {
            Add(Phase.DeleteElements, d, Elements(ChangeAction.Delete, set, remove));
        }

        if (add.Count > 0)
        {
            Add(Phase.AddElements, d, Elements(ChangeAction.Add, set, add));
        }

        return remove.Count;
    }

    /// <summary>
    /// The rules that add flows to the desired flowtable and that the desired state lacks (a traffic type dropped,
    /// a device gone from a rule): what they offloaded must be evicted.
    /// </summary>
    private static IEnumerable<string> RulesGoing(FamilyState want, KernelTable have)
    {
        if (want.Flowtable is not NftFlowtable flowtable)
        {
            return [];
        }

        var wanted = want.Rules.ToHashSet();
        return have.Rules.Where(r => Fastpaths.OffloadsTo(r) == flowtable.Name && !wanted.Contains(Fastpaths.Normalize(r)))
            .Select(r => $"rule {r.Chain} handle {r.Handle}{(r.Comment is null ? "" : $" \"{r.Comment}\"")} deleted");
    }

    /// <summary>
    /// Returns whether the desired flowtable is replaced (so every rule that adds flows to it goes too): when it
    /// cannot be changed in place, or when <paramref name="narrowed"/> says that less is accelerated than before —
    /// replacing it is what evicts the flows already offloaded (<see cref="FlowEviction"/>).
    /// </summary>
    private bool PlanFlowtables(FamilyState want, KernelTable have, HashSet<string> replaced, List<string> narrowed)
    {
        NftFamily family = want.Family;
        NftFlowtable? wanted = want.Flowtable;
        foreach (NftFlowtable extra in have.Flowtables.Where(f => f.Name != wanted?.Name))
        {
            Difference d = _plan.Difference(family, AccelDriftKind.Extra, Name("flowtable", family, extra.Table, extra.Name), "not part of the desired state");
            Add(Phase.DeleteFlowtables, d, new FlowtableChange(ChangeAction.Delete, extra));
            replaced.Add(extra.Name);
        }

        if (wanted is null)
        {
            return false;
        }

        string what = Name("flowtable", family, wanted.Table, wanted.Name);
        NftFlowtable? existing = have.Flowtables.FirstOrDefault(f => f.Name == wanted.Name);
        if (existing is null)
        {
            Difference d = _plan.Difference(family, AccelDriftKind.Missing, what, $"created on {string.Join(", ", wanted.Devices)}");
            Add(Phase.AddFlowtable, d, new FlowtableChange(ChangeAction.Add, wanted));
            return false;
        }

        List<string> remove = existing.Devices.Where(x => !wanted.Devices.Contains(x)).ToList();
        if (remove.Count > 0)
        {
            narrowed.Add($"device{(remove.Count == 1 ? "" : "s")} {string.Join(", ", remove)} removed from it");
        }

        if (existing.Priority != wanted.Priority || existing.Flags != wanted.Flags || narrowed.Count > 0)
        {
            Difference d = existing.Priority != wanted.Priority || existing.Flags != wanted.Flags
                ? _plan.Difference(family, AccelDriftKind.Different, what, $"replaced: it is {existing}, not {wanted}")
                : _plan.Difference(family, AccelDriftKind.Different, what,
                    $"replaced to evict the connections it offloaded ({string.Join("; ", narrowed)}): they take the forward chain again, and those still accelerated are offloaded again");
            Add(Phase.DeleteFlowtables, d, new FlowtableChange(ChangeAction.Delete, existing));
            Add(Phase.AddFlowtable, d, new FlowtableChange(ChangeAction.Add, wanted));
            replaced.Add(existing.Name);
            return true;
        }

        List<string> add = wanted.Devices.Where(x => !existing.Devices.Contains(x)).ToList();
        if (add.Count > 0)
        {
            Difference d = _plan.Difference(family, AccelDriftKind.Different, what, $"devices {string.Join(", ", add)} to add");
            Add(Phase.AddFlowtable, d, new FlowtableChange(ChangeAction.Add, wanted with { Devices = add.ToArray() }));
        }

        return false;
    }

    private void PlanChains(FamilyState want, KernelTable have, HashSet<string> replacedSets, HashSet<string> replacedFlowtables, bool flowtableReplaced)
    {
        NftFamily family = want.Family;
        NftChain? wanted = want.Chain;
        foreach (NftChain extra in have.Chains.Where(c => c.Name != wanted?.Name))
        {
            Difference d = _plan.Difference(family, AccelDriftKind.Extra, Name("chain", family, extra.Table, extra.Name), "not part of the desired state");
            foreach (NftRule rule in have.RulesOf(extra.Name))
            {
                Add(Phase.DeleteRules, d, new RuleChange(ChangeAction.Delete, rule));
            }

            Add(Phase.DeleteChains, d, new ChainChange(ChangeAction.Delete, extra));
        }

        if (wanted is null)
        {
            return;
        }

        // Rules in other chains that use a replaced object went with their chain above; these are the chain's own.
        NftChain? existing = have.Chains.FirstOrDefault(c => c.Name == wanted.Name);
        string what = Name("chain", family, wanted.Table, wanted.Name);
        List<NftRule> present = existing is null ? [] : have.RulesOf(wanted.Name).ToList();
        Difference? replacedChain = null;
        if (existing is not null && (existing.Base != wanted.Base || existing.Comment != wanted.Comment))
        {
            Difference d = _plan.Difference(family, AccelDriftKind.Different, what, $"replaced: it is {existing}, not {wanted}");
            foreach (NftRule rule in present)
            {
                Add(Phase.DeleteRules, d, new RuleChange(ChangeAction.Delete, rule));
            }

            Add(Phase.DeleteChains, d, new ChainChange(ChangeAction.Delete, existing));
            replacedChain = d;
            existing = null;
            present = [];
        }

        if (existing is null)
        {
            Add(Phase.AddChain, replacedChain ?? _plan.Difference(family, AccelDriftKind.Missing, what, "created"), new ChainChange(ChangeAction.Add, wanted));
        }

        PlanRules(want, present, rule => Uses(rule, replacedSets, replacedFlowtables) || (flowtableReplaced && Fastpaths.OffloadsTo(rule) == want.Flowtable?.Name));
    }

    /// <summary>
    /// Keeps the rules that match a desired rule in the desired order; deletes the rest; inserts each missing rule
    /// before the next kept one, or appends it, so the chain ends in canonical order.
    /// </summary>
    private void PlanRules(FamilyState want, List<NftRule> present, Func<NftRule, bool> mustGo)
    {
        NftFamily family = want.Family;
        var keptHandles = new ulong[want.Rules.Count];
        var carried = new Dictionary<NftRule, NftRule>();
        int last = -1;
        foreach (NftRule rule in present)
        {
            NftRule normal = Fastpaths.Normalize(rule);
            int index = -1;
            for (int i = last + 1; i < want.Rules.Count && !mustGo(rule); i++)
            {
                if (keptHandles[i] == 0 && want.Rules[i] == normal)
                {
                    index = i;
                    break;
                }
            }

            if (index >= 0)
            {
                keptHandles[index] = rule.Handle;
                last = index;
                continue;
            }

            if (mustGo(rule))
            {
                // Made again as it is: it keeps its counts.
                carried.TryAdd(normal, rule with { Handle = 0 });
            }

            Difference d = _plan.Difference(family, AccelDriftKind.Extra, $"rule {family.ToNftName()} {rule.Table} {rule.Chain} handle {rule.Handle}",
                mustGo(rule) ? "it refers to an object that is replaced" : "not part of the desired state, or out of order");
            Add(Phase.DeleteRules, d, new RuleChange(ChangeAction.Delete, rule));
        }

        for (int i = 0; i < want.Rules.Count; i++)
        {
            if (keptHandles[i] != 0)
            {
                continue;
            }

            NftRule rule = carried.GetValueOrDefault(want.Rules[i]) ?? want.Rules[i];
            ulong before = keptHandles.Skip(i + 1).FirstOrDefault(h => h != 0);
            Difference d = _plan.Difference(family, AccelDriftKind.Missing, $"rule {family.ToNftName()} {rule.Table} {rule.Chain} \"{rule.Comment}\"", before == 0 ? "appended" : $"inserted before handle {before}");
            Add(Phase.AddRules, d, before == 0 ? new RuleChange(ChangeAction.Add, rule) : new RuleChange(ChangeAction.Insert, rule, before));
        }
    }

    private static bool Uses(NftRule rule, HashSet<string> sets, HashSet<string> flowtables) =>
        rule.Expressions.Any(e => (e is LookupExpression l && sets.Contains(l.Set)) || (e is FlowOffloadExpression f && flowtables.Contains(f.Flowtable)));

    private static string Name(string kind, NftFamily family, string table, string name) => $"{kind} {family.ToNftName()} {table} {name}";

    private void Add(Phase phase, Difference difference, Change change) => _changes.Add((phase, change with { Subject = difference }));

    /// <summary>A set created with its elements.</summary>
    private void AddSet(Difference difference, DesiredSet set)
    {
        Add(Phase.AddSets, difference, new SetChange(ChangeAction.Add, set.Set));
        if (set.Elements.Count > 0)
        {
            Add(Phase.AddSets, difference, Elements(ChangeAction.Add, set.Set, set.Elements));
        }
    }

    /// <summary>Element changes name each prefix, so that a kernel error says which one it refused.</summary>
    private static ElementsChange Elements(ChangeAction action, NftSet set, IReadOnlyList<IpPrefix> prefixes) =>
        new(action, set, new EquatableArray<IpPrefix>(prefixes)) { Subjects = new EquatableArray<object?>(prefixes.Select(p => (object?)p.ToString())) };
}
