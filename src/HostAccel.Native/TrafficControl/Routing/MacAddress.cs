using System.Buffers.Binary;
using System.Globalization;

namespace HostAccel.Native.TrafficControl.Routing;

/// <summary>A 48-bit Ethernet address, compared by value and written as 02:00:5e:10:00:01.</summary>
public readonly record struct MacAddress
{
    private readonly ulong _value;

    private MacAddress(ulong value)
    {
        _value = value;
    }

    public const int Length = 6;

    public static MacAddress FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            throw new ArgumentException($"an Ethernet address has {Length} bytes, not {bytes.Length}", nameof(bytes));
        }

        Span<byte> padded = stackalloc byte[8];
        padded.Clear();
        bytes.CopyTo(padded[2..]);
        return new MacAddress(BinaryPrimitives.ReadUInt64BigEndian(padded));
    }

    /// <summary>Parses "02:00:5e:10:00:01" (or with dashes).</summary>
    public static MacAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split(':', '-');
        if (parts.Length != Length || parts.Any(p => p.Length is 0 or > 2))
        {
            throw new FormatException($"'{text}' is not an Ethernet address");
        }

        byte[] bytes = parts.Select(p => byte.Parse(p, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
        return FromBytes(bytes);
    }

    public byte[] GetBytes()
    {
        byte[] padded = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(padded, _value);
        return padded[2..];
    }

    /// <summary>Group (multicast or broadcast) addresses have the low bit of the first byte set.</summary>
    public bool IsGroup => ((_value >> 40) & 1) != 0;

    public bool IsZero => _value == 0;

    public override string ToString() => string.Join(':', GetBytes().Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
}
