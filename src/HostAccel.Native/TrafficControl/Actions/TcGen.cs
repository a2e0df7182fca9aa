using System.Buffers.Binary;

namespace HostAccel.Native.TrafficControl.Actions;

/// <summary>
/// The verdict an action returns (TC_ACT_* of linux/pkt_cls.h): what tc calls its control — <c>pipe</c> hands the
/// packet to the next action, <c>stolen</c> ends processing because the action took the packet (a redirect).
/// </summary>
public enum TcControl
{
    Unspecified = -1,
    Ok = 0,
    Reclassify = 1,
    Shot = 2,
    Pipe = 3,
    Stolen = 4,
    Queued = 5,
    Repeat = 6,
    Redirect = 7,
    Trap = 8,
}

/// <summary>
/// The tc_gen fields that open every action's parameter struct (linux/pkt_cls.h): index, capab, action, refcnt,
/// bindcnt, each 32 bits in the host's order.
/// </summary>
internal readonly record struct TcGen(uint Index, uint Capabilities, TcControl Action, int RefCount, int BindCount)
{
    internal const int Length = 20;

    internal void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Index);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Capabilities);
        BinaryPrimitives.WriteInt32LittleEndian(destination[8..], (int)Action);
        BinaryPrimitives.WriteInt32LittleEndian(destination[12..], RefCount);
        BinaryPrimitives.WriteInt32LittleEndian(destination[16..], BindCount);
    }

    internal static TcGen Read(ReadOnlySpan<byte> source, string what)
    {
        if (source.Length < Length)
        {
            throw new Netlink.NetlinkDecodeException($"{what} of {source.Length} bytes is shorter than its tc_gen ({Length})");
        }

        return new TcGen(
            BinaryPrimitives.ReadUInt32LittleEndian(source),
            BinaryPrimitives.ReadUInt32LittleEndian(source[4..]),
            (TcControl)BinaryPrimitives.ReadInt32LittleEndian(source[8..]),
            BinaryPrimitives.ReadInt32LittleEndian(source[12..]),
            BinaryPrimitives.ReadInt32LittleEndian(source[16..]));
    }

    /// <summary>What a written action's tc_gen holds: the index (0 lets the kernel number it) and the verdict.</summary>
    internal static TcGen Of(TcAction action) => new(action.Index, 0, action.Control, 0, 0);
}
