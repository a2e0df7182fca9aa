using System.Net;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.TrafficControl;
using HostAccel.Native.TrafficControl.Actions;
using HostAccel.Native.TrafficControl.Routing;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Golden;

/// <summary>
/// What the kernel answered tc and ip in Golden/tc/capture.sh (the VM's 6.1 kernel, which has flower) decodes into
/// the objects the library writes for the same statements: the decoder checked against bytes it did not produce.
/// </summary>
public class GoldenTcDecodeTests
{
    private delegate T Decoder<out T>(in NetlinkMessage message);

    private static List<T> Decode<T>(string name, Decoder<T?> decode)
        where T : class
    {
        var objects = new List<T>();
        foreach (GoldenMessage golden in GoldenFile.Read($"tc/{name}"))
        {
            foreach (NetlinkMessage message in NetlinkMessage.Parse(golden.Bytes))
            {
                if (message.Type is not (NetlinkConstants.NLMSG_DONE or NetlinkConstants.NLMSG_ERROR) && decode(message) is T value)
                {
                    objects.Add(value);
                }
            }
        }

        return objects;
    }

    [Fact]
    public void FiltersTcWroteDecodeIntoTheFiltersTheLibraryWritesForTheSameStatements()
    {
        List<TcFilter> filters = Decode("reply-filters-gw-ingress", TcFilter.Decode);

        // The kernel announces each priority with a message of its own (handle 0, no options), which is no filter.
        Assert.Equal(
            [TcFixtures.TtlGuard(ipv6: false), TcFixtures.TtlGuard(ipv6: true), TcFixtures.GwToPeer(ipv6: false), TcFixtures.GwToPeer(ipv6: true)],
            filters.Select(f => f.AsWritten()));
    }

    [Fact]
    public void FiltersCarryTheKernelsStateAndEachActionsCounters()
    {
        List<FlowerFilter> filters = Decode("reply-filters-gw-ingress", TcFilter.Decode).Cast<FlowerFilter>().ToList();
        Assert.All(filters, f => Assert.False(f.InHardware));
        Assert.All(filters, f => Assert.Equal(0u, f.InHardwareCount));
        Assert.All(filters.SelectMany(f => f.Actions), a =>
        {
            Assert.NotEqual(0u, a.Index);
            Assert.Equal(1, a.State!.RefCount);
            Assert.Equal(1, a.State.BindCount);
            Assert.NotNull(a.State.Times);
        });

        // The Pod pinged the peer three times: 84-byte IPv4 packets (the Ethernet header is gone at ingress), seen
        // by each of the three actions of the redirect, and none by the TTL guard.
        FlowerFilter redirect4 = filters.Single(f => f.Priority == 40010);
        Assert.All(redirect4.Actions, a => Assert.Equal(new TcStatistics(3, 3 * 84), a.State!.Statistics));
        Assert.Equal(new TcStatistics(3, 3 * 84), redirect4.Statistics);
        Assert.Equal(new TcStatistics(0, 0), filters.Single(f => f.Priority == 40008).Statistics);
        Assert.Equal(3UL, filters.Single(f => f.Priority == 40011).Statistics!.Packets);

        // The IPv6 guard saw the Pod's MLD reports, which go out with a hop limit of 1: it handed them to the stack.
        Assert.NotEqual(0UL, filters.Single(f => f.Priority == 40009).Statistics!.Packets);
    }

    [Fact]
    public void TheClsactQdiscDecodes()
    {
        List<TcQdisc> qdiscs = Decode("reply-qdiscs", TcQdisc.Decode);
        TcQdisc clsact = Assert.Single(qdiscs, q => q.InterfaceIndex == TcFixtures.AntreaGw0 && q.IsClsact);
        Assert.Equal(TcQdisc.Clsact(TcFixtures.AntreaGw0), clsact);
    }

    [Fact]
    public void ALinkDecodesWithItsAddressMtuAndKind()
    {
        Link link = Assert.Single(Decode("reply-link-get-by-name", Link.Decode));
        Assert.Equal(new Link(TcFixtures.Eth0, "eth0") { Type = 1, Flags = link.Flags, Mtu = 1500, Address = TcFixtures.Eth0Mac, Kind = "veth" }, link);
        Assert.True(link.IsUp);
        Assert.True(link.IsEthernet);
    }

    [Fact]
    public void NeighboursDecodeWithTheirAddressesAndStates()
    {
        List<Neighbour> neighbours = Decode("reply-neigh-dump-dev", Neighbour.Decode);
        foreach (string pod in new[] { "10.244.2.2", "fd00:10:244:2::2" })
        {
            Neighbour n = Assert.Single(neighbours, n => n.Address.Equals(IPAddress.Parse(pod)));
            Assert.Equal(new Neighbour(IPAddress.Parse(pod), TcFixtures.AntreaGw0) { LinkLayerAddress = TcFixtures.PodMac, State = NeighbourState.Permanent }, n);
            Assert.True(n.IsUsable);
        }

        Neighbour gateway = Assert.Single(Decode("reply-neigh-get", Neighbour.Decode));
        Assert.Equal(new Neighbour(IPAddress.Parse("172.18.0.2"), TcFixtures.Eth0) { LinkLayerAddress = TcFixtures.PeerMac, State = NeighbourState.Permanent }, gateway);
    }

    [Theory]
    [InlineData("reply-route-get-fibmatch-iif", "10.244.0.0/24", "172.18.0.2")]
    [InlineData("reply-route-get-fibmatch-iif-inet6", "fd00:10:244::/64", "fd00:172:18::2")]
    public void AFibMatchLookupDecodesIntoTheTableEntryWithItsPrefixAndNextHop(string name, string prefix, string gateway)
    {
        Route route = Assert.Single(Decode(name, Route.Decode));
        Assert.Equal(IpPrefix.Parse(prefix), route.Destination);
        Assert.Equal(IPAddress.Parse(gateway), route.Gateway);
        Assert.Equal(TcFixtures.Eth0, route.OutputInterface);
        Assert.Equal(254u, route.Table);
        Assert.Equal(RouteType.Unicast, route.Type);
        Assert.False(route.IsMultipath);
    }

    [Fact]
    public void TheMainTableDecodes()
    {
        List<Route> routes = Decode("reply-route-dump-main-inet", Route.Decode);
        Assert.Equal(
            [("10.244.0.0/24", "172.18.0.2", TcFixtures.Eth0), ("10.244.2.0/24", null, TcFixtures.AntreaGw0), ("172.18.0.0/24", null, TcFixtures.Eth0)],
            routes.Select(r => (r.Destination.ToString(), r.Gateway?.ToString(), r.OutputInterface!.Value)).Order());
        Assert.All(routes.Where(r => r.Gateway is null), r => Assert.Equal(253, r.Scope));
    }
}
