using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace HostAccel.Native.Nftables;

/// <summary>
/// An IPv4 or IPv6 prefix in canonical form (no host bits set). Parsing is strict on purpose: "10.0.0.1/24" is an
/// error, not 10.0.0.0/24, because a CIDR with host bits set is almost always a typo in someone's inventory.
/// </summary>
public readonly record struct IpPrefix : IComparable<IpPrefix>
{
    private IpPrefix(bool isV6, UInt128 value, int length)
    {
        IsIPv6 = isV6;
        Value = value;
        Length = length;
    }

    public bool IsIPv6 { get; }

    /// <summary>The address as a number, IPv4 in the low 32 bits.</summary>
    public UInt128 Value { get; }

    /// <summary>The prefix length in bits.</summary>
    public int Length { get; }

    public int AddressBits => IsIPv6 ? 128 : 32;

    public int AddressBytes => IsIPv6 ? 16 : 4;

    public NftFamily Family => IsIPv6 ? NftFamily.Ip6 : NftFamily.Ip;

    /// <summary>The first address after the prefix, or null when the prefix reaches the end of the address space.</summary>
    public UInt128? EndExclusive
    {
        get
        {
            UInt128 size = UInt128.One << (AddressBits - Length);
            UInt128 end = Value + size;
            UInt128 max = IsIPv6 ? UInt128.MaxValue : uint.MaxValue;
            if (AddressBits - Length == 128 || end - 1 == max)
            {
                return null;
            }

            return end;
        }
    }

    public UInt128 Last => Value + ((AddressBits - Length == 128 ? UInt128.MaxValue : (UInt128.One << (AddressBits - Length)) - 1));

    public IPAddress Address => new(ToBytes(Value, IsIPv6));

    public static IpPrefix Create(bool isV6, UInt128 value, int length)
    {
        int bits = isV6 ? 128 : 32;
        if (length < 0 || length > bits)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"prefix length {length} is outside 0..{bits}");
        }

        if (!isV6 && value > uint.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(value), "IPv4 address above 255.255.255.255");
        }

        if ((value & HostMask(bits, length)) != 0)
        {
            throw new ArgumentException($"{Format(isV6, value, length)} has host bits set beyond /{length}", nameof(value));
        }

        return new IpPrefix(isV6, value, length);
    }

    /// <summary>A prefix, or false when the length is out of range or host bits are set (a rule read from the kernel may hold either).</summary>
    public static bool TryCreate(bool isV6, UInt128 value, int length, out IpPrefix prefix)
    {
        int bits = isV6 ? 128 : 32;
        prefix = default;
        if (length < 0 || length > bits || (!isV6 && value > uint.MaxValue) || (value & HostMask(bits, length)) != 0)
        {
            return false;
        }

        prefix = new IpPrefix(isV6, value, length);
        return true;
    }

    public static IpPrefix Parse(string text) =>
        TryParse(text, out IpPrefix prefix, out string? error) ? prefix : throw new FormatException(error);

    /// <summary>Parses "a.b.c.d/n", "a.b.c.d" (a /32), "x::y/n" or "x::y" (a /128).</summary>
    public static bool TryParse(string? text, out IpPrefix prefix, [NotNullWhen(false)] out string? error)
    {
        prefix = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "an empty string is not a CIDR";
            return false;
        }

        string trimmed = text.Trim();
        int slash = trimmed.IndexOf('/', StringComparison.Ordinal);
        string addressText = slash < 0 ? trimmed : trimmed[..slash];
        bool looksV4 = !addressText.Contains(':', StringComparison.Ordinal);
        if (looksV4 && (addressText.Count(c => c == '.') != 3 || addressText.Any(c => c is not ('.' or (>= '0' and <= '9')))))
        {
            error = $"'{text}' is not a CIDR: '{addressText}' is not a dotted-quad IPv4 address";
            return false;
        }

        if (!IPAddress.TryParse(addressText, out IPAddress? address) || addressText.Contains('%', StringComparison.Ordinal))
        {
            error = $"'{text}' is not a CIDR: '{addressText}' is not an IP address";
            return false;
        }

        bool isV6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        int bits = isV6 ? 128 : 32;
        int length = bits;
        if (slash >= 0)
        {
            string lengthText = trimmed[(slash + 1)..];
            if (lengthText.Length is 0 or > 3 || !lengthText.All(char.IsAsciiDigit) || !int.TryParse(lengthText, out length) || length > bits)
            {
                error = $"'{text}' is not a CIDR: the prefix length must be a number from 0 to {bits}";
                return false;
            }
        }

        UInt128 value = FromBytes(address.GetAddressBytes());
        if ((value & HostMask(bits, length)) != 0)
        {
            var canonical = new IpPrefix(isV6, value & ~HostMask(bits, length), length);
            error = $"'{text}' has host bits set: did you mean {canonical}?";
            return false;
        }

        prefix = new IpPrefix(isV6, value, length);
        error = null;
        return true;
    }

    public byte[] GetAddressBytes() => ToBytes(Value, IsIPv6);

    public bool Contains(IpPrefix other) =>
        other.IsIPv6 == IsIPv6 && other.Length >= Length && other.Value >= Value && other.Last <= Last;

    public bool Overlaps(IpPrefix other) =>
        other.IsIPv6 == IsIPv6 && other.Value <= Last && Value <= other.Last;

    public int CompareTo(IpPrefix other)
    {
        int byFamily = IsIPv6.CompareTo(other.IsIPv6);
        if (byFamily != 0)
        {
            return byFamily;
        }

        int byValue = Value.CompareTo(other.Value);
        return byValue != 0 ? byValue : Length.CompareTo(other.Length);
    }

    public override string ToString() => Format(IsIPv6, Value, Length);

    internal static UInt128 HostMask(int bits, int length) =>
        bits - length == 128 ? UInt128.MaxValue : (UInt128.One << (bits - length)) - 1;

    internal static UInt128 FromBytes(ReadOnlySpan<byte> bytes) => bytes.Length switch
    {
        4 => BinaryPrimitives.ReadUInt32BigEndian(bytes),
        16 => BinaryPrimitives.ReadUInt128BigEndian(bytes),
        _ => throw new ArgumentException($"an address has 4 or 16 bytes, not {bytes.Length}", nameof(bytes)),
    };

    internal static byte[] ToBytes(UInt128 value, bool isV6)
    {
        byte[] bytes = new byte[isV6 ? 16 : 4];
        WriteBytes(value, isV6, bytes);
        return bytes;
    }

    internal static void WriteBytes(UInt128 value, bool isV6, Span<byte> destination)
    {
        if (isV6)
        {
            BinaryPrimitives.WriteUInt128BigEndian(destination, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)value);
        }
    }

    private static string Format(bool isV6, UInt128 value, int length) =>
        $"{new IPAddress(ToBytes(value, isV6))}/{length}";

    public static bool operator <(IpPrefix left, IpPrefix right) => left.CompareTo(right) < 0;

    public static bool operator >(IpPrefix left, IpPrefix right) => left.CompareTo(right) > 0;

    public static bool operator <=(IpPrefix left, IpPrefix right) => left.CompareTo(right) <= 0;

    public static bool operator >=(IpPrefix left, IpPrefix right) => left.CompareTo(right) >= 0;
}
