using HostAccel.Native.Netlink;
using HostAccel.Native.TrafficControl.Routing;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>A device's Ethernet-ness, its text, and an RTM_NEWLINK that leaves attributes out.</summary>
public class LinkTests
{
    [Fact]
    public void OnlyAnEthernetTypeWithAnAddressIsEthernet()
    {
        Assert.True(new Link(2, "eth0") { Type = 1, Address = TcFixtures.Eth0Mac }.IsEthernet);
        Assert.False(new Link(2, "eth0") { Type = 1 }.IsEthernet);
        Assert.False(new Link(1, "lo") { Type = 772, Address = MacAddress.FromBytes(new byte[6]) }.IsEthernet);
        Assert.False(new Link(7, "wg0") { Type = 65534 }.IsEthernet);
    }

    [Fact]
    public void ADeviceReadsAsIpLinkShowsItsHeadline()
    {
        Assert.Equal("2: eth0 mtu 1500 up link/ether 02:00:00:00:00:01",
            new Link(2, "eth0") { Type = 1, Flags = 0x1003, Mtu = 1500, Address = TcFixtures.Eth0Mac }.ToString());
        Assert.Equal("1: lo mtu 65536 down link/772 ", new Link(1, "lo") { Type = 772, Flags = 0x8, Mtu = 65536 }.ToString());
    }

    [Fact]
    public void ALinkWithoutAttributesDecodesWithAnEmptyName()
    {
        var writer = new NetlinkWriter();
        int start = writer.BeginMessage(16, 0, 1);
        writer.WriteStruct(new IfInfoMsg(0, 1, 9, 0x1, 0));
        writer.EndMessage(start);
        Link link = DecodeLink(writer.WrittenSpan.ToArray());
        Assert.Equal(new Link(9, "") { Type = 1, Flags = 0x1 }, link);
        Assert.False(link.IsEthernet);
    }

    private static Link DecodeLink(byte[] datagram)
    {
        foreach (NetlinkMessage message in NetlinkMessage.Parse(datagram))
        {
            return Link.Decode(message);
        }

        throw new InvalidOperationException("no message");
    }
}
