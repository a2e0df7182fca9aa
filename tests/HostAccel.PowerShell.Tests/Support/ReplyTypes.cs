using System.Buffers.Binary;

namespace HostAccel.PowerShell.Tests.Support;

/// <summary>
/// The message types of one datagram of the kernel's real reply stream, as a <c>NetlinkSocket.OnReceive</c> hook sees
/// it, and a way to silence one message: to fail or drop a chosen reply the kernel cannot be made to fail on demand.
/// </summary>
internal static class ReplyTypes
{
    public const ushort NlmsgNoop = 1;
    public const ushort NlmsgError = 2;

    /// <summary>The type of an nf_tables message (subsystem 10).</summary>
    public static ushort Nft(ushort message) => (ushort)((10 << 8) | message);

    /// <summary>Each message of the datagram: its offset and type.</summary>
    public static List<(int Offset, ushort Type)> Messages(Span<byte> datagram)
    {
        var messages = new List<(int, ushort)>();
        for (int offset = 0; offset + 16 <= datagram.Length;)
        {
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(datagram[offset..]);
            if (length < 16 || offset + length > datagram.Length)
            {
                break;
            }

            messages.Add((offset, BinaryPrimitives.ReadUInt16LittleEndian(datagram[(offset + 4)..])));
            offset += (length + 3) & ~3;
        }

        return messages;
    }

    /// <summary>Turns the message at <paramref name="offset"/> into NLMSG_NOOP, which every reader skips.</summary>
    public static void Silence(Span<byte> datagram, int offset) =>
        BinaryPrimitives.WriteUInt16LittleEndian(datagram[(offset + 4)..], NlmsgNoop);
}
