using System.Buffers.Binary;
using System.Text;
using static HostAccel.Native.Netlink.NetlinkConstants;

namespace HostAccel.Native.Netlink;

/// <summary>
/// Walks the attributes of a message or of a nested attribute. Unknown types are the caller's to skip; lengths are
/// checked before anything is read, and a malformed attribute raises <see cref="NetlinkDecodeException"/>.
/// </summary>
public ref struct AttributeReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _offset;

    public AttributeReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _offset = 0;
        Type = 0;
        Payload = default;
        IsNested = false;
    }

    /// <summary>The current attribute's type with the NLA_F_NESTED and NLA_F_NET_BYTEORDER bits removed.</summary>
    public ushort Type { get; private set; }

    public bool IsNested { get; private set; }

    /// <summary>All the bytes this reader walks, whatever has been read.</summary>
    public readonly ReadOnlySpan<byte> All => _data;

    public ReadOnlySpan<byte> Payload { get; private set; }

    public bool Next()
    {
        if (_offset >= _data.Length)
        {
            return false;
        }

        if (_data.Length - _offset < NLA_HDRLEN)
        {
            throw new NetlinkDecodeException($"attribute header truncated: {_data.Length - _offset} bytes left at offset {_offset}");
        }

        ushort length = BinaryPrimitives.ReadUInt16LittleEndian(_data[_offset..]);
        ushort rawType = BinaryPrimitives.ReadUInt16LittleEndian(_data[(_offset + 2)..]);
        if (length < NLA_HDRLEN || length > _data.Length - _offset)
        {
            throw new NetlinkDecodeException($"attribute {rawType & NLA_TYPE_MASK} at offset {_offset} claims {length} bytes, {_data.Length - _offset} are left");
        }

        Type = (ushort)(rawType & NLA_TYPE_MASK);
        IsNested = (rawType & NLA_F_NESTED) != 0;
        Payload = _data.Slice(_offset + NLA_HDRLEN, length - NLA_HDRLEN);
        _offset = Math.Min(_data.Length, _offset + Align(length));
        return true;
    }

    public readonly byte GetU8() => Expect(1)[0];

    public readonly ushort GetU16Be() => BinaryPrimitives.ReadUInt16BigEndian(Expect(2));

    public readonly uint GetU32Be() => BinaryPrimitives.ReadUInt32BigEndian(Expect(4));

    public readonly ulong GetU64Be() => BinaryPrimitives.ReadUInt64BigEndian(Expect(8));

    public readonly uint GetU32Host() => BinaryPrimitives.ReadUInt32LittleEndian(Expect(4));

    public readonly ushort GetU16Host() => BinaryPrimitives.ReadUInt16LittleEndian(Expect(2));

    public readonly ulong GetU64Host() => BinaryPrimitives.ReadUInt64LittleEndian(Expect(8));

    /// <summary>The string up to its terminating NUL (or the whole payload when there is none).</summary>
    public readonly string GetString()
    {
        ReadOnlySpan<byte> payload = Payload;
        int nul = payload.IndexOf((byte)0);
        return Encoding.UTF8.GetString(nul < 0 ? payload : payload[..nul]);
    }

    public readonly AttributeReader Nested() => new(Payload);

    private readonly ReadOnlySpan<byte> Expect(int length)
    {
        if (Payload.Length < length)
        {
            throw new NetlinkDecodeException($"attribute {Type} holds {Payload.Length} bytes, {length} expected");
        }

        return Payload[..length];
    }
}
