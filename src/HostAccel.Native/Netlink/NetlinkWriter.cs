using System.Buffers.Binary;
using System.Text;
using static HostAccel.Native.Netlink.NetlinkConstants;

namespace HostAccel.Native.Netlink;

/// <summary>
/// Builds netlink messages and their attributes into one growing buffer: the only place in the library that lays out
/// bytes. Numbers that the kernel reads in network order are written big-endian by the <c>Be</c> methods.
/// </summary>
public sealed class NetlinkWriter
{
    private byte[] _buffer;
    private int _length;

    public NetlinkWriter(int capacity = 4096)
    {
        _buffer = new byte[Math.Max(capacity, 64)];
    }

    public int Length => _length;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    public void Clear() => _length = 0;

    /// <summary>Starts a message: the 16-byte header whose length <see cref="EndMessage"/> fills in.</summary>
    public int BeginMessage(ushort type, ushort flags, uint sequence)
    {
        int start = _length;
        Span<byte> header = Reserve(NLMSG_HDRLEN);
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], 0);
        return start;
    }

    /// <summary>The nfgenmsg that follows the header of every nfnetlink message.</summary>
    public void WriteNfGenMsg(byte family, ushort resourceId = 0)
    {
        Span<byte> span = Reserve(4);
        span[0] = family;
        span[1] = NFNETLINK_V0;
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], resourceId);
    }

    /// <summary>
    /// A fixed C struct after the message header: the family header of an rtnetlink message (tcmsg, rtmsg …).
    /// </summary>
    public void WriteStruct<T>(in T value)
        where T : INetlinkStruct
    {
        Span<byte> span = Reserve(Align(value.Size));
        span.Clear();
        value.WriteTo(span[..value.Size]);
    }

    public void EndMessage(int start)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(start), checked((uint)(_length - start)));
    }

    public void WriteU8(ushort type, byte value) => WriteAttribute(type, 1)[0] = value;

    public void WriteU16Host(ushort type, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(WriteAttribute(type, 2), value);

    public void WriteU16Be(ushort type, ushort value) => BinaryPrimitives.WriteUInt16BigEndian(WriteAttribute(type, 2), value);

    public void WriteU32Be(ushort type, uint value) => BinaryPrimitives.WriteUInt32BigEndian(WriteAttribute(type, 4), value);

    public void WriteU64Be(ushort type, ulong value) => BinaryPrimitives.WriteUInt64BigEndian(WriteAttribute(type, 8), value);

    /// <summary>A 32-bit number in the host's order, as the kernel stores register data such as an ifindex.</summary>
    public void WriteU32Host(ushort type, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(WriteAttribute(type, 4), value);

    /// <summary>An attribute whose payload is a fixed C struct (struct tc_mirred, tc_pedit_sel …).</summary>
    public void WriteStruct<T>(ushort type, in T value)
        where T : INetlinkStruct
    {
        Span<byte> span = WriteAttribute(type, value.Size);
        span.Clear();
        value.WriteTo(span);
    }

    public void WriteBytes(ushort type, ReadOnlySpan<byte> value) => value.CopyTo(WriteAttribute(type, value.Length));

    /// <summary>A NUL-terminated UTF-8 string, as NLA_NUL_STRING and NLA_STRING attributes of nf_tables expect.</summary>
    public void WriteString(ushort type, string value)
    {
        int count = Encoding.UTF8.GetByteCount(value);
        Span<byte> span = WriteAttribute(type, count + 1);
        Encoding.UTF8.GetBytes(value, span);
        span[count] = 0;
    }

    /// <summary>Opens a nested attribute; disposing the scope fixes its length. NLA_F_NESTED is always set.</summary>
    public NestedScope Nested(ushort type)
    {
        int start = _length;
        Span<byte> header = Reserve(NLA_HDRLEN);
        BinaryPrimitives.WriteUInt16LittleEndian(header, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(header[2..], (ushort)(type | NLA_F_NESTED));
        return new NestedScope(this, start);
    }

    /// <summary>
    /// Opens a nested attribute without NLA_F_NESTED, as iproute2 writes rtnetlink's older nests (TCA_OPTIONS,
    /// TCA_FLOWER_ACT and the numbered actions in it, with addattr_nest). The kernel parses those with
    /// nla_parse_nested_deprecated and takes either; writing them as tc does keeps the bytes comparable with tc's.
    /// </summary>
    public NestedScope NestedWithoutFlag(ushort type)
    {
        int start = _length;
        Span<byte> header = Reserve(NLA_HDRLEN);
        BinaryPrimitives.WriteUInt16LittleEndian(header, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(header[2..], type);
        return new NestedScope(this, start);
    }

    /// <summary>Appends raw bytes, such as an already built message.</summary>
    public void WriteRaw(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    private Span<byte> WriteAttribute(ushort type, int payloadLength)
    {
        int attributeLength = NLA_HDRLEN + payloadLength;
        if (attributeLength > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(payloadLength), $"attribute {type} is {payloadLength} bytes long; netlink attributes hold at most {ushort.MaxValue - NLA_HDRLEN}.");
        }

        int aligned = Align(attributeLength);
        Span<byte> span = Reserve(aligned);
        BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)attributeLength);
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], type);
        span[attributeLength..].Clear();
        return span.Slice(NLA_HDRLEN, payloadLength);
    }

    private Span<byte> Reserve(int count)
    {
        if (_length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        }

        Span<byte> span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }

    private void CloseNested(int start)
    {
        int length = _length - start;
        if (length > ushort.MaxValue)
        {
            throw new InvalidOperationException($"nested attribute is {length} bytes long; netlink attributes hold at most {ushort.MaxValue}.");
        }

        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(start), (ushort)length);
    }

    /// <summary>The open nested attribute; ends it on dispose.</summary>
    public readonly struct NestedScope : IDisposable
    {
        private readonly NetlinkWriter _writer;
        private readonly int _start;

        internal NestedScope(NetlinkWriter writer, int start)
        {
            _writer = writer;
            _start = start;
        }

        public void Dispose() => _writer.CloseNested(_start);
    }
}
