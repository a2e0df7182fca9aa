using System.Buffers.Binary;
using static HostAccel.Native.Netlink.NetlinkConstants;

namespace HostAccel.Native.Netlink;

/// <summary>One message of a received datagram: its header fields and the bytes after the header.</summary>
public readonly ref struct NetlinkMessage
{
    public NetlinkMessage(ushort type, ushort flags, uint sequence, uint portId, ReadOnlySpan<byte> payload)
    {
        Type = type;
        Flags = flags;
        Sequence = sequence;
        PortId = portId;
        Payload = payload;
    }

    public ushort Type { get; }

    public ushort Flags { get; }

    public uint Sequence { get; }

    public uint PortId { get; }

    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>For nfnetlink messages: the family byte of the nfgenmsg.</summary>
    public byte Family => Payload.Length >= 4 ? Payload[0] : throw new NetlinkDecodeException("message shorter than its nfgenmsg");

    /// <summary>For nfnetlink messages: the attributes after the nfgenmsg.</summary>
    public AttributeReader Attributes => Payload.Length >= 4
        ? new AttributeReader(Payload[4..])
        : throw new NetlinkDecodeException("message shorter than its nfgenmsg");

    /// <summary>Splits a datagram into its messages, checking every length.</summary>
    public static Enumerator Parse(ReadOnlySpan<byte> datagram) => new(datagram);

    public ref struct Enumerator
    {
        private readonly ReadOnlySpan<byte> _data;
        private int _offset;

        internal Enumerator(ReadOnlySpan<byte> data)
        {
            _data = data;
            _offset = 0;
            Current = default;
        }

        public NetlinkMessage Current { get; private set; }

        public readonly Enumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            if (_offset >= _data.Length)
            {
                return false;
            }

            ReadOnlySpan<byte> rest = _data[_offset..];
            if (rest.Length < NLMSG_HDRLEN)
            {
                throw new NetlinkDecodeException($"message header truncated: {rest.Length} bytes left at offset {_offset}");
            }

            uint length = BinaryPrimitives.ReadUInt32LittleEndian(rest);
            if (length < NLMSG_HDRLEN || length > rest.Length)
            {
                throw new NetlinkDecodeException($"message at offset {_offset} claims {length} bytes, {rest.Length} are left");
            }

            Current = new NetlinkMessage(
                BinaryPrimitives.ReadUInt16LittleEndian(rest[4..]),
                BinaryPrimitives.ReadUInt16LittleEndian(rest[6..]),
                BinaryPrimitives.ReadUInt32LittleEndian(rest[8..]),
                BinaryPrimitives.ReadUInt32LittleEndian(rest[12..]),
                rest[NLMSG_HDRLEN..(int)length]);
            _offset += Math.Min(Align((int)length), rest.Length);
            return true;
        }
    }
}
