using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine;

/// <summary>Get-, Add- and Remove-PeerPodCidr: the prefixes of the peer Pod CIDR interval set of each family.</summary>
internal static class PeerPodCidrs
{
    public static IReadOnlyList<PeerPodCidr> Get(AccelSession session, IReadOnlyCollection<AccelFamily>? families, string table, string set)
    {
        ArgumentNullException.ThrowIfNull(session);
        var result = new List<PeerPodCidr>();
        session.ForEachTable(families, table, family => $"set {family.ToNftName()} {table} {set}", (family, _, asked) =>
        {
            NftSet? found = session.Nft.ListSets(family, table).FirstOrDefault(s => s.Name == set);
            if (found is null)
            {
                if (asked)
                {
                    throw SetNotFound(family, table, set);
                }

                return;
            }

            result.AddRange(session.Nft.ListPrefixes(found).Select(p => ToModel(session, found, p)));
        });
        return result;
    }

    internal static NftSet NewSet(NftFamily family, string table, string name, string? comment) =>
        new(family, table, name, family == NftFamily.Ip6 ? SetKeyType.Ipv6Address : SetKeyType.Ipv4Address)
        {
            Flags = SetFlags.Interval,
            Comment = comment ?? Defaults.SetComment(family),
        };

    internal static PeerPodCidr ToModel(AccelSession session, NftSet set, IpPrefix prefix) => new()
    {
        Family = set.Family.ToModel(),
        TableName = set.Table,
        SetName = set.Name,
        Cidr = prefix.ToString(),
        Address = prefix.Address.ToString(),
        PrefixLength = prefix.Length,
        NetworkNamespace = session.NetworkNamespace,
    };

    internal static HostAccelException SetNotFound(NftFamily family, string table, string set) =>
        new(ErrorIds.SetNotFound, FailureKind.ObjectNotFound, $"table {family.ToNftName()} {table} has no set {set}", $"set {family.ToNftName()} {table} {set}");

    /// <summary>An existing set HostAccel can put prefixes of this family in: the right address type, intervals.</summary>
    internal static void CheckSet(NftSet set)
    {
        SetKeyType wanted = set.Family == NftFamily.Ip6 ? SetKeyType.Ipv6Address : SetKeyType.Ipv4Address;
        if (set.KeyType != wanted || !set.IsInterval)
        {
            throw new HostAccelException(ErrorIds.SetMismatch, FailureKind.InvalidOperation,
                $"{set} is not an interval set of {(wanted == SetKeyType.Ipv6Address ? "IPv6" : "IPv4")} addresses, so it cannot hold Pod CIDRs", set.ToString());
        }
    }
}

/// <summary>Shared by the add and remove plans: each set's state, read once per plan and updated as items are accepted.</summary>
internal abstract class PeerPodCidrPlan : ChangePlan<PeerPodCidr>
{
    private readonly Dictionary<(NftFamily, string, string), SetState> _sets = [];

    protected PeerPodCidrPlan(AccelSession session)
        : base(session)
    {
    }

    protected sealed class SetState
    {
        public NftTable Table { get; init; } = null!;

        /// <summary>The set in the kernel, or null when it does not exist (yet).</summary>
        public NftSet? Existing { get; init; }

        public bool Planned { get; set; }

        public List<IpPrefix> Prefixes { get; init; } = [];

        public HashSet<IpPrefix> PlannedChanges { get; } = [];
    }

    protected SetState State(NftFamily family, string table, string set, bool force, bool requireSet)
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
                Prefixes = existing is null ? [] : Session.Nft.ListPrefixes(existing).ToList(),
            };
        }
        catch (Exception ex) when (ex is not HostAccelException)
        {
            throw Failures.From(ex, $"set {family.ToNftName()} {table} {set}");
        }

        _sets[(family, table, set)] = state;
        return state;
    }
}

internal sealed class AddPeerPodCidrPlan : PeerPodCidrPlan
{
    internal AddPeerPodCidrPlan(AccelSession session)
        : base(session)
    {
    }

    /// <summary>
    /// One prefix into the set of its family, creating the set (interval, seed comment) when it is missing. A prefix
    /// already there is not an error (nothing to do); one that overlaps another is, because an interval set cannot
    /// hold both and removing one later would remove the other's addresses. A /0 is refused: it would accelerate
    /// everything. Removing one that is already there stays possible.
    /// </summary>
    public PlannedChange<PeerPodCidr> Prepare(string cidr, AccelFamily? family, string table, string set, string? setComment, bool force)
    {
        Failures.CheckComment(setComment, "SetComment");
        Names.PeerPodCidr(table, set, setComment);
        IpPrefix prefix = Families.ParsePodCidr(cidr, "peer Pod CIDR");
        NftFamily nftFamily = Families.ForPrefix(prefix, family, cidr);
        SetState state = State(nftFamily, table, set, force, requireSet: false);
        NftSet target = state.Existing ?? PeerPodCidrs.NewSet(nftFamily, table, set, setComment);
        PeerPodCidr result = PeerPodCidrs.ToModel(Session, target, prefix);
        if (state.Prefixes.Contains(prefix) || state.PlannedChanges.Contains(prefix))
        {
            return new PlannedChange<PeerPodCidr>($"set {nftFamily.ToNftName()} {table} {set}", $"Add peer Pod CIDR {prefix}", result, _ => { });
        }

        IpPrefix? overlap = state.Prefixes.Concat(state.PlannedChanges).Where(p => p.Overlaps(prefix)).Cast<IpPrefix?>().FirstOrDefault();
        if (overlap is IpPrefix other)
        {
            throw new HostAccelException(ErrorIds.OverlappingCidr, FailureKind.ResourceExists,
                $"{prefix} overlaps {other}, which set {nftFamily.ToNftName()} {table} {set} already holds{(state.PlannedChanges.Contains(other) ? " (added earlier in this call)" : "")}", cidr);
        }

        bool createSet = state.Existing is null && !state.Planned;
        return new PlannedChange<PeerPodCidr>($"set {nftFamily.ToNftName()} {table} {set}", $"Add peer Pod CIDR {prefix}", result,
            tx =>
            {
                if (createSet)
                {
                    tx.AddSet(target);
                }

                tx.AddElements(target, [prefix]);
            },
            () =>
            {
                state.Planned = true;
                state.PlannedChanges.Add(prefix);
            });
    }
}

internal sealed class RemovePeerPodCidrPlan : PeerPodCidrPlan
{
    internal RemovePeerPodCidrPlan(AccelSession session)
        : base(session)
    {
    }

    /// <summary>One prefix out of its set; it must be there exactly as it was added.</summary>
    public PlannedChange<PeerPodCidr> Prepare(string cidr, AccelFamily? family, string table, string set, bool force)
    {
        Names.Objects(("TableName", table), ("SetName", set));
        IpPrefix prefix = Families.ParseCidr(cidr);
        NftFamily nftFamily = Families.ForPrefix(prefix, family, cidr);
        SetState state = State(nftFamily, table, set, force, requireSet: true);
        NftSet target = state.Existing!;
        PeerPodCidr result = PeerPodCidrs.ToModel(Session, target, prefix);
        if (state.PlannedChanges.Contains(prefix))
        {
            return new PlannedChange<PeerPodCidr>(target.ToString(), $"Remove peer Pod CIDR {prefix}", result, _ => { });
        }

        if (!state.Prefixes.Contains(prefix))
        {
            IpPrefix? containing = state.Prefixes.Where(p => p.Overlaps(prefix)).Cast<IpPrefix?>().FirstOrDefault();
            throw new HostAccelException(ErrorIds.CidrNotFound, FailureKind.ObjectNotFound,
                $"set {nftFamily.ToNftName()} {table} {set} does not hold {prefix}{(containing is IpPrefix c ? $" (it holds {c}, which overlaps it)" : "")}", cidr);
        }

        return new PlannedChange<PeerPodCidr>($"set {nftFamily.ToNftName()} {table} {set}", $"Remove peer Pod CIDR {prefix}", result,
            tx => tx.DeleteElements(target, [prefix]), () => state.PlannedChanges.Add(prefix));
    }
}
