using System.Net;
using HostAccel.Native.Nftables;
using HostAccel.Native.TrafficControl;
using HostAccel.Native.TrafficControl.Routing;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>
/// The planner's refusals word for word, and the corners of its reading of the kernel (which neighbours count, which
/// address it looks up, next-hop objects, more specific routes), on the real kernel of a throwaway namespace laid
/// out as the demo's Node (RoutingTests' layout), with ip setting up each case.
/// </summary>
public sealed class NextHopResolverTests : IDisposable
{
    private readonly TestNamespace _ns = new();
    private readonly TcConnection _tc;
    private readonly int _eth0;
    private readonly int _gw;

    public NextHopResolverTests()
    {
        DemoNode.LayOut(_ns);
        _eth0 = (int)_ns.IfIndex("eth0");
        _gw = (int)_ns.IfIndex("antrea-gw0");
        _tc = TcConnection.Open(_ns.Name);
    }

    public void Dispose()
    {
        _tc.Dispose();
        _ns.Dispose();
    }

    private void Ip(params string[] commands) => DemoNode.Ip(_ns, commands);

    private NextHopException Refusal(string prefix, string egress, string? ingress = "antrea-gw0", IPAddress? sampleSource = null) =>
        Assert.Throws<NextHopException>(() => NextHopResolver.Resolve(_tc, IpPrefix.Parse(prefix), egress, ingress, sampleSource));

    [Fact]
    public void MissingArgumentsAreArgumentErrorsNamingThem()
    {
        Assert.Equal("connection", Assert.Throws<ArgumentNullException>(() => NextHopResolver.Resolve(null!, IpPrefix.Parse("10.244.0.0/24"), "eth0")).ParamName);
        Assert.Equal("egressDevice", Assert.Throws<ArgumentNullException>(() => NextHopResolver.Resolve(_tc, IpPrefix.Parse("10.244.0.0/24"), null!)).ParamName);
        Assert.Equal("egressDevice", Assert.Throws<ArgumentException>(() => NextHopResolver.Resolve(_tc, IpPrefix.Parse("10.244.0.0/24"), "")).ParamName);
    }

    /// <summary>Setup commands are separated by '|'; {eth0}, {gw} and {lo} stand for the devices' indexes.</summary>
    [Theory]
    [InlineData(null, "10.244.0.0/24", "no-such-dev", "antrea-gw0", NextHopProblem.NoSuchDevice, "there is no device no-such-dev")]
    [InlineData(null, "10.244.0.0/24", "eth0", "no-such-in", NextHopProblem.NoSuchDevice, "there is no device no-such-in")]
    [InlineData(null, "10.244.0.0/24", "lo", "antrea-gw0", NextHopProblem.NotEthernet, "lo has no Ethernet address to send redirected frames from")]
    [InlineData("link set eth0 down", "172.18.0.0/24", "eth0", "antrea-gw0", NextHopProblem.DeviceDown, "eth0 is down")]
    [InlineData("link set eth0 mtu 1400", "10.244.0.0/24", "eth0", "antrea-gw0", NextHopProblem.SmallerMtu,
        "eth0's MTU (1400) is below antrea-gw0's (1500): redirected frames too big for it would be dropped, where the kernel would fragment them or answer 'too big'")]
    [InlineData(null, "192.0.2.0/24", "eth0", "antrea-gw0", NextHopProblem.NoRoute, "the kernel has no route to 192.0.2.0/24")]
    [InlineData("route add default via 172.18.0.2 dev eth0|route add blackhole 10.97.0.0/24", "10.97.0.0/24", "eth0", "antrea-gw0", NextHopProblem.NotUnicast,
        "the kernel's route to 10.97.0.0/24 is blackhole (blackhole 10.97.0.0/24 table 254)")]
    [InlineData("route add 10.99.0.0/24 nexthop via 172.18.0.2 nexthop via 172.18.0.3", "10.99.0.0/24", "eth0", "antrea-gw0", NextHopProblem.Multipath,
        "the route to 10.99.0.0/24 has several next hops (10.99.0.0/24 multipath table 254): the kernel spreads flows over them, a filter cannot")]
    [InlineData(null, "10.244.0.0/24", "antrea-gw0", "eth0", NextHopProblem.OtherDevice, "the kernel sends 10.244.0.0/24 out of device #{eth0}, not antrea-gw0 (#{gw})")]
    [InlineData("route add 10.96.0.0/25 via 172.18.0.2 dev eth0", "10.96.0.0/24", "eth0", "antrea-gw0", NextHopProblem.PartialRoute,
        "the route that matched (10.96.0.0/25) covers only part of 10.96.0.0/24")]
    [InlineData("route add 10.244.0.128/25 via 172.18.0.3 dev eth0", "10.244.0.0/24", "eth0", "antrea-gw0", NextHopProblem.SplitRoute,
        "the route 10.244.0.128/25 via 172.18.0.3 dev #{eth0} table 254 sends part of 10.244.0.0/24 elsewhere than 10.244.0.0/24 via 172.18.0.2 dev #{eth0} table 254")]
    [InlineData("addr add 10.95.0.1/32 dev lo|route add 10.95.0.0/24 via 172.18.0.2 dev eth0", "10.95.0.0/24", "eth0", "antrea-gw0", NextHopProblem.LocalAddress,
        "10.95.0.1/32 inside 10.95.0.0/24 is this host's own: a prefix filter would send its traffic away")]
    // A policy rule refuses the lookup and the main table has no route either: no route, not "not forwarded" (no
    // source was given, so the lookup was not a forwarded packet's).
    [InlineData("route add 10.89.0.0/24 encap ip id 100 dst 172.18.0.50 via 172.18.0.2 dev eth0", "10.89.0.0/24", "eth0", "antrea-gw0", NextHopProblem.Encapsulated,
        "the route to 10.89.0.0/24 encapsulates (10.89.0.0/24 via 172.18.0.2 dev #{eth0} table 254): a redirect would skip it")]
    [InlineData("route add 10.244.0.128/25 via 172.18.0.2 dev antrea-gw0 onlink", "10.244.0.0/24", "eth0", "antrea-gw0", NextHopProblem.SplitRoute,
        "the route 10.244.0.128/25 via 172.18.0.2 dev #{gw} table 254 sends part of 10.244.0.0/24 elsewhere than 10.244.0.0/24 via 172.18.0.2 dev #{eth0} table 254")]
    [InlineData("-6 route add fd00:10:244:0:8000::/65 via fd00:172:18::3 dev eth0", "fd00:10:244::/64", "eth0", "antrea-gw0", NextHopProblem.SplitRoute,
        "the route fd00:10:244:0:8000::/65 via fd00:172:18::3 dev #{eth0} table 254 sends part of fd00:10:244::/64 elsewhere than fd00:10:244::/64 via fd00:172:18::2 dev #{eth0} table 254")]
    // The IPv6 lookup answers a blackhole with EINVAL: the route is then the longest IPv6 prefix of the main table
    // that holds the address, not the default route.
    [InlineData("-6 route add default via fd00:172:18::2 dev eth0|-6 route add blackhole fd00:97::/64", "fd00:97::/64", "eth0", "antrea-gw0", NextHopProblem.NotUnicast,
        "the kernel's route to fd00:97::/64 is blackhole (blackhole fd00:97::/64 dev #{lo} table 254)")]
    // Every one of the first 64 addresses is this host's: the lookup is made for the prefix's own address, and
    // finds the host's own address (which the kernel reports in the main table), not the gateway route that carries
    // the rest of the prefix.
    [InlineData("addr add 10.88.0.0/26 dev lo|route add 10.88.0.0/24 via 172.18.0.2 dev eth0", "10.88.0.0/24", "eth0", "antrea-gw0", NextHopProblem.NotUnicast,
        "the kernel's route to 10.88.0.0/24 is local (local 10.88.0.0/32 dev #{lo} table 254)")]
    // The last address of the prefix is the first that is not the host's: it is the one looked up.
    [InlineData("addr add 10.87.0.0/32 dev lo|route add 10.87.0.0/24 via 172.18.0.2 dev eth0", "10.87.0.0/31", "eth0", "antrea-gw0", NextHopProblem.LocalAddress,
        "10.87.0.0/32 inside 10.87.0.0/31 is this host's own: a prefix filter would send its traffic away")]
    // With next-hop objects reported without the compatibility attributes, a group's route carries its id only.
    [InlineData("nexthop add id 1 via 172.18.0.2 dev eth0|nexthop add id 2 via 172.18.0.3 dev eth0|nexthop add id 3 group 1/2|route add 10.90.0.0/24 nhid 3",
        "10.90.0.0/24", "eth0", "antrea-gw0", NextHopProblem.Multipath,
        "the route to 10.90.0.0/24 has several next hops (10.90.0.0/24 table 254): the kernel spreads flows over them, a filter cannot")]
    [InlineData("rule add to 10.92.0.0/24 prohibit", "10.92.0.0/24", "eth0", "antrea-gw0", NextHopProblem.NoRoute, "the kernel would not route 10.92.0.0 (EACCES)")]
    public void EachRefusalSaysWhatTheKernelWouldDoInstead(string? setup, string prefix, string egress, string? ingress, NextHopProblem problem, string message)
    {
        if (problem == NextHopProblem.Multipath && setup!.Contains("nhid", StringComparison.Ordinal))
        {
            _ns.Exec("sysctl", "-qw", "net.ipv4.nexthop_compat_mode=0");
        }

        foreach (string command in setup?.Split('|') ?? [])
        {
            Ip(command);
        }

        NextHopException error = Refusal(prefix, egress, ingress);
        Assert.Equal(problem, error.Problem);
        Assert.Equal(IpPrefix.Parse(prefix), error.Destination);
        Assert.Equal($"cannot redirect traffic to {prefix}: {message.Replace("{eth0}", $"{_eth0}").Replace("{gw}", $"{_gw}").Replace("{lo}", "1")}", error.Message);
    }

    /// <summary>The kernel has an entry for the gateway but has not resolved it: the plan keeps that entry, state and all.</summary>
    [Fact]
    public void AGatewayEntryTheKernelHasNotResolvedIsPendingAsTheKernelHoldsIt()
    {
        Ip("route add 10.98.0.0/24 via 172.18.0.9 dev eth0", "neigh add 172.18.0.9 dev eth0 nud incomplete");
        NextHopPlan plan = NextHopResolver.Resolve(_tc, IpPrefix.Parse("10.98.0.0/24"), "eth0");
        Assert.Empty(plan.Targets);
        Neighbour pending = Assert.Single(plan.Unresolved);
        Assert.Equal((IPAddress.Parse("172.18.0.9"), _eth0, NeighbourState.Incomplete), (pending.Address, pending.InterfaceIndex, pending.State));
    }

    /// <summary>
    /// On-link, every neighbour of the egress device inside the prefix is a target, in address order; one outside
    /// the prefix and one at the host's own address are not.
    /// </summary>
    [Fact]
    public void OnLinkTargetsAreTheNeighboursInsideThePrefixInAddressOrder()
    {
        Ip("neigh add 10.244.2.4 lladdr 02:00:00:00:02:04 dev antrea-gw0 nud permanent",
            "neigh add 10.244.2.100 lladdr 02:00:00:00:02:64 dev antrea-gw0 nud permanent",
            "neigh add 10.244.2.200 lladdr 02:00:00:00:02:c8 dev antrea-gw0 nud permanent",
            "neigh add 10.244.2.1 lladdr 02:00:00:00:02:99 dev antrea-gw0 nud permanent");
        NextHopPlan plan = NextHopResolver.Resolve(_tc, IpPrefix.Parse("10.244.2.0/25"), "antrea-gw0", "eth0", IPAddress.Parse("10.244.0.2"));
        Assert.True(plan.PerHost);
        Assert.Equal(
            [
                new RewriteTarget(IpPrefix.Parse("10.244.2.2/32"), TcFixtures.PodMac, IPAddress.Parse("10.244.2.2"), NeighbourState.Permanent),
                new RewriteTarget(IpPrefix.Parse("10.244.2.4/32"), MacAddress.Parse("02:00:00:00:02:04"), IPAddress.Parse("10.244.2.4"), NeighbourState.Permanent),
                new RewriteTarget(IpPrefix.Parse("10.244.2.100/32"), MacAddress.Parse("02:00:00:00:02:64"), IPAddress.Parse("10.244.2.100"), NeighbourState.Permanent),
            ],
            plan.Targets);
        Assert.Equal(["10.244.2.3"], plan.Unresolved.Select(n => n.Address.ToString()));
    }

    /// <summary>A source address only matters for a forwarded packet's lookup: without an ingress device it is not used.</summary>
    [Fact]
    public void ASampleSourceWithoutAnIngressDeviceDoesNotEnterTheLookup()
    {
        NextHopPlan plan = NextHopResolver.Resolve(_tc, TcFixtures.PeerPodCidr(false), "eth0", sampleSource: IPAddress.Parse("10.244.0.9"));
        Assert.Equal([new RewriteTarget(TcFixtures.PeerPodCidr(false), TcFixtures.PeerMac, IPAddress.Parse("172.18.0.2"), NeighbourState.Permanent)], plan.Targets);
    }

    /// <summary>A more specific route that goes the same way (same type, device and gateway) splits nothing.</summary>
    [Fact]
    public void AMoreSpecificRouteThatGoesTheSameWayIsNoSplit()
    {
        Ip("route add 10.244.0.128/25 via 172.18.0.2 dev eth0");
        NextHopPlan plan = NextHopResolver.Resolve(_tc, TcFixtures.PeerPodCidr(false), "eth0", "antrea-gw0", IPAddress.Parse("10.244.2.2"));
        Assert.Equal(IpPrefix.Parse("10.244.0.0/24"), plan.Route.Destination);
        Assert.Equal(TcFixtures.PeerMac, Assert.Single(plan.Targets).DestinationMac);
    }

    /// <summary>A route to a single next-hop object names its device as well (the default compatibility mode): it is one next hop.</summary>
    [Fact]
    public void ARouteToASingleNextHopObjectIsPlannedThroughIt()
    {
        Ip("nexthop add id 1 via 172.18.0.2 dev eth0", "route add 10.91.0.0/24 nhid 1");
        NextHopPlan plan = NextHopResolver.Resolve(_tc, IpPrefix.Parse("10.91.0.0/24"), "eth0", "antrea-gw0", IPAddress.Parse("10.244.2.2"));
        Assert.Equal(1u, plan.Route.NextHopId);
        Assert.Equal([new RewriteTarget(IpPrefix.Parse("10.91.0.0/24"), TcFixtures.PeerMac, IPAddress.Parse("172.18.0.2"), NeighbourState.Permanent)], plan.Targets);
    }
}
