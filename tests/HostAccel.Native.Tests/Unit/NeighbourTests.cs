using System.Net;
using HostAccel.Native.Netlink;
using HostAccel.Native.TrafficControl.Routing;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>When a neighbour entry is one the kernel sends to, its text, and an RTM_NEWNEIGH without an address.</summary>
public class NeighbourTests
{
    private static readonly IPAddress Pod = IPAddress.Parse("10.244.2.2");

    [Theory]
    [InlineData(NeighbourState.Reachable, true)]
    [InlineData(NeighbourState.Stale, true)]
    [InlineData(NeighbourState.Delay, true)]
    [InlineData(NeighbourState.Probe, true)]
    [InlineData(NeighbourState.Permanent, true)]
    [InlineData(NeighbourState.NoArp, true)]
    [InlineData(NeighbourState.Incomplete, false)]
    [InlineData(NeighbourState.Failed, false)]
    [InlineData(NeighbourState.None, false)]
    public void AnEntryWithAnAddressIsUsableInTheValidStatesOnly(NeighbourState state, bool usable)
    {
        Assert.Equal(usable, new Neighbour(Pod, TcFixtures.AntreaGw0) { LinkLayerAddress = TcFixtures.PodMac, State = state }.IsUsable);
    }

    [Theory]
    [InlineData(NeighbourState.Permanent)]
    [InlineData(NeighbourState.Reachable)]
    public void AnEntryWithoutALinkLayerAddressOrWithAZeroOneIsNotUsable(NeighbourState state)
    {
        Assert.False(new Neighbour(Pod, TcFixtures.AntreaGw0) { State = state }.IsUsable);
        Assert.False(new Neighbour(Pod, TcFixtures.AntreaGw0) { LinkLayerAddress = MacAddress.FromBytes(new byte[6]), State = state }.IsUsable);
    }

    [Fact]
    public void AnEntryReadsWithItsDeviceAddressAndState()
    {
        Assert.Equal("10.244.2.2 dev #4 lladdr 02:00:00:00:02:02 Permanent",
            new Neighbour(Pod, TcFixtures.AntreaGw0) { LinkLayerAddress = TcFixtures.PodMac, State = NeighbourState.Permanent }.ToString());
        Assert.Equal("10.244.2.3 dev #4 lladdr (none) Incomplete",
            new Neighbour(IPAddress.Parse("10.244.2.3"), TcFixtures.AntreaGw0) { State = NeighbourState.Incomplete }.ToString());
    }

    [Fact]
    public void AnEntryWithoutItsIpAddressIsADecodeError()
    {
        var writer = new NetlinkWriter();
        int start = writer.BeginMessage(28, 0, 1);
        writer.WriteStruct(new NdMsg(2, TcFixtures.AntreaGw0, 0x80, 0, 1));
        writer.WriteBytes(2, TcFixtures.PodMac.GetBytes());
        writer.EndMessage(start);
        byte[] datagram = writer.WrittenSpan.ToArray();
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() =>
        {
            foreach (NetlinkMessage message in NetlinkMessage.Parse(datagram))
            {
                Neighbour.Decode(message);
            }
        });
        Assert.Equal("malformed netlink reply: neighbour without NDA_DST", error.Message);
    }
}
