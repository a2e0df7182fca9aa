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

    /// <summary>
    /// Parses "a.b.c.d/n", "a.b.c.d" (a /32), "x::y/n" or "x::y" (a /128), and nothing else: what different programs
    /// would read differently is refused with the reason. An IPv4 octet with a leading zero ("010") is octal to nft and
    /// inet_aton (8) and decimal to others (10) — the ambiguity behind CVE-2021-29923 — so it is refused, as is a prefix
    /// length with one. Brackets, ports ("[fd00::]:80", "10.0.0.1:80") and zone indexes ("fe80::1%eth0") belong to
    /// socket addresses, not prefixes; .NET's own parser would drop them silently. Leading and trailing white space is
    /// ignored.
    /// </summary>
    public static bool TryParse(string? text, out IpPrefix prefix, [NotNullWhen(false)] out string? error) =>
        TryParse(text, out prefix, out error, out _);

    /// <summary>As <see cref="TryParse(string?, out IpPrefix, out string?)"/>; <paramref name="hostBitsSet"/> tells a prefix with host bits set (which has a canonical form to suggest) from text that is no CIDR at all.</summary>
    public static bool TryParse(string? text, out IpPrefix prefix, [NotNullWhen(false)] out string? error, out bool hostBitsSet)
    {
        prefix = default;
        hostBitsSet = false;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "an empty string is not a CIDR";
            return false;
        }

        string trimmed = text.Trim();
        int slash = trimmed.IndexOf('/', StringComparison.Ordinal);
        string addressText = slash < 0 ? trimmed : trimmed[..slash];
        if (!TryParseAddress(addressText, out bool isV6, out UInt128 value, out string? reason))
        {
            error = $"'{text}' is not a CIDR: '{addressText}' is not {reason}";
            return false;
        }

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

            if (lengthText.Length > 1 && lengthText[0] == '0')
            {
                error = $"'{text}' is not a CIDR: the prefix length '{lengthText}' has a leading zero; write {length}";
                return false;
            }
        }

        if ((value & HostMask(bits, length)) != 0)
        {
            var canonical = new IpPrefix(isV6, value & ~HostMask(bits, length), length);
            error = $"'{text}' has host bits set: did you mean {canonical}?";
            hostBitsSet = true;
            return false;
        }

        prefix = new IpPrefix(isV6, value, length);
        error = null;
        return true;
    }

    /// <summary>A plain IPv4 or IPv6 address; <paramref name="reason"/> completes "'…' is not …".</summary>
    private static bool TryParseAddress(string text, out bool isV6, out UInt128 value, [NotNullWhen(false)] out string? reason)
    {
        value = 0;
        isV6 = text.Contains(':', StringComparison.Ordinal);
        if (text.Contains('[', StringComparison.Ordinal) || text.Contains(']', StringComparison.Ordinal))
        {
            reason = "an IP address: brackets (and a port after them) make a socket address, not a prefix";
            return false;
        }

        if (text.Contains('%', StringComparison.Ordinal))
        {
            reason = "an IP address: a zone index (%…) names a link and is not part of an address";
            return false;
        }

        if (!isV6)
        {
            if (!TryParseDottedQuad(text, out uint v4, out reason))
            {
                return false;
            }

            value = v4;
            return true;
        }

        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (text.Count(c => c == ':') == 1 && TryParseDottedQuad(text[..colon], out _, out _))
        {
            reason = "an IP address: a port (after ':') belongs to a socket address, not a prefix";
            return false;
        }

        if (text.Any(c => !(char.IsAsciiHexDigit(c) || c is ':' or '.')))
        {
            reason = "an IP address";
            return false;
        }

        int lastColon = text.LastIndexOf(':');
        if (text.Contains('.', StringComparison.Ordinal) && !TryParseDottedQuad(text[(lastColon + 1)..], out _, out string? tail))
        {
            reason = tail.StartsWith("a plain", StringComparison.Ordinal) ? tail : "an IP address: its IPv4 tail is not a dotted quad";
            return false;
        }

        if (!IPAddress.TryParse(text, out IPAddress? address) || address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            reason = "an IP address";
            return false;
        }

        value = FromBytes(address.GetAddressBytes());
        reason = null;
        return true;
    }

    /// <summary>Four decimal octets of 0 to 255, without leading zeros.</summary>
    private static bool TryParseDottedQuad(string text, out uint value, [NotNullWhen(false)] out string? reason)
    {
        value = 0;
        string[] octets = text.Split('.');
        if (octets.Length != 4 || octets.Any(o => o.Length is 0 or > 3 || !o.All(char.IsAsciiDigit)))
        {
            reason = "a dotted-quad IPv4 address";
            return false;
        }

        foreach (string octet in octets)
        {
            int n = int.Parse(octet, System.Globalization.CultureInfo.InvariantCulture);
            if (octet.Length > 1 && octet[0] == '0')
            {
                reason = $"a plain address: the octet '{octet}' has a leading zero, which nft and inet_aton read as octal and others as decimal; write {n} if that is what is meant";
                return false;
            }

            if (n > 255)
            {
                reason = $"a dotted-quad IPv4 address: {octet} is above 255";
                return false;
            }

            value = (value << 8) | (uint)n;
        }

        reason = null;
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
