using System.Buffers.Binary;

namespace HostAccel.Native.Netlink;

/// <summary>
/// struct tcmsg (linux/rtnetlink.h): the family header of qdisc, class, filter and chain messages. For filters,
/// <c>Info</c> holds the priority in the upper 16 bits and the protocol (network order) in the lower.
/// </summary>
public readonly record struct TcMsg(byte Family, int InterfaceIndex, uint Handle, uint Parent, uint Info) : INetlinkStruct
{
    public const int Length = 20;

    public int Size => Length;

    public void WriteTo(Span<byte> destination)
    {
        destination[0] = Family;
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], InterfaceIndex);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Handle);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], Parent);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], Info);
    }

    public static TcMsg Read(ReadOnlySpan<byte> payload)
    {
        Expect(payload, Length, "tcmsg");
        return new TcMsg(
            payload[0],
            BinaryPrimitives.ReadInt32LittleEndian(payload[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[12..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[16..]));
    }

    internal static void Expect(ReadOnlySpan<byte> payload, int length, string name)
    {
        if (payload.Length < length)
        {
            throw new NetlinkDecodeException($"message of {payload.Length} bytes is shorter than its {name} ({length})");
        }
    }
}

/// <summary>struct ifinfomsg (linux/rtnetlink.h): the family header of link messages.</summary>
public readonly record struct IfInfoMsg(byte Family, ushort Type, int Index, uint Flags, uint Change) : INetlinkStruct
{
    public const int Length = 16;

    public int Size => Length;

    public void WriteTo(Span<byte> destination)
    {
        destination[0] = Family;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], Type);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], Index);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Flags);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], Change);
    }

    public static IfInfoMsg Read(ReadOnlySpan<byte> payload)
    {
        TcMsg.Expect(payload, Length, "ifinfomsg");
        return new IfInfoMsg(
            payload[0],
            BinaryPrimitives.ReadUInt16LittleEndian(payload[2..]),
            BinaryPrimitives.ReadInt32LittleEndian(payload[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[12..]));
    }
}

/// <summary>struct rtmsg (linux/rtnetlink.h): the family header of route messages.</summary>
public readonly record struct RtMsg(
    byte Family, byte DestinationLength, byte SourceLength, byte Tos, byte Table, byte Protocol, byte Scope, byte Type, uint Flags) : INetlinkStruct
{
    public const int Length = 12;

    public int Size => Length;

    public void WriteTo(Span<byte> destination)
    {
        destination[0] = Family;
        destination[1] = DestinationLength;
        destination[2] = SourceLength;
        destination[3] = Tos;
        destination[4] = Table;
        destination[5] = Protocol;
        destination[6] = Scope;
        destination[7] = Type;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Flags);
    }

    public static RtMsg Read(ReadOnlySpan<byte> payload)
    {
        TcMsg.Expect(payload, Length, "rtmsg");
        return new RtMsg(payload[0], payload[1], payload[2], payload[3], payload[4], payload[5], payload[6], payload[7],
            BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]));
    }
}

/// <summary>struct ndmsg (linux/neighbour.h): the family header of neighbour messages.</summary>
public readonly record struct NdMsg(byte Family, int InterfaceIndex, ushort State, byte Flags, byte Type) : INetlinkStruct
{
    public const int Length = 12;

    public int Size => Length;

    public void WriteTo(Span<byte> destination)
    {
        destination[0] = Family;
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], InterfaceIndex);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], State);
        destination[10] = Flags;
        destination[11] = Type;
    }

    public static NdMsg Read(ReadOnlySpan<byte> payload)
    {
        TcMsg.Expect(payload, Length, "ndmsg");
        return new NdMsg(payload[0], BinaryPrimitives.ReadInt32LittleEndian(payload[4..]),
            BinaryPrimitives.ReadUInt16LittleEndian(payload[8..]), payload[10], payload[11]);
    }
}

/// <summary>struct tcamsg (linux/rtnetlink.h): the family header of standalone action messages.</summary>
public readonly record struct TcaMsg(byte Family) : INetlinkStruct
{
    public const int Length = 4;

    public int Size => Length;

    public void WriteTo(Span<byte> destination) => destination[0] = Family;
}
