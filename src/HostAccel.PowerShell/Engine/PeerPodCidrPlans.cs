using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.PowerShell.Engine.Planning;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine;

/// <summary>
/// Shared by the add and remove plans: each set's table and set, read once per plan — never its elements. Whether a
/// prefix is already held, overlaps a held one or is missing is the kernel's own check at commit (an interval set
/// refuses an overlapping interval and the deletion of one it does not hold, pointing at the element); only when it
/// refuses is the set read, to say which held prefix is in the way. So a one-prefix change costs the same at 100 000
/// elements as at 10. Prefixes of one call are checked against each other here, in O(log n) each.
/// </summary>
internal abstract class PeerPodCidrPlan : ChangePlan<PeerPodCidr>
{
    private readonly Dictionary<(NftFamily, string, string), SetState> _sets = [];
    private readonly HashSet<(string, string, string?)> _checkedNames = [];

    protected PeerPodCidrPlan(AccelSession session)
        : base(session)
    {
    }

    protected sealed class SetState
    {
        public NftTable Table { get; init; } = null!;

        /// <summary>The set in the kernel, or null when it does not exist (yet).</summary>
        public NftSet? Existing { get; init; }

        /// <summary>"set ip antrea peer-pod-cidr": what ShouldProcess names, made once per set rather than once per prefix.</summary>
        public string Name { get; init; } = "";

        /// <summary>The set as this plan writes to it: the existing one, or the one it creates.</summary>
        public NftSet Target { get; set; } = null!;

        public bool Created { get; set; }

        /// <summary>The prefixes accepted in this call, each with the input it came from, in the order they came.</summary>
        public Dictionary<IpPrefix, string> Planned { get; } = [];

        /// <summary>Whether an accepted change already replaces the flowtables this set feeds (<see cref="FlowEviction"/>).</summary>
        public bool Evicted { get; set; }

        /// <summary>Prefixes queued since the plan last gathered them, and the inputs they came from.</summary>
        public List<IpPrefix> Queued { get; } = [];

        public List<object?> QueuedInputs { get; } = [];
    }

    protected SetState State(NftFamily family, string table, string set, bool force, bool requireSet, string? setComment = null)
    {
        if (_sets.TryGetValue((family, table, set), out SetState? state))
        {
            return state;
        }

        try
        {
            NftTable found = Session.RequireTable(family, table);
            Ownership.Require(found, force);
            NftSet? existing = Session.Nft.ListSets(family, table).FirstOrDefault(s => s.Name == set);
            if (existing is null && requireSet)
            {
                throw PeerPodCidrs.SetNotFound(family, table, set);
            }

            if (existing is not null)
            {
                PeerPodCidrs.CheckSet(existing);
            }

            state = new SetState
            {
                Table = found,
                Existing = existing,
                Target = existing ?? Design.AddressSet(family, table, set, setComment),
                Name = $"set {family.ToNftName()} {table} {set}",
            };
        }
        catch (Exception ex) when (ex is not HostAccelException)
        {
            throw Failures.From(ex, $"set {family.ToNftName()} {table} {set}");
        }

        _sets[(family, table, set)] = state;
        return state;
    }

    protected SetState StateOf(PeerPodCidr cidr) => _sets[(cidr.Family.ToNft(), cidr.TableName, cidr.SetName)];

    protected IEnumerable<SetState> Sets => _sets.Values;

    /// <summary>The names of a call that passed their checks: checked once, not once per prefix.</summary>
    protected HashSet<(string Table, string Set, string? Comment)> CheckedNames => _checkedNames;

    protected override void OnAccepted(PlannedChange<PeerPodCidr> change)
    {
        SetState state = StateOf(change.Result);
        foreach (Change c in change.Changes)
        {
            switch (c)
            {
                case SetChange { Action: ChangeAction.Add }:
                    state.Created = true;
                    break;
                case FlowtableChange { Action: ChangeAction.Delete }:
                    state.Evicted = true;
                    break;
                case ElementsChange e:
                    foreach (IpPrefix prefix in e.Prefixes)
                    {
                        state.Planned.TryAdd(prefix, e.Subject as string ?? prefix.ToString());
                    }

                    break;
            }
        }
    }

    /// <summary>
    /// Queues one checked prefix of a call: kept as a table entry, not a change of its own, so that a call with
    /// 100 000 prefixes plans in the time of its checks. <see cref="Gather"/> makes one change per set of them.
    /// A prefix already queued in this call is nothing more to do.
    /// </summary>
    protected static void Queue(SetState state, IpPrefix prefix, string input)
    {
        if (state.Planned.TryAdd(prefix, input))
        {
            state.Queued.Add(prefix);
            state.QueuedInputs.Add(input);
        }
    }

    /// <summary>Each set's queued prefixes as one change (its set created first, when missing), one object per prefix.</summary>
    protected IEnumerable<PlannedChange<PeerPodCidr>> Gather(ChangeAction action, string description)
    {
        var gathered = new List<PlannedChange<PeerPodCidr>>();
        foreach (SetState state in Sets.Where(s => s.Queued.Count > 0))
        {
            var changes = new List<Change>(2);
            if (action == ChangeAction.Add && state.Existing is null && !state.Created)
            {
                changes.Add(new SetChange(ChangeAction.Add, state.Target) { Subject = state.Name });
                state.Created = true;
            }

            IpPrefix[] prefixes = [.. state.Queued];
            NftSet target = state.Target;
            changes.Add(new ElementsChange(action, target, prefixes) { Subjects = state.QueuedInputs.ToArray(), Subject = state.Name });
            gathered.Add(new PlannedChange<PeerPodCidr>(state.Name, description,
                new ProjectedList<IpPrefix, PeerPodCidr>(prefixes, p => PeerPodCidrs.ToModel(Session, target, p)), changes));
            state.Queued.Clear();
            state.QueuedInputs.Clear();
        }

        return gathered;
    }

    /// <summary>The set a prefix of this call is planned for.</summary>
    protected NftSet? PlannedSet(IpPrefix prefix) => Sets.FirstOrDefault(s => s.Planned.ContainsKey(prefix))?.Target;

    /// <summary>The prefixes a set holds now, read only to explain a refusal; empty when it cannot be read.</summary>
    protected IReadOnlyList<IpPrefix> Held(NftSet set)
    {
        try
        {
            return Session.Nft.ListPrefixes(set);
        }
        catch (Native.ErrnoException)
        {
            return [];
        }
    }
}

internal sealed class AddPeerPodCidrPlan : PeerPodCidrPlan
{
    internal AddPeerPodCidrPlan(AccelSession session)
        : base(session)
    {
    }

    /// <summary>
    /// One prefix into the set of its family, creating the set (interval, the design's comment) when it is missing. A
    /// prefix already there is not an error (nothing to do); one that overlaps another is, because an interval set
    /// cannot hold both and removing one later would remove the other's addresses. A /0 is refused: it would
    /// accelerate everything. Removing one that is already there stays possible.
    /// </summary>
    public PlannedChange<PeerPodCidr> Prepare(string cidr, IReadOnlyCollection<AccelFamily>? family, string table, string set, string? setComment, bool force)
    {
        (SetState state, IpPrefix prefix) = Check(cidr, family, table, set, setComment, force);
        PeerPodCidr result = PeerPodCidrs.ToModel(Session, state.Target, prefix);
        string target = state.Name;
        if (state.Planned.ContainsKey(prefix))
        {
            return new PlannedChange<PeerPodCidr>(target, Action, result, []);
        }

        var changes = new List<Change>(2);
        if (state.Existing is null && !state.Created)
        {
            changes.Add(new SetChange(ChangeAction.Add, state.Target) { Subject = target });
        }

        changes.Add(new ElementsChange(ChangeAction.Add, state.Target, new[] { prefix }) { Subject = cidr });
        return new PlannedChange<PeerPodCidr>(target, Action, result, changes);
    }

    /// <summary>
    /// As <see cref="Prepare"/>, for a call's many prefixes: checked the same way, planned together (one change per
    /// set, with each prefix's input as its subject) once all are in.
    /// </summary>
    public void Queue(string cidr, IReadOnlyCollection<AccelFamily>? family, string table, string set, string? setComment, bool force)
    {
        (SetState state, IpPrefix prefix) = Check(cidr, family, table, set, setComment, force);
        Queue(state, prefix, cidr);
    }

    protected override IEnumerable<PlannedChange<PeerPodCidr>> Gathered() => Gather(ChangeAction.Add, Action);

    private const string Action = "Add peer Pod CIDR";

    private (SetState State, IpPrefix Prefix) Check(string cidr, IReadOnlyCollection<AccelFamily>? family, string table, string set, string? setComment, bool force)
    {
        Failures.CheckComment(setComment, "SetComment");
        if (!CheckedNames.Contains((table, set, setComment)))
        {
            Names.PeerPodCidr(table, set, setComment);
            CheckedNames.Add((table, set, setComment));
        }

        IpPrefix prefix = Families.ParsePodCidr(cidr, "peer Pod CIDR");
        NftFamily nftFamily = Families.ForPrefix(prefix, family, cidr);
        return (State(nftFamily, table, set, force, requireSet: false, setComment), prefix);
    }

    /// <summary>
    /// Prefixes of this call that overlap one another, found in one sorted pass over each set's prefixes (O(n log n)
    /// for the whole call): the later input of each pair is refused, naming the earlier.
    /// </summary>
    protected override IReadOnlyList<HostAccelException> FindConflicts()
    {
        var conflicts = new List<HostAccelException>();
        foreach (SetState state in Sets)
        {
            var order = new Dictionary<IpPrefix, int>(state.Planned.Count);
            foreach (IpPrefix prefix in state.Planned.Keys)
            {
                order[prefix] = order.Count;
            }

            IpPrefix? open = null;
            foreach (IpPrefix prefix in state.Planned.Keys.Order())
            {
                if (open is IpPrefix outer && outer.IsIPv6 == prefix.IsIPv6 && prefix.Value <= outer.Last)
                {
                    (IpPrefix earlier, IpPrefix later) = order[outer] < order[prefix] ? (outer, prefix) : (prefix, outer);
                    NftSet set = state.Target;
                    conflicts.Add(new HostAccelException(ErrorIds.OverlappingCidr, FailureKind.ResourceExists,
                        $"{later} overlaps {earlier}, which set {set.Family.ToNftName()} {set.Table} {set.Name} already holds (added earlier in this call)", state.Planned[later]));
                    if (later == outer)
                    {
                        open = prefix;
                    }

                    continue;
                }

                open = prefix;
            }
        }

        return conflicts;
    }

    /// <summary>The kernel refused an element because a held interval overlaps it: say which.</summary>
    protected override HostAccelException Explain(HostAccelException failure, Exception kernelError)
    {
        if (kernelError is not NetlinkException { MessageType: NfTablesConstants.NFT_MSG_NEWSETELEM, Errno: Errno.EEXIST or Errno.ENOTEMPTY, Subject: string cidr }
            || !IpPrefix.TryParse(cidr, out IpPrefix prefix, out _))
        {
            return failure;
        }

        NftSet? set = PlannedSet(prefix);
        IpPrefix? held = set is null ? null : Held(set).Where(p => p.Overlaps(prefix)).Cast<IpPrefix?>().FirstOrDefault();
        return new HostAccelException(ErrorIds.OverlappingCidr, FailureKind.ResourceExists,
            $"{prefix} overlaps {(held is IpPrefix h ? h.ToString() : "a prefix")}, which {(set is null ? "the set" : $"set {set.Family.ToNftName()} {set.Table} {set.Name}")} already holds; nothing was applied", cidr, kernelError);
    }
}

internal sealed class RemovePeerPodCidrPlan : PeerPodCidrPlan
{
    internal RemovePeerPodCidrPlan(AccelSession session)
        : base(session)
    {
    }

    /// <summary>One prefix out of its set; it must be there exactly as it was added (the kernel checks).</summary>
    public PlannedChange<PeerPodCidr> Prepare(string cidr, IReadOnlyCollection<AccelFamily>? family, string table, string set, bool force)
    {
        (SetState state, IpPrefix prefix) = Check(cidr, family, table, set, force);
        PeerPodCidr result = PeerPodCidrs.ToModel(Session, state.Target, prefix);
        string target = state.Name;
        if (state.Planned.ContainsKey(prefix))
        {
            return new PlannedChange<PeerPodCidr>(target, Action, result, []);
        }

        // The flows already offloaded between the prefix and the local Pods would keep bypassing the forward chain:
        // the first removal from a set replaces the flowtables it feeds, once for the whole call.
        List<Change> changes = [new ElementsChange(ChangeAction.Delete, state.Target, new[] { prefix }) { Subject = cidr }];
        if (!state.Evicted)
        {
            changes.AddRange(Eviction(state.Target, target));
        }

        return new PlannedChange<PeerPodCidr>(target, Action, result, changes, Session.InterfaceName);
    }

    /// <summary>As <see cref="Prepare"/>, for a call's many prefixes: one change per set once all are in.</summary>
    public void Queue(string cidr, IReadOnlyCollection<AccelFamily>? family, string table, string set, bool force)
    {
        (SetState state, IpPrefix prefix) = Check(cidr, family, table, set, force);
        Queue(state, prefix, cidr);
    }

    protected override IEnumerable<PlannedChange<PeerPodCidr>> Gathered() => Gather(ChangeAction.Delete, Action).Select(WithEviction).ToList();

    /// <summary>A set's gathered removals, with the replacement of the flowtables it feeds unless the call already has it.</summary>
    private PlannedChange<PeerPodCidr> WithEviction(PlannedChange<PeerPodCidr> change)
    {
        SetState? state = Sets.FirstOrDefault(s => s.Name == change.Target);
        if (state is null || state.Evicted)
        {
            return change;
        }

        state.Evicted = true;
        return new PlannedChange<PeerPodCidr>(change.Target, change.Action, change.Result, [.. change.Changes, .. Eviction(state.Target, change.Target)], Session.InterfaceName);
    }

    private List<Change> Eviction(NftSet set, string target)
    {
        try
        {
            IReadOnlyList<NftFlowtable> flowtables = Session.Nft.ListFlowtables(set.Family, set.Table);
            if (flowtables.Count == 0)
            {
                return [];
            }

            IReadOnlyList<NftRule> rules = Session.Nft.ListRules(set.Family, set.Table);
            return FlowEviction.FedBy(set.Name, flowtables, rules).SelectMany(f => FlowEviction.Replace(f, rules, target)).ToList();
        }
        catch (Exception ex) when (ex is not HostAccelException)
        {
            throw Failures.From(ex, target);
        }
    }

    private const string Action = "Remove peer Pod CIDR";

    private (SetState State, IpPrefix Prefix) Check(string cidr, IReadOnlyCollection<AccelFamily>? family, string table, string set, bool force)
    {
        if (!CheckedNames.Contains((table, set, null)))
        {
            Names.Objects(("TableName", table), ("SetName", set));
            CheckedNames.Add((table, set, null));
        }

        IpPrefix prefix = Families.ParseCidr(cidr);
        NftFamily nftFamily = Families.ForPrefix(prefix, family, cidr);
        return (State(nftFamily, table, set, force, requireSet: true), prefix);
    }

    /// <summary>
    /// The kernel found no such element: when each missing prefix is one of the prefixes a range is listed as (a range
    /// someone wrote as 10.20.0.3-10.20.0.9, listed as 10.20.0.3/32, 10.20.0.4/30, 10.20.0.8/31), the removal deletes
    /// that range and adds back the rest of it as prefixes, in one transaction: whatever Get-PeerPodCidr lists can be
    /// removed. Only then is the set read.
    /// </summary>
    protected override Plan? Amend(Plan plan, Exception kernelError)
    {
        if (kernelError is not NetlinkException { MessageType: NfTablesConstants.NFT_MSG_DELSETELEM, Errno: Errno.ENOENT })
        {
            return null;
        }

        var changes = new List<Change>(plan.Changes.Count + 2);
        bool split = false;
        foreach (Change change in plan.Changes)
        {
            if (change is not ElementsChange { Action: ChangeAction.Delete } e || !e.Set.IsInterval)
            {
                changes.Add(change);
                continue;
            }

            AddressRange[] held;
            try
            {
                held = [.. Session.Nft.ListRanges(e.Set)];
            }
            catch (Native.ErrnoException)
            {
                return null;
            }

            UInt128[] firsts = held.Select(r => r.First).ToArray();
            var kept = new List<(IpPrefix Prefix, object? Subject)>();
            var splits = new Dictionary<int, (List<IpPrefix> Removed, object? Subject)>();
            for (int i = 0; i < e.Prefixes.Count; i++)
            {
                IpPrefix prefix = e.Prefixes[i];
                object? subject = e.Subjects.Count == e.Prefixes.Count ? e.Subjects[i] : e.Subject;
                int at = Array.BinarySearch(firsts, prefix.Value);
                at = at >= 0 ? at : ~at - 1;
                if (at < 0 || !held[at].Contains(prefix))
                {
                    return null;
                }

                List<IpPrefix> listed = held[at].Prefixes();
                if (listed.Count == 1)
                {
                    kept.Add((prefix, subject));
                }
                else if (listed.Contains(prefix))
                {
                    if (!splits.TryGetValue(at, out var removal))
                    {
                        splits[at] = removal = ([], subject);
                    }

                    removal.Removed.Add(prefix);
                }
                else
                {
                    return null;
                }
            }

            if (splits.Count == 0)
            {
                return null;
            }

            split = true;
            if (kept.Count > 0)
            {
                changes.Add(e with { Prefixes = kept.Select(k => k.Prefix).ToArray(), Subjects = kept.Select(k => k.Subject).ToArray() });
            }

            var ranges = splits.OrderBy(s => s.Key).ToList();
            changes.Add(new RangesChange(e.Set, ranges.Select(r => held[r.Key]).ToArray()) { Subject = e.Subject, Subjects = ranges.Select(r => r.Value.Subject).ToArray() });
            var rest = ranges.SelectMany(r => held[r.Key].Prefixes().Except(r.Value.Removed).Select(p => (Prefix: p, r.Value.Subject))).ToList();
            if (rest.Count > 0)
            {
                changes.Add(new ElementsChange(ChangeAction.Add, e.Set, rest.Select(r => r.Prefix).ToArray()) { Subject = e.Subject, Subjects = rest.Select(r => r.Subject).ToArray() });
            }
        }

        return split ? new Plan(plan.Generation, changes) : null;
    }

    /// <summary>The kernel found no such element: say what the set holds instead, if anything overlaps.</summary>
    protected override HostAccelException Explain(HostAccelException failure, Exception kernelError)
    {
        if (kernelError is not NetlinkException { MessageType: NfTablesConstants.NFT_MSG_DELSETELEM, Errno: Errno.ENOENT, Subject: string cidr }
            || !IpPrefix.TryParse(cidr, out IpPrefix prefix, out _))
        {
            return failure;
        }

        if (PlannedSet(prefix) is not NftSet set)
        {
            return failure;
        }

        IpPrefix? containing = Held(set).Where(p => p.Overlaps(prefix)).Cast<IpPrefix?>().FirstOrDefault();
        return new HostAccelException(ErrorIds.CidrNotFound, FailureKind.ObjectNotFound,
            $"set {set.Family.ToNftName()} {set.Table} {set.Name} does not hold {prefix}{(containing is IpPrefix c ? $" (it holds {c}, which overlaps it)" : "")}; nothing was applied", cidr, kernelError);
    }
}
