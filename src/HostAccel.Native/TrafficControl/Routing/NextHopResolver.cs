using System.Net;
using System.Net.Sockets;
using HostAccel.Native.Nftables;
using static HostAccel.Native.TrafficControl.Routing.RouteConstants;

namespace HostAccel.Native.TrafficControl.Routing;

/// <summary>Why traffic to a prefix cannot be redirected correctly, whatever the neighbours say.</summary>
public enum NextHopProblem
{
    /// <summary>The egress (or ingress) device does not exist in the namespace.</summary>
    NoSuchDevice,

    /// <summary>The egress device has no Ethernet address to put in the frame (a tunnel, WireGuard, a TUN).</summary>
    NotEthernet,

    /// <summary>The egress device is down: the kernel would not forward through it either.</summary>
    DeviceDown,

    /// <summary>The egress device's MTU is below the ingress device's: the kernel would fragment or answer "too big".</summary>
    SmallerMtu,

    /// <summary>The kernel has no route to the prefix.</summary>
    NoRoute,

    /// <summary>
    /// The kernel would not forward the traffic at all (reverse-path filter, forwarding off on the device): a
    /// redirect would carry what the kernel drops.
    /// </summary>
    NotForwarded,

    /// <summary>The route is local, blackhole, unreachable, prohibit …: nothing to forward.</summary>
    NotUnicast,

    /// <summary>Several next hops (ECMP): the kernel picks one per flow by hash, a filter cannot.</summary>
    Multipath,

    /// <summary>The route encapsulates (MPLS, seg6, BPF lwtunnel): a redirect would skip it.</summary>
    Encapsulated,

    /// <summary>The kernel routes the prefix out of another device than the one asked for.</summary>
    OtherDevice,

    /// <summary>The route that matched covers only part of the prefix.</summary>
    PartialRoute,

    /// <summary>More specific routes inside the prefix send part of it elsewhere.</summary>
    SplitRoute,

    /// <summary>An address of this host lies inside a prefix reached through a gateway.</summary>
    LocalAddress,
}

/// <summary>The kernel's forwarding to a prefix cannot be reproduced by a redirect: a configuration to refuse.</summary>
public sealed class NextHopException : Exception
{
    public NextHopException(NextHopProblem problem, IpPrefix destination, string message)
        : base(message)
    {
        Problem = problem;
        Destination = destination;
    }

    public NextHopProblem Problem { get; }

    public IpPrefix Destination { get; }
}

/// <summary>One filter's worth of rewrite: frames to <see cref="Match"/> get <see cref="DestinationMac"/>.</summary>
/// <param name="Match">The prefix a filter matches: the whole destination (via a gateway) or one neighbour (on-link).</param>
/// <param name="DestinationMac">The next hop's link-layer address, from its neighbour entry.</param>
/// <param name="NextHop">The gateway, or the neighbour itself.</param>
/// <param name="State">The neighbour entry's state when it was read.</param>
public sealed record RewriteTarget(IpPrefix Match, MacAddress DestinationMac, IPAddress NextHop, NeighbourState State);

/// <summary>
/// How frames to <see cref="Destination"/> must leave: out of <see cref="Egress"/> with its address as source, and
/// to each <see cref="Targets"/> entry's MAC. Through a gateway there is one target for the whole prefix; on-link
/// (no gateway) there is one per neighbour the kernel has resolved, and addresses it has not (<see cref="Unresolved"/>)
/// stay on the kernel's path, which resolves them, until the plan is made again.
/// </summary>
public sealed record NextHopPlan(IpPrefix Destination, Link Egress, Route Route, IReadOnlyList<RewriteTarget> Targets, IReadOnlyList<Neighbour> Unresolved)
{
    /// <summary>On-link destinations are neighbours of the egress device: one filter per address.</summary>
    public bool PerHost => Route.Gateway is null;

    /// <summary>The source MAC of every redirected frame: the egress device's own, as the kernel would send them.</summary>
    public MacAddress SourceMac => Egress.Address!.Value;
}

/// <summary>
/// Reads what the kernel's own forwarding would put in a frame to a prefix: the route (with the lookup a forwarded
/// packet gets, ip rules included), the egress device's address and the next hop's neighbour entry. See
/// TrafficControl/README.md for what the planner must refresh and what it refuses.
/// </summary>
public static class NextHopResolver
{
    /// <summary>
    /// The plan for frames to <paramref name="destination"/> that arrive on <paramref name="ingressDevice"/> (from
    /// <paramref name="sampleSource"/>, an address of the traffic's source prefix, which the forwarding lookup needs)
    /// and must leave by <paramref name="egressDevice"/>. Throws <see cref="NextHopException"/> for what a redirect
    /// cannot do right; a next hop the kernel has not resolved yet is not an error (<see cref="NextHopPlan.Unresolved"/>).
    /// </summary>
    public static NextHopPlan Resolve(TcConnection connection, IpPrefix destination, string egressDevice, string? ingressDevice = null, IPAddress? sampleSource = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrEmpty(egressDevice);
        Link egress = connection.GetLink(egressDevice) ?? throw Refuse(NextHopProblem.NoSuchDevice, destination, $"there is no device {egressDevice}");
        if (!egress.IsEthernet)
        {
            throw Refuse(NextHopProblem.NotEthernet, destination, $"{egressDevice} has no Ethernet address to send redirected frames from");
        }

        if (!egress.IsUp)
        {
            throw Refuse(NextHopProblem.DeviceDown, destination, $"{egressDevice} is down");
        }

        Link? ingress = null;
        if (ingressDevice is not null)
        {
            ingress = connection.GetLink(ingressDevice) ?? throw Refuse(NextHopProblem.NoSuchDevice, destination, $"there is no device {ingressDevice}");
            if (egress.Mtu < ingress.Mtu)
            {
                throw Refuse(NextHopProblem.SmallerMtu, destination,
                    $"{egressDevice}'s MTU ({egress.Mtu}) is below {ingressDevice}'s ({ingress.Mtu}): redirected frames too big for it would be dropped, where the kernel would fragment them or answer 'too big'");
            }
        }

        IReadOnlyList<Route> localTable = LocalRoutes(connection, destination.IsIPv6);
        IPAddress sample = SampleDestination(destination, localTable);
        Route route = Lookup(connection, destination, sample, ingress, sampleSource);
        CheckRoute(route, destination, egress);
        CheckMoreSpecific(connection, route, destination);

        if (route.Gateway is IPAddress gateway)
        {
            CheckNoLocalAddress(localTable, destination);
            Neighbour? neighbour = connection.GetNeighbour(gateway, egress.Index);
            return neighbour is { IsUsable: true }
                ? new NextHopPlan(destination, egress, route, [new RewriteTarget(destination, neighbour.LinkLayerAddress!.Value, gateway, neighbour.State)], [])
                : new NextHopPlan(destination, egress, route, [], [neighbour ?? new Neighbour(gateway, egress.Index)]);
        }

        var targets = new List<RewriteTarget>();
        var unresolved = new List<Neighbour>();
        foreach (Neighbour neighbour in connection.ListNeighbours(egress.Index, destination.IsIPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork))
        {
            IpPrefix host = IpPrefix.Create(destination.IsIPv6, IpPrefix.FromBytes(neighbour.Address.GetAddressBytes()), destination.AddressBits);
            // Broadcast and multicast entries (NOARP, group addresses) are not hosts the kernel forwards to.
            if (!destination.Contains(host) || localTable.Any(r => r.Destination.Contains(host)) ||
                neighbour.State == NeighbourState.NoArp || neighbour.LinkLayerAddress is { IsGroup: true })
            {
                continue;
            }

            if (neighbour.IsUsable)
            {
                targets.Add(new RewriteTarget(host, neighbour.LinkLayerAddress!.Value, neighbour.Address, neighbour.State));
            }
            else
            {
                unresolved.Add(neighbour);
            }
        }

        return new NextHopPlan(destination, egress, route, targets.OrderBy(t => t.Match).ToList(), unresolved);
    }

    /// <summary>
    /// The local routing table of a family (this host's own addresses, <c>ip route show table local</c>). The kernel makes
    /// it with the first address of the family: before that (a namespace whose loopback never came up, and no address
    /// yet) it refuses the dump as a table that does not exist, which means no local address.
    /// </summary>
    public static IReadOnlyList<Route> LocalRoutes(TcConnection connection, bool ipv6)
    {
        ArgumentNullException.ThrowIfNull(connection);
        try
        {
            return connection.ListRoutes(ipv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, RT_TABLE_LOCAL);
        }
        catch (Netlink.NetlinkException ex) when (ex.Errno == Interop.Errno.ENOENT)
        {
            return [];
        }
    }

    /// <summary>
    /// The route a forwarded packet to <paramref name="sample"/> gets (from <paramref name="sampleSource"/> arriving on
    /// <paramref name="ingress"/>, when given). The kernel answers a lookup that ends at a blackhole (EINVAL), a
    /// prohibit (EACCES) or a reverse-path failure (EXDEV) with that error rather than the route, so the route is
    /// then found as the kernel would, by the longest prefix of the main table that holds the address.
    /// </summary>
    private static Route Lookup(TcConnection connection, IpPrefix destination, IPAddress sample, Link? ingress, IPAddress? sampleSource)
    {
        bool forwarded = ingress is not null && sampleSource is not null;
        try
        {
            Route? route = connection.GetRoute(sample, forwarded ? sampleSource : null, forwarded ? ingress!.Index : null, fibMatch: true);
            if (route is null && forwarded && connection.GetRoute(sample, fibMatch: true) is not null)
            {
                // Unreachable as forwarded, routed as sent from here: the kernel does not forward what arrives on the
                // ingress device (forwarding off answers EHOSTUNREACH, which reads like no route at all).
                throw Refuse(NextHopProblem.NotForwarded, destination,
                    $"the kernel routes {sample} but does not forward it from {sampleSource} arriving on {ingress!.Name}: forwarding is off there " +
                    $"({(destination.IsIPv6 ? "sysctl net.ipv6.conf.all.forwarding" : $"sysctl net.ipv4.ip_forward or net.ipv4.conf.{ingress.Name}.forwarding")} is 0)");
            }

            return route ?? throw Refuse(NextHopProblem.NoRoute, destination, $"the kernel has no route to {destination}");
        }
        catch (Netlink.NetlinkException ex)
        {
            IpPrefix host = IpPrefix.Create(destination.IsIPv6, IpPrefix.FromBytes(sample.GetAddressBytes()), destination.AddressBits);
            Route? longest = connection.ListRoutes(destination.IsIPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork)
                .Where(r => r.Destination.Contains(host))
                .MaxBy(r => r.Destination.Length);
            if (longest is { Type: not RouteType.Unicast })
            {
                return longest;
            }

            throw Refuse(forwarded ? NextHopProblem.NotForwarded : NextHopProblem.NoRoute, destination,
                $"the kernel would not {(forwarded ? $"forward {sample} from {sampleSource} arriving on {ingress!.Name}" : $"route {sample}")} " +
                $"({ex.ErrnoName}{(ex.ExtAckMessage is null ? "" : $": {ex.ExtAckMessage}")})");
        }
    }

    private static void CheckRoute(Route route, IpPrefix destination, Link egress)
    {
        if (route.Type != RouteType.Unicast)
        {
            throw Refuse(NextHopProblem.NotUnicast, destination, $"the kernel's route to {destination} is {route.Type.ToString().ToLowerInvariant()} ({route})");
        }

        if (route.IsMultipath || (route.NextHopId is not null && route.OutputInterface is null))
        {
            throw Refuse(NextHopProblem.Multipath, destination, $"the route to {destination} has several next hops ({route}): the kernel spreads flows over them, a filter cannot");
        }

        if (route.HasEncapsulation)
        {
            throw Refuse(NextHopProblem.Encapsulated, destination, $"the route to {destination} encapsulates ({route}): a redirect would skip it");
        }

        if (route.OutputInterface != egress.Index)
        {
            throw Refuse(NextHopProblem.OtherDevice, destination, $"the kernel sends {destination} out of device #{route.OutputInterface}, not {egress.Name} (#{egress.Index})");
        }

        if (route.Destination.Length > destination.Length)
        {
            throw Refuse(NextHopProblem.PartialRoute, destination, $"the route that matched ({route.Destination}) covers only part of {destination}");
        }
    }

    /// <summary>A route inside the prefix sends part of it another way (the kernel picks the longest match).</summary>
    private static void CheckMoreSpecific(TcConnection connection, Route route, IpPrefix destination)
    {
        AddressFamily family = destination.IsIPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        foreach (Route other in connection.ListRoutes(family, route.Table))
        {
            if (other.Destination != route.Destination && destination.Contains(other.Destination) &&
                (other.Type != route.Type || other.OutputInterface != route.OutputInterface || !Equals(other.Gateway, route.Gateway)))
            {
                throw Refuse(NextHopProblem.SplitRoute, destination, $"the route {other} sends part of {destination} elsewhere than {route}");
            }
        }
    }

    private static void CheckNoLocalAddress(IReadOnlyList<Route> localTable, IpPrefix destination)
    {
        foreach (Route local in localTable)
        {
            if (local.Type == RouteType.Local && destination.Overlaps(local.Destination))
            {
                throw Refuse(NextHopProblem.LocalAddress, destination, $"{local.Destination} inside {destination} is this host's own: a prefix filter would send its traffic away");
            }
        }
    }

    /// <summary>
    /// An address of the prefix whose lookup finds the route that carries the prefix: the first one that is not an
    /// address of this host or a broadcast address (the local table's /32 entries, which a lookup would match first).
    /// </summary>
    private static IPAddress SampleDestination(IpPrefix destination, IReadOnlyList<Route> localTable)
    {
        UInt128 candidate = destination.Value;
        for (int i = 0; i < 64 && candidate <= destination.Last; i++, candidate++)
        {
            IpPrefix host = IpPrefix.Create(destination.IsIPv6, candidate, destination.AddressBits);
            if (!localTable.Any(r => r.Destination.Contains(host)))
            {
                return host.Address;
            }
        }

        return destination.Address;
    }

    private static NextHopException Refuse(NextHopProblem problem, IpPrefix destination, string message) =>
        new(problem, destination, $"cannot redirect traffic to {destination}: {message}");
}
