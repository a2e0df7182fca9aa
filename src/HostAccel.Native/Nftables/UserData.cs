using System.Text;
using HostAccel.Native.Netlink;

namespace HostAccel.Native.Nftables;

/// <summary>
/// libnftnl's userdata: a run of (u8 type, u8 length, value) records that the kernel stores opaquely and `nft`
/// reads comments and set properties from. Strings are stored with their terminating NUL, as nft writes them.
/// </summary>
internal static class UserData
{
    /// <summary>nft refuses longer comments (NFTNL_UDATA_COMMENT_MAXLEN).</summary>
    internal const int MaxCommentLength = 128;

    internal static void WriteComment(ushort attribute, byte commentType, string comment, NetlinkWriter writer)
    {
        Span<byte> buffer = stackalloc byte[2 + MaxCommentLength * 4 + 1];
        int length = PutString(buffer, commentType, comment);
        writer.WriteBytes(attribute, buffer[..length]);
    }

    internal static int PutString(Span<byte> buffer, byte type, string value)
    {
        int count = Encoding.UTF8.GetByteCount(value);
        if (count + 1 > byte.MaxValue)
        {
            throw new ArgumentException($"userdata string of {count} bytes does not fit a record", nameof(value));
        }

        buffer[0] = type;
        buffer[1] = (byte)(count + 1);
        Encoding.UTF8.GetBytes(value, buffer[2..]);
        buffer[2 + count] = 0;
        return 3 + count;
    }

    internal static int PutU32(Span<byte> buffer, byte type, uint value)
    {
        buffer[0] = type;
        buffer[1] = 4;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(buffer[2..], value);
        return 6;
    }

    /// <summary>The string value of the first record of <paramref name="type"/>, or null.</summary>
    internal static string? FindString(ReadOnlySpan<byte> data, byte type)
    {
        ReadOnlySpan<byte> value = Find(data, type);
        if (value.IsEmpty)
        {
            return null;
        }

        int nul = value.IndexOf((byte)0);
        return Encoding.UTF8.GetString(nul < 0 ? value : value[..nul]);
    }

    internal static ReadOnlySpan<byte> Find(ReadOnlySpan<byte> data, byte type)
    {
        int offset = 0;
        while (offset + 2 <= data.Length)
        {
            byte recordType = data[offset];
            byte length = data[offset + 1];
            if (offset + 2 + length > data.Length)
            {
                // A malformed record belongs to whoever wrote it; it hides no comment of ours.
                return ReadOnlySpan<byte>.Empty;
            }

            if (recordType == type)
            {
                return data.Slice(offset + 2, length);
            }

            offset += 2 + length;
        }

        return ReadOnlySpan<byte>.Empty;
    }
}
