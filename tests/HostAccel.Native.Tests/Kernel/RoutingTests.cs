using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using HostAccel.Native.Nftables;
using HostAccel.Native.TrafficControl;
using HostAccel.Native.TrafficControl.Routing;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>
/// The reads a MAC rewrite is planned from (devices, neighbours, routes) and the plan itself, on the real kernel of
/// a throwaway namespace laid out as the demo's Node, with ip as the oracle. None of it needs flower.
/// </summary>
public sealed class RoutingTests : IDisposable
{
    private readonly TestNamespace _ns = new();
    private readonly TcConnection _tc;
    private readonly int _eth0;
    private readonly int _gw;

    public RoutingTests()
    {
        DemoNode.LayOut(_ns);
        Ip("neigh add fd00:10:244:2::2 lladdr 02:00:00:00:02:02 dev antrea-gw0 nud permanent");
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

    private JsonElement IpJson(string command) => JsonDocument.Parse(_ns.Exec(["ip", "-j", .. command.Split(' ')])).RootElement.Clone();

    [Fact]
    public void ADeviceReadsAsIpShowsIt()
    {
        JsonElement ip = IpJson("link show dev eth0")[0];
        Link link = _tc.GetLink("eth0")!;
        Assert.Equal(ip.GetProperty("ifindex").GetInt32(), link.Index);
        Assert.Equal("eth0", link.Name);
        Assert.Equal(ip.GetProperty("mtu").GetUInt32(), link.Mtu);
        Assert.Equal(MacAddress.Parse(ip.GetProperty("address").GetString()!), link.Address);
        Assert.Equal("veth", link.Kind);
        Assert.True(link.IsUp && link.IsEthernet);
        Assert.Contains(_tc.ListLinks(), l => l.Name == "antrea-gw0" && l.Index == _gw);
        Assert.Null(_tc.GetLink("no-such-dev"));
    }

    [Fact]
    public void NeighboursReadAsIpShowsThem()
    {
        Neighbour gateway = _tc.GetNeighbour(IPAddress.Parse("172.18.0.2"), _eth0)!;
        Assert.Equal(TcFixtures.PeerMac, gateway.LinkLayerAddress);
        Assert.Equal(NeighbourState.Permanent, gateway.State);
        Assert.True(gateway.IsUsable);
        Assert.Null(_tc.GetNeighbour(IPAddress.Parse("172.18.0.99"), _eth0));

        IReadOnlyList<Neighbour> local = _tc.ListNeighbours(_gw);
        List<string> ip = IpJson("neigh show nud all dev antrea-gw0").EnumerateArray().Select(n => n.GetProperty("dst").GetString()!).Order().ToList();
        Assert.Equal(ip, local.Select(n => n.Address.ToString()).Order());
        Assert.False(local.Single(n => n.Address.Equals(IPAddress.Parse("10.244.2.3"))).IsUsable);
        Assert.All(_tc.ListNeighbours(_gw, AddressFamily.InterNetworkV6), n => Assert.Equal(AddressFamily.InterNetworkV6, n.Address.AddressFamily));
        Assert.DoesNotContain(_tc.ListNeighbours(_gw), n => n.InterfaceIndex != _gw);
    }

    [Fact]
    public void TheForwardingLookupFindsTheTableEntryAndTheMainTableReadsAsIpShowsIt()
    {
        Route route = _tc.GetRoute(IPAddress.Parse("10.244.0.7"), IPAddress.Parse("10.244.2.2"), _gw)!;
        Assert.Equal((IpPrefix.Parse("10.244.0.0/24"), IPAddress.Parse("172.18.0.2"), _eth0, RouteType.Unicast), (route.Destination, route.Gateway, route.OutputInterface!.Value, route.Type));

        Route six = _tc.GetRoute(IPAddress.Parse("fd00:10:244::7"), IPAddress.Parse("fd00:10:244:2::2"), _gw)!;
        Assert.Equal((IpPrefix.Parse("fd00:10:244::/64"), IPAddress.Parse("fd00:172:18::2")), (six.Destination, six.Gateway));

        Route single = _tc.GetRoute(IPAddress.Parse("10.244.0.7"), fibMatch: false)!;
        Assert.Equal(IpPrefix.Parse("10.244.0.7/32"), single.Destination);
        Assert.Null(_tc.GetRoute(IPAddress.Parse("192.0.2.1")));

        List<string> ip = IpJson("-4 route show table main").EnumerateArray()
            .Select(r => $"{r.GetProperty("dst").GetString()} {(r.TryGetProperty("gateway", out JsonElement g) ? g.GetString() : "-")} {r.GetProperty("dev").GetString()}")
            .Order().ToList();
        Dictionary<uint, string> names = _tc.ListLinks().ToDictionary(l => (uint)l.Index, l => l.Name);
        Assert.Equal(ip, _tc.ListRoutes(AddressFamily.InterNetwork)
            .Select(r => $"{(r.Destination.Length == 32 ? r.Destination.Address.ToString() : r.Destination.ToString())} {r.Gateway?.ToString() ?? "-"} {names[(uint)r.OutputInterface!.Value]}")
            .Order());
    }

    /// <summary>
    /// A namespace with no address yet has no IPv4 local table (the kernel makes it with the first address; ip says
    /// "FIB table does not exist"): that is no local address, and the resolver goes on to say what is really missing.
    /// </summary>
    [Fact]
    public void ANamespaceWithoutAnyAddressHasNoLocalRoutesAndNoRouteToRedirectTo()
    {
        string name = $"ha-test-{Guid.NewGuid():N}"[..20];
        Shell.Run("ip", "netns", "add", name);
        try
        {
            Shell.Run("ip", "-n", name, "link", "add", "antrea-gw0", "type", "veth", "peer", "name", "eth0");
            Shell.Run("ip", "-n", name, "link", "set", "antrea-gw0", "up");
            Shell.Run("ip", "-n", name, "link", "set", "eth0", "up");
            (int code, _, string error) = Shell.Execute("ip", "-n", name, "-4", "route", "show", "table", "local");
            Assert.NotEqual(0, code);
            Assert.Contains("FIB table does not exist", error, StringComparison.Ordinal);

            using TcConnection tc = TcConnection.Open(name);
            Assert.Empty(NextHopResolver.LocalRoutes(tc, ipv6: false));
            NextHopException refused = Assert.Throws<NextHopException>(() => NextHopResolver.Resolve(tc, IpPrefix.Parse("10.2.0.0/24"), "eth0", "antrea-gw0"));
            Assert.Equal(NextHopProblem.NoRoute, refused.Problem);

            Shell.Run("ip", "-n", name, "addr", "add", "10.1.0.1/24", "dev", "antrea-gw0");
            Assert.Contains(NextHopResolver.LocalRoutes(tc, ipv6: false), r => r.Type == RouteType.Local && r.Destination.ToString() == "10.1.0.1/32");
        }
        finally
        {
            Shell.TryRun("ip", "netns", "del", name);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TrafficToThePeerCidrIsPlannedPerPrefixThroughTheGatewayAndToLocalPodsPerPod(bool ipv6)
    {
        IpPrefix peer = TcFixtures.PeerPodCidr(ipv6), local = TcFixtures.LocalPodCidr(ipv6);
        IPAddress pod = TcFixtures.Pod(ipv6).Address, remote = IPAddress.Parse(ipv6 ? "fd00:10:244::2" : "10.244.0.2");

        NextHopPlan toPeer = NextHopResolver.Resolve(_tc, peer, "eth0", "antrea-gw0", pod);
        Assert.False(toPeer.PerHost);
        Assert.Equal(TcFixtures.Eth0Mac, toPeer.SourceMac);
        Assert.Equal([new RewriteTarget(peer, TcFixtures.PeerMac, IPAddress.Parse(ipv6 ? "fd00:172:18::2" : "172.18.0.2"), NeighbourState.Permanent)], toPeer.Targets);

        NextHopPlan toPods = NextHopResolver.Resolve(_tc, local, "antrea-gw0", "eth0", remote);
        Assert.True(toPods.PerHost);
        Assert.Equal(TcFixtures.GwMac, toPods.SourceMac);
        Assert.Equal([new RewriteTarget(TcFixtures.Pod(ipv6), TcFixtures.PodMac, pod, NeighbourState.Permanent)], toPods.Targets);
        Assert.Equal(ipv6 ? [] : ["10.244.2.3"], toPods.Unresolved.Select(n => n.Address.ToString()));
    }

    [Fact]
    public void AGatewayTheKernelHasNotResolvedIsPendingNotAnError()
    {
        Ip("route add 10.98.0.0/24 via 172.18.0.9 dev eth0");
        NextHopPlan plan = NextHopResolver.Resolve(_tc, IpPrefix.Parse("10.98.0.0/24"), "eth0");
        Assert.Empty(plan.Targets);
        Assert.Equal(IPAddress.Parse("172.18.0.9"), Assert.Single(plan.Unresolved).Address);
    }

    /// <summary>A packet the kernel would drop (here by the reverse-path filter) must not be carried by a filter.</summary>
    [Fact]
    public void TrafficTheKernelWouldNotForwardIsRefused()
    {
        _ns.Exec("sysctl", "-qw", "net.ipv4.conf.all.rp_filter=1", "net.ipv4.conf.antrea-gw0.rp_filter=1");
        NextHopException error = Assert.Throws<NextHopException>(() =>
            NextHopResolver.Resolve(_tc, TcFixtures.PeerPodCidr(false), "eth0", "antrea-gw0", IPAddress.Parse("10.244.0.9")));
        Assert.Equal(NextHopProblem.NotForwarded, error.Problem);
        // With the kernel's errno, which differs between kernels (EINVAL for a martian source on 6.18).
        Assert.Contains("the kernel would not forward 10.244.0.0 from 10.244.0.9 arriving on antrea-gw0 (E", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Forwarding off: the kernel answers the forwarded lookup EHOSTUNREACH, as for no route, though ip route shows
    /// one. The refusal says forwarding, not "no route".
    /// </summary>
    [Fact]
    public void TrafficArrivingWhereForwardingIsOffIsRefusedAsNotForwarded()
    {
        _ns.Exec("sysctl", "-qw", "net.ipv4.ip_forward=0");
        NextHopException error = Assert.Throws<NextHopException>(() =>
            NextHopResolver.Resolve(_tc, TcFixtures.PeerPodCidr(false), "eth0", "antrea-gw0", IPAddress.Parse("10.244.0.9")));
        Assert.Equal(NextHopProblem.NotForwarded, error.Problem);
        Assert.Equal($"cannot redirect traffic to {TcFixtures.PeerPodCidr(false)}: the kernel routes 10.244.0.0 but does not forward it from 10.244.0.9 arriving on antrea-gw0: " +
            "forwarding is off there (sysctl net.ipv4.ip_forward or net.ipv4.conf.antrea-gw0.forwarding is 0)", error.Message);
    }

    [Theory]
    [InlineData("route add 10.244.0.128/25 via 172.18.0.3 dev eth0", "10.244.0.0/24", "eth0", NextHopProblem.SplitRoute)]
    [InlineData("route add 10.99.0.0/24 nexthop via 172.18.0.2 nexthop via 172.18.0.3", "10.99.0.0/24", "eth0", NextHopProblem.Multipath)]
    [InlineData("route add blackhole 10.97.0.0/24", "10.97.0.0/24", "eth0", NextHopProblem.NotUnicast)]
    [InlineData("route add 10.96.0.0/25 via 172.18.0.2 dev eth0", "10.96.0.0/24", "eth0", NextHopProblem.PartialRoute)]
    [InlineData("link set eth0 mtu 1400", "10.244.0.0/24", "eth0", NextHopProblem.SmallerMtu)]
    [InlineData("addr add 10.95.0.1/32 dev lo", "10.95.0.0/24", "eth0", NextHopProblem.LocalAddress)]
    [InlineData(null, "10.244.0.0/24", "antrea-gw0", NextHopProblem.OtherDevice)]
    [InlineData(null, "192.0.2.0/24", "eth0", NextHopProblem.NoRoute)]
    [InlineData(null, "10.244.0.0/24", "no-such-dev", NextHopProblem.NoSuchDevice)]
    [InlineData("link set eth0 down", "172.18.0.0/24", "eth0", NextHopProblem.DeviceDown)]
    [InlineData("route add prohibit 10.94.0.0/24", "10.94.0.0/24", "eth0", NextHopProblem.NotUnicast)]
    public void WhatARedirectCannotReproduceIsRefusedNamingWhy(string? setup, string prefix, string egress, NextHopProblem problem)
    {
        if (setup is not null)
        {
            Ip(setup);
        }

        if (problem == NextHopProblem.LocalAddress)
        {
            Ip("route add 10.95.0.0/24 via 172.18.0.2 dev eth0");
        }

        NextHopException error = Assert.Throws<NextHopException>(() => NextHopResolver.Resolve(_tc, IpPrefix.Parse(prefix), egress, "antrea-gw0"));
        Assert.Equal(problem, error.Problem);
        Assert.Equal(IpPrefix.Parse(prefix), error.Destination);
        Assert.StartsWith($"cannot redirect traffic to {prefix}: ", error.Message, StringComparison.Ordinal);
    }
}
