using System.Net;
using HostAccel.Native.Conntrack;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>
/// The ctnetlink decoder on messages written with NetlinkWriter: each direction's counters where they belong
/// (asymmetric on purpose: a swap cannot pass), ICMP's type, code and id, and the offload status bits.
/// </summary>
public class ConntrackDecodeTests
{
    [Fact]
    public void TheOriginalAndReplyCountersAreEachDirectionsOwn()
    {
        ConntrackFlow flow = Decode(6, original: (1200, 1_500_000), reply: (900, 64_000));
        Assert.Equal((1200UL, 1_500_000UL), (flow.OriginalPackets, flow.OriginalBytes));
        Assert.Equal((900UL, 64_000UL), (flow.ReplyPackets, flow.ReplyBytes));
        Assert.Equal(IPAddress.Parse("10.244.1.5"), flow.Original.Source);
        Assert.Equal(IPAddress.Parse("10.244.2.7"), flow.Reply.Source);
        Assert.Equal("tcp 86400 src=10.244.1.5 dst=10.244.2.7 sport=40000 dport=5201 src=10.244.2.7 dst=10.244.1.5 sport=5201 dport=40000 [OFFLOAD]", flow.ToString());
    }

    [Fact]
    public void IcmpIsShownWithTypeCodeAndIdAsConntrackShowsIt()
    {
        ConntrackFlow flow = Decode(1, original: (3, 252), reply: (3, 252));
        Assert.Equal(((byte?)8, (byte?)0, (ushort?)4242), (flow.Original.IcmpType, flow.Original.IcmpCode, flow.Original.IcmpId));
        Assert.Equal(((byte?)0, (byte?)0, (ushort?)4242), (flow.Reply.IcmpType, flow.Reply.IcmpCode, flow.Reply.IcmpId));
        Assert.Equal((0, 0), (flow.Original.SourcePort, flow.Original.DestinationPort));
        Assert.Equal("icmp 86400 src=10.244.1.5 dst=10.244.2.7 type=8 code=0 id=4242 src=10.244.2.7 dst=10.244.1.5 type=0 code=0 id=4242 [OFFLOAD]", flow.ToString());
    }

    [Theory]
    [InlineData(ConntrackStatus.Offload, true, false)]
    [InlineData(ConntrackStatus.HardwareOffload, true, true)]
    [InlineData(ConntrackStatus.Offload | ConntrackStatus.HardwareOffload, true, true)]
    [InlineData(ConntrackStatus.Assured | ConntrackStatus.SeenReply, false, false)]
    public void SoftwareAndHardwareOffloadAreBothOffloaded(ConntrackStatus status, bool offloaded, bool hardware)
    {
        var flow = new ConntrackFlow(NftFamily.Ip, new ConntrackTuple(IPAddress.Loopback, IPAddress.Loopback, 6, 1, 2),
            new ConntrackTuple(IPAddress.Loopback, IPAddress.Loopback, 6, 2, 1), status);
        Assert.Equal((offloaded, hardware), (flow.IsOffloaded, flow.IsHardwareOffloaded));
    }

    [Fact]
    public void AnEntryWithoutItsReplyTupleIsADecodeError()
    {
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() => DecodeOne(w => Tuple(w, 1, 6, reverse: false)));
        Assert.Equal("malformed netlink reply: conntrack entry without its original and reply tuples", error.Message);
    }

    [Theory]
    [InlineData(true, false, 4, "conntrack tuple without a destination address")]
    [InlineData(false, true, 4, "conntrack tuple without a source address")]
    [InlineData(true, true, 5, "conntrack address of 5 bytes")]
    public void ATupleWithoutBothAddressesOrWithAnOddAddressIsADecodeError(bool source, bool destination, int addressLength, string message)
    {
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() => DecodeOne(w =>
        {
            using (w.Nested(1))
            {
                using (w.Nested(1))
                {
                    if (source)
                    {
                        w.WriteBytes(1, new byte[addressLength]);
                    }

                    if (destination)
                    {
                        w.WriteBytes(2, new byte[addressLength]);
                    }
                }
            }
        }));
        Assert.Equal("malformed netlink reply: " + message, error.Message);
    }

    [Theory]
    [InlineData(null, (byte)3, null, "src=10.0.0.1 dst=10.0.0.2 type=0 code=3 id=0")]
    [InlineData(null, null, (ushort)77, "src=10.0.0.1 dst=10.0.0.2 type=0 code=0 id=77")]
    [InlineData((byte)3, (byte)1, (ushort)77, "src=10.0.0.1 dst=10.0.0.2 type=3 code=1 id=77")]
    public void AnyIcmpFieldMakesTheTupleAnIcmpOne(byte? type, byte? code, ushort? id, string text)
    {
        Assert.Equal(text, ConntrackTuple.Describe(IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.2"), 5, 6, type, code, id));
    }

    [Theory]
    [InlineData(0, 0, "src=10.0.0.1 dst=10.0.0.2")]
    [InlineData(0, 53, "src=10.0.0.1 dst=10.0.0.2 sport=0 dport=53")]
    [InlineData(53, 0, "src=10.0.0.1 dst=10.0.0.2 sport=53 dport=0")]
    public void PortsAreShownUnlessBothAreZero(ushort sourcePort, ushort destinationPort, string text)
    {
        Assert.Equal(text, ConntrackTuple.Describe(IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.2"), sourcePort, destinationPort, null, null, null));
    }

    [Theory]
    [InlineData(17, ConntrackStatus.HardwareOffload, "udp 30 src=127.0.0.1 dst=127.0.0.1 sport=1 dport=2 src=127.0.0.1 dst=127.0.0.1 sport=2 dport=1 [HW_OFFLOAD]")]
    [InlineData(58, ConntrackStatus.Assured, "icmpv6 30 src=127.0.0.1 dst=127.0.0.1 sport=1 dport=2 src=127.0.0.1 dst=127.0.0.1 sport=2 dport=1")]
    [InlineData(132, ConntrackStatus.Offload, "sctp 30 src=127.0.0.1 dst=127.0.0.1 sport=1 dport=2 src=127.0.0.1 dst=127.0.0.1 sport=2 dport=1 [OFFLOAD]")]
    [InlineData(47, ConntrackStatus.None, "47 30 src=127.0.0.1 dst=127.0.0.1 sport=1 dport=2 src=127.0.0.1 dst=127.0.0.1 sport=2 dport=1")]
    public void AFlowIsShownWithItsProtocolNameAndOffloadMark(byte protocol, ConntrackStatus status, string text)
    {
        var flow = new ConntrackFlow(NftFamily.Ip, new ConntrackTuple(IPAddress.Loopback, IPAddress.Loopback, protocol, 1, 2),
            new ConntrackTuple(IPAddress.Loopback, IPAddress.Loopback, protocol, 2, 1), status) { TimeoutSeconds = 30 };
        Assert.Equal(text, flow.ToString());
    }

    private static ConntrackFlow DecodeOne(Action<NetlinkWriter> attributes)
    {
        var w = new NetlinkWriter();
        int start = w.BeginMessage((1 << 8) | 0, NetlinkConstants.NLM_F_MULTI, 7);
        w.WriteNfGenMsg((byte)NftFamily.Ip);
        attributes(w);
        w.EndMessage(start);
        ConntrackFlow? flow = null;
        foreach (NetlinkMessage message in NetlinkMessage.Parse(w.WrittenSpan))
        {
            flow = ConntrackConnection.Decode(message);
        }

        return flow!;
    }

    private static ConntrackFlow Decode(byte protocol, (ulong Packets, ulong Bytes) original, (ulong Packets, ulong Bytes) reply)
    {
        var w = new NetlinkWriter();
        int start = w.BeginMessage((1 << 8) | 0, NetlinkConstants.NLM_F_MULTI, 7);
        w.WriteNfGenMsg((byte)NftFamily.Ip);
        Tuple(w, 1, protocol, reverse: false);
        Tuple(w, 2, protocol, reverse: true);
        w.WriteU32Be(3, (uint)(ConntrackStatus.Offload | ConntrackStatus.Confirmed | ConntrackStatus.SeenReply));
        w.WriteU32Be(7, 86400);
        Counters(w, 9, original);
        Counters(w, 10, reply);
        w.EndMessage(start);
        ConntrackFlow? flow = null;
        foreach (NetlinkMessage message in NetlinkMessage.Parse(w.WrittenSpan))
        {
            flow = ConntrackConnection.Decode(message);
        }

        return flow!;
    }

    private static void Counters(NetlinkWriter w, ushort type, (ulong Packets, ulong Bytes) counters)
    {
        using (w.Nested(type))
        {
            w.WriteU64Be(1, counters.Packets);
            w.WriteU64Be(2, counters.Bytes);
        }
    }

    private static void Tuple(NetlinkWriter w, ushort type, byte protocol, bool reverse)
    {
        byte[] a = [10, 244, 1, 5], b = [10, 244, 2, 7];
        using (w.Nested(type))
        {
            using (w.Nested(1))
            {
                w.WriteBytes(1, reverse ? b : a);
                w.WriteBytes(2, reverse ? a : b);
            }

            using (w.Nested(2))
            {
                w.WriteU8(1, protocol);
                if (protocol == 1)
                {
                    w.WriteU16Be(4, 4242);
                    w.WriteU8(5, reverse ? (byte)0 : (byte)8);
                    w.WriteU8(6, 0);
                }
                else
                {
                    w.WriteU16Be(2, reverse ? (ushort)5201 : (ushort)40000);
                    w.WriteU16Be(3, reverse ? (ushort)40000 : (ushort)5201);
                }
            }
        }
    }
}
