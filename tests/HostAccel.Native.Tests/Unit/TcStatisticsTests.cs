using System.Buffers.Binary;
using HostAccel.Native.Netlink;
using HostAccel.Native.TrafficControl;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>
/// The gnet_stats attributes of an action's TCA_ACT_STATS (linux/gen_stats.h), built by hand with the sizes the
/// structures have: what each field decodes into, and the shortest payloads accepted.
/// </summary>
public class TcStatisticsTests
{
    private const ushort TCA_STATS_BASIC = 1, TCA_STATS_QUEUE = 3, TCA_STATS_BASIC_HW = 7, TCA_STATS_PKT64 = 8;

    private static byte[] Basic(ulong bytes, uint packets, int size = 16)
    {
        var b = new byte[size];
        BinaryPrimitives.WriteUInt64LittleEndian(b, bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), packets);
        return b;
    }

    /// <summary>struct gnet_stats_queue: qlen, backlog, drops, requeues, overlimits (20 bytes).</summary>
    private static byte[] Queue(uint drops, uint overlimits, int size = 20)
    {
        var q = new byte[size];
        BinaryPrimitives.WriteUInt32LittleEndian(q, 11);
        BinaryPrimitives.WriteUInt32LittleEndian(q.AsSpan(4), 12);
        if (size >= 20)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(q.AsSpan(8), drops);
            BinaryPrimitives.WriteUInt32LittleEndian(q.AsSpan(12), 13);
            BinaryPrimitives.WriteUInt32LittleEndian(q.AsSpan(16), overlimits);
        }

        return q;
    }

    private static TcStatistics Decode(params (ushort Type, byte[] Payload)[] attributes)
    {
        var writer = new NetlinkWriter();
        foreach ((ushort type, byte[] payload) in attributes)
        {
            writer.WriteBytes(type, payload);
        }

        return TcStatistics.Decode(new AttributeReader(writer.WrittenSpan));
    }

    [Fact]
    public void EveryCounterDecodesIntoItsField()
    {
        TcStatistics stats = Decode((TCA_STATS_BASIC, Basic(1000, 10)), (TCA_STATS_BASIC_HW, Basic(600, 6)), (TCA_STATS_QUEUE, Queue(3, 4)));
        Assert.Equal(new TcStatistics(10, 1000) { HardwarePackets = 6, HardwareBytes = 600, Drops = 3, Overlimits = 4 }, stats);
    }

    [Fact]
    public void The64BitPacketCountReplacesThe32BitOneWhenTheKernelSendsIt()
    {
        TcStatistics stats = Decode((TCA_STATS_BASIC, Basic(1UL << 40, 5)), (TCA_STATS_PKT64, BitConverter.GetBytes(0x1_0000_0005UL)));
        Assert.Equal(0x1_0000_0005UL, stats.Packets);
        Assert.Equal(1UL << 40, stats.Bytes);
    }

    [Fact]
    public void TheShortestPayloadsAreAcceptedAndAShorterQueueIsIgnored()
    {
        // gnet_stats_basic without its tail padding (12 bytes), gnet_stats_queue exactly 20 bytes.
        Assert.Equal(new TcStatistics(7, 700) { Drops = 2, Overlimits = 9 }, Decode((TCA_STATS_BASIC, Basic(700, 7, 12)), (TCA_STATS_QUEUE, Queue(2, 9))));
        Assert.Equal(new TcStatistics(7, 700), Decode((TCA_STATS_BASIC, Basic(700, 7, 12)), (TCA_STATS_QUEUE, Queue(2, 9, 16))));
    }

    [Fact]
    public void ABasicCounterShorterThanItsStructureIsADecodeError()
    {
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() => Decode((TCA_STATS_BASIC, new byte[8])));
        Assert.EndsWith("gnet_stats_basic of 8 bytes, 12 expected", error.Message, StringComparison.Ordinal);
        Assert.Throws<NetlinkDecodeException>(() => Decode((TCA_STATS_BASIC_HW, new byte[11])));
    }
}
