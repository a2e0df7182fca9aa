using System.Net;
using System.Net.Sockets;
using HostAccel.Native.Nftables;
using HostAccel.Native.TrafficControl;
using HostAccel.Native.TrafficControl.Routing;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine.TrafficControl;

/// <summary>What the Traffic Control mode is asked to accelerate: between which devices, for which Pod CIDRs.</summary>
internal sealed record TcFastpathSpec(string GatewayInterface, string TransportInterface, IReadOnlyList<IpPrefix> LocalPodCidr, IReadOnlyList<IpPrefix> PeerPodCidr);

/// <summary>What Add-/Remove-PeerPodCidr change in the Traffic Control mode: the spec followed, its filter changes, the peers no local Pod CIDR pairs with.</summary>
internal sealed record TcPeerChange(TcFastpathSpec Spec, IReadOnlyList<TcPlannedChange> Changes, IReadOnlyList<IpPrefix> Unpaired);

/// <summary>A change of HostAccel's filters, with the family it concerns and why it is made (for drift reports).</summary>
internal sealed record TcPlannedChange(TcChange Change, AccelFamily Family, AccelDriftKind Kind);

/// <summary>
/// The Traffic Control mode's desired filters, planned from the kernel's own routes and neighbours
/// (<see cref="NextHopResolver"/>), and the difference to HostAccel's filters in the kernel, as plain
/// <see cref="TcChange"/> records: what -WhatIf prints, what <see cref="TcConnection.Apply"/> sends in order and
/// undoes when the kernel refuses one. Only filters carrying HostAccel's cookie (<see cref="TcDesign"/>) are ever
/// replaced or deleted; a clsact is deleted only when HostAccel added it and nothing else is left on it.
/// </summary>
internal static class TcFastpaths
{
    /// <summary>The changes that make the two devices hold exactly the filters <paramref name="spec"/> needs.</summary>
    public static IReadOnlyList<TcPlannedChange> PlanEnable(TcConnection tc, TcFastpathSpec spec)
    {
        ArgumentNullException.ThrowIfNull(tc);
        ArgumentNullException.ThrowIfNull(spec);
        if (string.Equals(spec.GatewayInterface, spec.TransportInterface, StringComparison.Ordinal))
        {
            throw new HostAccelException(ErrorIds.InvalidArgument, FailureKind.InvalidArgument,
                $"the gateway and transport interfaces must differ, both are '{spec.GatewayInterface}'", spec.TransportInterface);
        }

        Link gateway = Device(tc, spec.GatewayInterface), transport = Device(tc, spec.TransportInterface);
        Dictionary<int, List<FlowerFilter>> desired = Desired(tc, spec, gateway, transport);
        return Diff(tc, [gateway, transport], desired);
    }

    /// <summary>The changes that remove every filter of HostAccel's (on <paramref name="devices"/>, or on every device).</summary>
    public static IReadOnlyList<TcPlannedChange> PlanDisable(TcConnection tc, IReadOnlyCollection<string>? devices = null)
    {
        ArgumentNullException.ThrowIfNull(tc);
        List<Link> links = Devices(tc, devices);
        return Diff(tc, links, links.ToDictionary(l => l.Index, _ => new List<FlowerFilter>()));
    }

    /// <summary>The devices <see cref="PlanDisable"/> looks at: those named that exist, in their order, or every device.</summary>
    internal static List<Link> Devices(TcConnection tc, IReadOnlyCollection<string>? devices) =>
        devices is null
            ? tc.ListLinks().ToList()
            : devices.Select(tc.GetLink).OfType<Link>().ToList();

    /// <summary>
    /// The spec HostAccel's redirects in the kernel carry out, read back from them. The gateway is the device whose
    /// redirects' sources (the local Pod CIDRs) hold one of this host's own addresses (the gateway's address is in
    /// the local Pod CIDR: Antrea gives antrea-gw0 its first address); the other device's redirects' sources are
    /// the peer Pod CIDRs. Matches alone cannot tell the two apart: each side's sources hold the other side's
    /// destinations. Null when there is no such pair (the flowtable mode, or only TTL guards left).
    /// </summary>
    public static TcFastpathSpec? CurrentSpec(TcConnection tc)
    {
        ArgumentNullException.ThrowIfNull(tc);
        return CurrentSpec(OwnedEverywhere(tc), () => OwnAddresses(tc));
    }

    /// <summary>
    /// <see cref="CurrentSpec(TcConnection)"/> from what it reads: every device's HostAccel filters
    /// (<see cref="OwnedEverywhere"/>) and, asked only when two devices hold redirects, this host's own addresses.
    /// </summary>
    internal static TcFastpathSpec? CurrentSpec(IReadOnlyList<(Link Device, IReadOnlyList<FlowerFilter> Filters)> owned, Func<IEnumerable<IPAddress>> ownAddresses)
    {
        var redirects = owned
            .Select(o => (o.Device, Filters: o.Filters.Where(f => !TcDesign.IsGuard(f) && f.Source is not null).ToList()))
            .Where(o => o.Filters.Count > 0).ToList();
        if (redirects.Count != 2)
        {
            return null;
        }

        List<IpPrefix> own = ownAddresses()
            .Select(a => IpPrefix.Parse($"{a}/{(a.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32)}")).ToList();
        bool HoldsOwn(List<FlowerFilter> filters) => filters.Any(f => own.Any(a => f.Source!.Value.Contains(a)));
        var gateways = redirects.Where(r => HoldsOwn(r.Filters)).ToList();
        if (gateways.Count != 1)
        {
            return null;
        }

        var transport = redirects.Single(r => r.Device.Index != gateways[0].Device.Index);
        return new TcFastpathSpec(gateways[0].Device.Name, transport.Device.Name,
            gateways[0].Filters.Select(f => f.Source!.Value).Distinct().Order().ToList(),
            transport.Filters.Select(f => f.Source!.Value).Distinct().Order().ToList());
    }

    /// <summary>This host's own addresses, IPv4 then IPv6 (the local routing table's local routes).</summary>
    internal static IEnumerable<IPAddress> OwnAddresses(TcConnection tc) => LocalAddresses(tc, v6: false).Concat(LocalAddresses(tc, v6: true));

    /// <summary>
    /// Add-/Remove-PeerPodCidr in the Traffic Control mode: the filter changes that make HostAccel's redirects follow
    /// the peer Pod CIDRs added to or removed from the set, planned from the redirects in the kernel
    /// (<see cref="CurrentSpec(TcConnection)"/>). Null when the namespace has no redirects of HostAccel's to follow.
    /// </summary>
    public static TcPeerChange? PlanPeers(TcConnection tc, IReadOnlyCollection<IpPrefix> added, IReadOnlyCollection<IpPrefix> removed)
    {
        ArgumentNullException.ThrowIfNull(tc);
        if (CurrentSpec(tc) is not TcFastpathSpec current)
        {
            return null;
        }

        (TcFastpathSpec spec, IReadOnlyList<IpPrefix> unpaired) = FollowPeers(current, added, removed);
        return new TcPeerChange(spec, PlanEnable(tc, spec), unpaired);
    }

    /// <summary>
    /// The spec <see cref="PlanPeers"/> plans: <paramref name="current"/> with the peers added and removed, sorted, and
    /// the added peers no local Pod CIDR pairs with.
    /// </summary>
    internal static (TcFastpathSpec Spec, IReadOnlyList<IpPrefix> Unpaired) FollowPeers(TcFastpathSpec current, IReadOnlyCollection<IpPrefix> added, IReadOnlyCollection<IpPrefix> removed)
    {
        // A peer of a family without a local Pod CIDR has nothing to be redirected to or from: it stays in the set only.
        var unpaired = added.Where(p => !current.LocalPodCidr.Any(l => l.IsIPv6 == p.IsIPv6)).Distinct().ToList();
        var peers = current.PeerPodCidr.Concat(added.Except(unpaired)).Except(removed).Distinct().Order().ToList();
        return (current with { PeerPodCidr = peers }, unpaired);
    }

    /// <summary>HostAccel's filters on a device's ingress, with their statistics; empty when it has no clsact.</summary>
    public static IReadOnlyList<FlowerFilter> Owned(TcConnection tc, Link device) =>
        tc.GetClsact(device.Index) is null ? [] : tc.ListFilters(device.Index, ClsactHook.Ingress).Where(TcDesign.IsOwned).Cast<FlowerFilter>().ToList();

    /// <summary>
    /// Every device's HostAccel filters (devices without any are left out). One qdisc dump finds the devices with a
    /// clsact; only their filters are read, so a Node with hundreds of Pod veths and no filters costs two dumps (this
    /// runs on every Add-/Remove-PeerPodCidr, in the flowtable mode too).
    /// </summary>
    public static IReadOnlyList<(Link Device, IReadOnlyList<FlowerFilter> Filters)> OwnedEverywhere(TcConnection tc)
    {
        var withClsact = tc.ListQdiscs().Where(q => q.IsClsact).Select(q => q.InterfaceIndex).ToHashSet();
        if (withClsact.Count == 0)
        {
            return [];
        }

        return tc.ListLinks().Where(l => withClsact.Contains(l.Index))
            .Select(l => (l, (IReadOnlyList<FlowerFilter>)tc.ListFilters(l.Index, ClsactHook.Ingress).Where(TcDesign.IsOwned).Cast<FlowerFilter>().ToList()))
            .Where(d => d.Item2.Count > 0).ToList();
    }

    /// <summary>Get-Fastpath in the Traffic Control mode: one object per family that has HostAccel filters.</summary>
    public static IReadOnlyList<Fastpath> Get(TcConnection tc, string? networkNamespace, IReadOnlyCollection<AccelFamily>? families = null)
    {
        IReadOnlyList<(Link Device, IReadOnlyList<FlowerFilter> Filters)> owned = OwnedEverywhere(tc);
        return Get(owned, tc.ListLinks(), networkNamespace, families);
    }

    /// <summary><see cref="Get(TcConnection, string?, IReadOnlyCollection{AccelFamily}?)"/> from what it reads: every device's HostAccel filters and the devices.</summary>
    internal static IReadOnlyList<Fastpath> Get(IReadOnlyList<(Link Device, IReadOnlyList<FlowerFilter> Filters)> owned, IEnumerable<Link> links,
        string? networkNamespace, IReadOnlyCollection<AccelFamily>? families)
    {
        Func<int, string?> names = Names(owned.Select(o => o.Device).Concat(links));
        var result = new List<Fastpath>();
        foreach (AccelFamily family in new[] { AccelFamily.Ip, AccelFamily.Ip6 }.Where(f => families is not { Count: > 0 } || families.Contains(f)))
        {
            var filters = owned.SelectMany(o => o.Filters.Select(f => (o.Device, Filter: f))).Where(x => FamilyOf(x.Filter) == family).ToList();
            if (filters.Count == 0)
            {
                continue;
            }

            result.Add(new Fastpath
            {
                Mode = AccelMode.TrafficControl,
                Family = family,
                Devices = filters.Select(f => f.Device.Name).Distinct(StringComparer.Ordinal).ToList(),
                FlowtablePresent = false,
                Enabled = filters.Any(f => !TcDesign.IsGuard(f.Filter)),
                Filters = filters.Select(f => f.Filter.AsWritten().Render(names)).ToList(),
                NetworkNamespace = networkNamespace,
            });
        }

        return result;
    }

    public static AccelFamily FamilyOf(TcFilter filter) => filter.Protocol == 0x86DD /* ETH_P_IPV6 */ ? AccelFamily.Ip6 : AccelFamily.Ip;

    /// <summary>Device names by index, for rendering changes as tc commands.</summary>
    public static Func<int, string?> Names(IEnumerable<Link> links)
    {
        var map = new Dictionary<int, string>();
        foreach (Link link in links)
        {
            map.TryAdd(link.Index, link.Name);
        }

        return i => map.GetValueOrDefault(i);
    }

    private static Link Device(TcConnection tc, string name) =>
        tc.GetLink(name) ?? throw new HostAccelException(ErrorIds.UnknownInterface, FailureKind.ObjectNotFound,
            $"there is no network device '{name}' in {(tc.NetworkNamespace is null ? "this network namespace" : $"network namespace {tc.NetworkNamespace}")}", name);

    /// <summary>
    /// Per family of the local Pod CIDRs: a TTL guard on each device; on the gateway's ingress one redirect per
    /// (local Pod CIDR, next-hop target of each peer Pod CIDR) to the transport device; on the transport's ingress one
    /// per (peer Pod CIDR, next-hop target of the local Pod CIDR, one per resolved Pod) to the gateway.
    /// </summary>
    private static Dictionary<int, List<FlowerFilter>> Desired(TcConnection tc, TcFastpathSpec spec, Link gateway, Link transport)
    {
        var desired = new Dictionary<int, List<FlowerFilter>> { [gateway.Index] = [], [transport.Index] = [] };
        foreach (IpPrefix local in spec.LocalPodCidr.OrderBy(l => l.IsIPv6))
        {
            bool v6 = local.IsIPv6;
            List<IpPrefix> peers = spec.PeerPodCidr.Where(p => p.IsIPv6 == v6).Order().ToList();
            ushort guard = v6 ? TcDesign.Guard6 : TcDesign.Guard4, redirect = v6 ? TcDesign.Redirect6 : TcDesign.Redirect4;
            desired[gateway.Index].Add(FlowerFilter.TtlGuard(gateway.Index, guard, 0, v6));
            desired[transport.Index].Add(FlowerFilter.TtlGuard(transport.Index, guard, 0, v6));
            if (peers.Count == 0)
            {
                continue;
            }

            HashSet<IPAddress> locals = LocalAddresses(tc, v6);
            foreach (IpPrefix peer in peers)
            {
                NextHopPlan toPeer = Resolve(tc, peer, spec.TransportInterface, spec.GatewayInterface, Sample(local, locals));
                desired[gateway.Index].AddRange(toPeer.Targets.Select(t =>
                    FlowerFilter.Redirect(gateway.Index, redirect, 0, local, t.Match, toPeer.SourceMac, t.DestinationMac, transport.Index)));
            }

            NextHopPlan toPods = Resolve(tc, local, spec.GatewayInterface, spec.TransportInterface, Sample(peers[0], locals));
            foreach (IpPrefix peer in peers)
            {
                desired[transport.Index].AddRange(toPods.Targets.Select(t =>
                    FlowerFilter.Redirect(transport.Index, redirect, 0, peer, t.Match, toPods.SourceMac, t.DestinationMac, gateway.Index)));
            }
        }

        return desired;
    }

    private static NextHopPlan Resolve(TcConnection tc, IpPrefix destination, string egress, string ingress, IPAddress sample)
    {
        try
        {
            return NextHopResolver.Resolve(tc, destination, egress, ingress, sample);
        }
        catch (NextHopException ex)
        {
            throw new HostAccelException(ErrorIds.NotRedirectable, FailureKind.InvalidOperation,
                $"traffic to {destination} cannot be redirected from {ingress} to {egress} as the kernel would forward it ({ex.Problem}): {ex.Message}. Nothing was changed", destination.ToString(), ex);
        }
    }

    /// <summary>
    /// This host's own addresses of a family (the local routing table, none before the first address), never used as a
    /// sample source.
    /// </summary>
    private static HashSet<IPAddress> LocalAddresses(TcConnection tc, bool v6) =>
        NextHopResolver.LocalRoutes(tc, v6).Where(r => r.Type == RouteType.Local).Select(r => r.Destination.Address).ToHashSet();

    /// <summary>
    /// An address inside <paramref name="prefix"/> that is not this host's: the source of the forwarding lookup, which
    /// the kernel answers as for any packet of the prefix (the gateway's own address would be a martian source).
    /// </summary>
    private static IPAddress Sample(IpPrefix prefix, HashSet<IPAddress> locals)
    {
        for (UInt128 offset = 2; offset < 16; offset++)
        {
            if (prefix.Value + offset > prefix.Last)
            {
                break;
            }

            IPAddress candidate = IpPrefix.Create(prefix.IsIPv6, prefix.Value + offset, prefix.AddressBits).Address;
            if (!locals.Contains(candidate))
            {
                return candidate;
            }
        }

        return prefix.Address;
    }

    /// <summary>
    /// The changes from HostAccel's filters on <paramref name="devices"/> to <paramref name="desired"/> (unmarked,
    /// handle 0). A filter matching the same traffic with other actions is replaced in place (one step, no gap); one
    /// not desired is deleted, one missing added with a handle no filter of its priority uses.
    /// </summary>
    private static List<TcPlannedChange> Diff(TcConnection tc, IReadOnlyList<Link> devices, Dictionary<int, List<FlowerFilter>> desired) =>
        Diff(devices.Select(device =>
        {
            TcQdisc? clsact = tc.GetClsact(device.Index);
            return new TcDeviceState(device, clsact, clsact is null ? [] : tc.ListFilters(device.Index, ClsactHook.Ingress),
                () => tc.ListFilters(device.Index, ClsactHook.Egress).Count);
        }), desired);

    /// <summary>
    /// The diff from what each device holds (read as the loop reaches it) to <paramref name="desired"/>; a device
    /// <paramref name="desired"/> does not name is to hold none of HostAccel's filters.
    /// </summary>
    internal static List<TcPlannedChange> Diff(IEnumerable<TcDeviceState> devices, IReadOnlyDictionary<int, List<FlowerFilter>> desired)
    {
        var qdiscs = new List<TcPlannedChange>();
        var deletes = new List<TcPlannedChange>();
        var replaces = new List<TcPlannedChange>();
        var adds = new List<TcPlannedChange>();
        var clsactDeletes = new List<TcPlannedChange>();
        foreach ((Link device, TcQdisc? clsact, IReadOnlyList<TcFilter> ingress, Func<int> egressCount) in devices)
        {
            List<FlowerFilter> wanted = desired.GetValueOrDefault(device.Index) ?? [];
            List<FlowerFilter> owned = ingress.Where(TcDesign.IsOwned).Cast<FlowerFilter>().ToList();
            if (clsact is null && wanted.Count > 0)
            {
                qdiscs.Add(new(TcChange.AddQdisc(TcQdisc.Clsact(device.Index)), FamilyOf(wanted[0]), AccelDriftKind.Missing));
            }

            bool addedClsact = clsact is null || owned.Any(TcDesign.AddedClsact);
            var nextHandle = new Dictionary<ushort, uint>();
            foreach (TcFilter f in ingress)
            {
                nextHandle[f.Priority] = Math.Max(nextHandle.GetValueOrDefault(f.Priority, 1u), f.Handle + 1);
            }

            var byIdentity = owned.GroupBy(Identity).ToDictionary(g => g.Key, g => g.ToList());
            foreach (FlowerFilter want in wanted)
            {
                FlowerFilter marked = TcDesign.Marked(want, addedClsact);
                if (byIdentity.TryGetValue(Identity(want), out List<FlowerFilter>? same) && same.Count > 0)
                {
                    FlowerFilter current = same[0];
                    same.RemoveAt(0);
                    if ((FlowerFilter)current.AsWritten() != (marked with { Handle = current.Handle }))
                    {
                        replaces.Add(new(TcChange.ReplaceFilter(marked with { Handle = current.Handle }, current), FamilyOf(want), AccelDriftKind.Different));
                    }

                    continue;
                }

                uint handle = nextHandle.GetValueOrDefault(want.Priority, 1u);
                nextHandle[want.Priority] = handle + 1;
                adds.Add(new(TcChange.AddFilter(marked with { Handle = handle }), FamilyOf(want), AccelDriftKind.Missing));
            }

            List<FlowerFilter> extra = byIdentity.Values.SelectMany(v => v).OrderBy(TcDesign.IsGuard).ToList();
            deletes.AddRange(extra.Select(f => new TcPlannedChange(TcChange.DeleteFilter(f), FamilyOf(f), AccelDriftKind.Extra)));
            bool othersLeft = ingress.Count > owned.Count || (clsact is not null && egressCount() > 0);
            if (clsact is not null && wanted.Count == 0 && owned.Count > 0 && owned.Count == extra.Count && owned.Any(TcDesign.AddedClsact) && !othersLeft)
            {
                clsactDeletes.Add(new(TcChange.DeleteQdisc(clsact), FamilyOf(owned[0]), AccelDriftKind.Extra));
            }
        }

        // Guards before the redirects they protect; deletes first, so that a match deleted can be added again.
        return [.. qdiscs, .. deletes, .. replaces, .. adds.OrderBy(a => !TcDesign.IsGuard((FlowerFilter)a.Change.Filter!)), .. clsactDeletes];
    }

    /// <summary>What a filter matches, which the kernel allows once per mask in a priority: its identity for a diff.</summary>
    private static (ushort, ushort, IpPrefix?, IpPrefix?, byte?) Identity(FlowerFilter f) => (f.Priority, f.Protocol, f.Source, f.Destination, f.IpTtl);
}

/// <summary>
/// What a diff reads of a device: its clsact (null when it has none), the filters on its ingress (everyone's; none
/// without a clsact), and how many filters its egress holds (read only when a clsact's deletion depends on it).
/// </summary>
internal sealed record TcDeviceState(Link Device, TcQdisc? Clsact, IReadOnlyList<TcFilter> Ingress, Func<int> EgressCount);
