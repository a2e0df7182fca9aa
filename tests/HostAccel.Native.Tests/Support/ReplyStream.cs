using System.Buffers.Binary;

namespace HostAccel.Native.Tests.Support;

/// <summary>
/// Reads and edits the messages of one datagram of the kernel's real reply stream, as seen by
/// <c>NetlinkSocket.OnReceive</c>: for the faults the kernel cannot be made to produce on demand.
/// </summary>
internal static class ReplyStream
{
    public const ushort NLMSG_NOOP = 1;
    public const ushort NLMSG_ERROR = 2;

    /// <summary>The nfnetlink message type of an nf_tables message (NFNL_SUBSYS_NFTABLES is 10).</summary>
    public static ushort Nft(ushort message) => (ushort)((10 << 8) | message);

    public readonly record struct Header(int Offset, int Length, ushort Type, ushort Flags, uint Sequence, uint PortId);

    public static List<Header> Headers(Span<byte> datagram)
    {
        var headers = new List<Header>();
        for (int offset = 0; offset + 16 <= datagram.Length;)
        {
            Span<byte> h = datagram[offset..];
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(h);
            if (length < 16 || offset + length > datagram.Length)
            {
                break;
            }

            headers.Add(new Header(offset, length, BinaryPrimitives.ReadUInt16LittleEndian(h[4..]), BinaryPrimitives.ReadUInt16LittleEndian(h[6..]),
                BinaryPrimitives.ReadUInt32LittleEndian(h[8..]), BinaryPrimitives.ReadUInt32LittleEndian(h[12..])));
            offset += (length + 3) & ~3;
        }

        return headers;
    }

    /// <summary>Turns a message into NLMSG_NOOP, which every reader skips: as if the kernel had never sent it.</summary>
    public static void Silence(Span<byte> datagram, Header message) =>
        BinaryPrimitives.WriteUInt16LittleEndian(datagram[(message.Offset + 4)..], NLMSG_NOOP);

    /// <summary>The acknowledgements (NLMSG_ERROR with error 0) in a datagram.</summary>
    public static int Acks(Span<byte> datagram)
    {
        int acks = 0;
        foreach (Header h in Headers(datagram))
        {
            if (h.Type == NLMSG_ERROR && BinaryPrimitives.ReadInt32LittleEndian(datagram[(h.Offset + 16)..]) == 0)
            {
                acks++;
            }
        }

        return acks;
    }

    /// <summary>
    /// Replaces the datagram with the error a kernel sends when it refuses the request outright, addressed as the
    /// given message was; returns the new length of the datagram.
    /// </summary>
    public static int Refuse(Span<byte> datagram, Header message, ushort requestType, int errno)
    {
        Span<byte> m = datagram[..36];
        BinaryPrimitives.WriteUInt32LittleEndian(m, 36);
        BinaryPrimitives.WriteUInt16LittleEndian(m[4..], NLMSG_ERROR);
        BinaryPrimitives.WriteUInt16LittleEndian(m[6..], 0x100); // NLM_F_CAPPED: the original header only
        BinaryPrimitives.WriteUInt32LittleEndian(m[8..], message.Sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(m[12..], message.PortId);
        BinaryPrimitives.WriteInt32LittleEndian(m[16..], -errno);
        BinaryPrimitives.WriteUInt32LittleEndian(m[20..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(m[24..], requestType);
        BinaryPrimitives.WriteUInt16LittleEndian(m[26..], 0x301); // NLM_F_REQUEST | NLM_F_DUMP
        BinaryPrimitives.WriteUInt32LittleEndian(m[28..], message.Sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(m[32..], message.PortId);
        return 36;
    }
}
