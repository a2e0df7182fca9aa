using System.Net;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.TrafficControl.Routing;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>
/// RTM_NEWROUTE replies built by hand for what the golden captures do not hold (a next hop of another family, an
/// encapsulation, malformed lengths), and a route's text as error messages quote it.
/// </summary>
public class RouteDecodeTests
{
    private const ushort RTA_DST = 1, RTA_OIF = 4, RTA_GATEWAY = 5, RTA_VIA = 18, RTA_ENCAP_TYPE = 21, RTA_ENCAP = 22;

    private static Route Decode(RtMsg header, Action<NetlinkWriter> attributes)
    {
        var writer = new NetlinkWriter();
        int start = writer.BeginMessage(24, 0, 1);
        writer.WriteStruct(header);
        attributes(writer);
        writer.EndMessage(start);
        byte[] datagram = writer.WrittenSpan.ToArray();
        foreach (NetlinkMessage message in NetlinkMessage.Parse(datagram))
        {
            return Route.Decode(message);
        }

        throw new InvalidOperationException("no message");
    }

    private static RtMsg Inet(byte prefixLength, byte type = 1) => new(2, prefixLength, 0, 0, 254, 4, 0, type, 0);

    [Fact]
    public void AnIpv4RouteViaAnIpv6NextHopDecodesWithThatGateway()
    {
        byte[] via = [10, 0, .. IPAddress.Parse("fe80::1").GetAddressBytes()];
        Route route = Decode(Inet(24), w =>
        {
            w.WriteBytes(RTA_DST, [10, 244, 0, 0]);
            w.WriteBytes(RTA_VIA, via);
            w.WriteU32Host(RTA_OIF, 2);
        });
        Assert.Equal(IpPrefix.Parse("10.244.0.0/24"), route.Destination);
        Assert.Equal(IPAddress.Parse("fe80::1"), route.Gateway);

        byte[] via4 = [2, 0, 172, 18, 0, 2];
        Assert.Equal(IPAddress.Parse("172.18.0.2"), Decode(Inet(24), w => w.WriteBytes(RTA_VIA, via4)).Gateway);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(7)]
    public void AnRtaViaOfAnotherLengthIsADecodeError(int length)
    {
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() => Decode(Inet(24), w => w.WriteBytes(RTA_VIA, new byte[length])));
        Assert.Equal($"malformed netlink reply: RTA_VIA of {length} bytes", error.Message);
    }

    [Theory]
    [InlineData(RTA_ENCAP)]
    [InlineData(RTA_ENCAP_TYPE)]
    public void AnEncapsulationAttributeMarksTheRoute(ushort attribute)
    {
        Assert.True(Decode(Inet(24), w => w.WriteBytes(attribute, new byte[4])).HasEncapsulation);
        Assert.False(Decode(Inet(24), w => w.WriteU32Host(RTA_OIF, 2)).HasEncapsulation);
    }

    [Theory]
    [InlineData(2, 33, "route of 32-bit addresses with a prefix length of 33")]
    [InlineData(10, 129, "route of 128-bit addresses with a prefix length of 129")]
    public void APrefixLongerThanTheAddressIsADecodeError(byte family, byte prefixLength, string message)
    {
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() => Decode(new RtMsg(family, prefixLength, 0, 0, 254, 4, 0, 1, 0), _ => { }));
        Assert.Equal($"malformed netlink reply: {message}", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(129)]
    public void ARouteOfAnotherFamilyIsADecodeError(byte family)
    {
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() => Decode(new RtMsg(family, 0, 0, 0, 254, 4, 0, 1, 0), _ => { }));
        Assert.Equal($"malformed netlink reply: route of address family {family}", error.Message);
    }

    [Theory]
    [InlineData(RTA_DST, 5)]
    [InlineData(RTA_GATEWAY, 16)]
    [InlineData(RTA_GATEWAY, 3)]
    public void AnAddressOfTheWrongLengthForTheFamilyIsADecodeError(ushort attribute, int length)
    {
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() => Decode(Inet(24), w => w.WriteBytes(attribute, new byte[length])));
        Assert.Equal($"malformed netlink reply: route address of {length} bytes", error.Message);
    }

    public static TheoryData<Route, string> Texts => new()
    {
        { new Route(IpPrefix.Parse("10.244.0.0/24")) { Type = RouteType.Unicast, Gateway = IPAddress.Parse("172.18.0.2"), OutputInterface = 2, Table = 254 }, "10.244.0.0/24 via 172.18.0.2 dev #2 table 254" },
        { new Route(IpPrefix.Parse("10.244.2.0/24")) { Type = RouteType.Unicast, OutputInterface = 4, Table = 254 }, "10.244.2.0/24 dev #4 table 254" },
        { new Route(IpPrefix.Parse("10.97.0.0/24")) { Type = RouteType.Blackhole, Table = 254 }, "blackhole 10.97.0.0/24 table 254" },
        { new Route(IpPrefix.Parse("10.99.0.0/24")) { Type = RouteType.Unicast, IsMultipath = true, Table = 254 }, "10.99.0.0/24 multipath table 254" },
        { new Route(IpPrefix.Parse("172.18.0.1/32")) { Type = RouteType.Local, OutputInterface = 2, Table = 255 }, "local 172.18.0.1/32 dev #2 table 255" },
    };

    [Theory]
    [MemberData(nameof(Texts))]
    public void ARouteReadsAsIpRouteShowsIt(Route route, string text)
    {
        Assert.Equal(text, route.ToString());
    }
}
