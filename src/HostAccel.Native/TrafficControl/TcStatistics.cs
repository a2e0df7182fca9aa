using System.Buffers.Binary;
using HostAccel.Native.Netlink;
using static HostAccel.Native.TrafficControl.TcConstants;

namespace HostAccel.Native.TrafficControl;

/// <summary>
/// The counters of an action as the kernel dumps them (TCA_ACT_STATS, laid out as TCA_STATS2 is): packets and bytes
/// it saw, of which the hardware saw <see cref="HardwarePackets"/>, and the drops and overlimits of its queue stats.
/// A filter's first action sees every packet the filter matched.
/// </summary>
public sealed record TcStatistics(ulong Packets, ulong Bytes)
{
    public ulong HardwarePackets { get; init; }

    public ulong HardwareBytes { get; init; }

    public uint Drops { get; init; }

    public uint Overlimits { get; init; }

    /// <summary>Reads the gnet_stats attributes of linux/gen_stats.h.</summary>
    internal static TcStatistics Decode(AttributeReader stats)
    {
        ulong packets = 0, bytes = 0, hwPackets = 0, hwBytes = 0;
        ulong? packets64 = null;
        uint drops = 0, overlimits = 0;
        while (stats.Next())
        {
            switch (stats.Type)
            {
                case TCA_STATS_BASIC:
                    (bytes, packets) = Basic(stats.Payload);
                    break;
                case TCA_STATS_BASIC_HW:
                    (hwBytes, hwPackets) = Basic(stats.Payload);
                    break;
                case TCA_STATS_PKT64:
                    // Only sent when the 32-bit packet count of gnet_stats_basic overflowed.
                    packets64 = stats.GetU64Host();
                    break;
                case TCA_STATS_QUEUE:
                    // struct gnet_stats_queue: qlen, backlog, drops, requeues, overlimits.
                    if (stats.Payload.Length >= 20)
                    {
                        drops = BinaryPrimitives.ReadUInt32LittleEndian(stats.Payload[8..]);
                        overlimits = BinaryPrimitives.ReadUInt32LittleEndian(stats.Payload[16..]);
                    }

                    break;
            }
        }

        return new TcStatistics(packets64 ?? packets, bytes)
        {
            HardwarePackets = hwPackets,
            HardwareBytes = hwBytes,
            Drops = drops,
            Overlimits = overlimits,
        };
    }

    /// <summary>struct gnet_stats_basic: a 64-bit byte count, then a 32-bit packet count.</summary>
    private static (ulong Bytes, ulong Packets) Basic(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 12)
        {
            throw new NetlinkDecodeException($"gnet_stats_basic of {payload.Length} bytes, 12 expected");
        }

        return (BinaryPrimitives.ReadUInt64LittleEndian(payload), BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]));
    }
}
