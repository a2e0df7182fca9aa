using System.Buffers.Binary;
using HostAccel.Native.Interop;
using static HostAccel.Native.Netlink.NetlinkConstants;

namespace HostAccel.Native.Netlink;

/// <summary>The decoded body of an NLMSG_ERROR message: an ACK when <see cref="Errno"/> is None.</summary>
public readonly record struct NetlinkError(Errno Errno, uint OriginalSequence, ushort OriginalType, string? ExtAckMessage, int? Offset)
{
    public bool IsAck => Errno == Errno.None;

    public static NetlinkError Decode(in NetlinkMessage message)
    {
        ReadOnlySpan<byte> payload = message.Payload;
        if (payload.Length < 4 + NLMSG_HDRLEN)
        {
            throw new NetlinkDecodeException($"NLMSG_ERROR of {payload.Length} bytes is shorter than errno and the original header");
        }

        int error = BinaryPrimitives.ReadInt32LittleEndian(payload);
        if (error > 0)
        {
            throw new NetlinkDecodeException($"NLMSG_ERROR carries a positive error {error}");
        }

        ReadOnlySpan<byte> original = payload.Slice(4, NLMSG_HDRLEN);
        uint originalLength = BinaryPrimitives.ReadUInt32LittleEndian(original);
        ushort originalType = BinaryPrimitives.ReadUInt16LittleEndian(original[4..]);
        uint originalSequence = BinaryPrimitives.ReadUInt32LittleEndian(original[8..]);

        int tlvStart = 4 + NLMSG_HDRLEN;
        if ((message.Flags & NLM_F_CAPPED) == 0 && error != 0)
        {
            // Without NETLINK_CAP_ACK the kernel echoes the whole offending message before the TLVs.
            if (originalLength < NLMSG_HDRLEN || originalLength > payload.Length - 4)
            {
                throw new NetlinkDecodeException($"NLMSG_ERROR echoes a message of {originalLength} bytes in {payload.Length - 4}");
            }

            tlvStart = 4 + Align((int)originalLength);
        }

        (string? text, int? offset) = (message.Flags & NLM_F_ACK_TLVS) != 0 && tlvStart < payload.Length
            ? ReadExtAck(payload[tlvStart..])
            : (null, null);
        return new NetlinkError((Errno)(-error), originalSequence, originalType, text, offset);
    }

    /// <summary>The extended ACK's text and offset (NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS) in <paramref name="tlvs"/>:
    /// after an NLMSG_ERROR's header, or after the errno of an NLMSG_DONE that ends a failed dump.</summary>
    internal static (string? Text, int? Offset) ReadExtAck(ReadOnlySpan<byte> tlvs)
    {
        string? text = null;
        int? offset = null;
        var reader = new AttributeReader(tlvs);
        while (reader.Next())
        {
            switch (reader.Type)
            {
                case NLMSGERR_ATTR_MSG:
                    text = reader.GetString();
                    break;
                case NLMSGERR_ATTR_OFFS:
                    offset = (int)reader.GetU32Host();
                    break;
            }
        }

        return (text, offset);
    }
}
