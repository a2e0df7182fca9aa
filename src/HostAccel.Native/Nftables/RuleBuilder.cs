using System.Buffers.Binary;
using System.Text;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;

namespace HostAccel.Native.Nftables;

/// <summary>
/// Builds a rule from nft's statements, emitting the expressions nft itself emits for them, so that `nft list`
/// shows exactly the statement written. Devices in <c>iif</c>/<c>oif</c> are indexes, resolved by the caller in
/// the right namespace: the kernel compares numbers.
/// </summary>
public sealed class RuleBuilder
{
    private readonly NftFamily _family;
    private readonly string _table;
    private readonly string _chain;
    private readonly List<Expression> _expressions = [];
    private NftFamily? _l3;

    public RuleBuilder(NftFamily family, string table, string chain)
    {
        _family = family;
        _table = table;
        _chain = chain;
        _l3 = family is NftFamily.Ip or NftFamily.Ip6 ? family : null;
    }

    /// <summary><c>iif "name"</c>, by the device's index.</summary>
    public RuleBuilder Iif(uint index) => MetaCompare(MetaKey.Iif, Host32(index));

    /// <summary><c>oif "name"</c>, by the device's index.</summary>
    public RuleBuilder Oif(uint index) => MetaCompare(MetaKey.Oif, Host32(index));

    /// <summary><c>iifname "name"</c>: a string compare, valid before the device exists.</summary>
    public RuleBuilder IifName(string name) => MetaCompare(MetaKey.IifName, DeviceName(name));

    public RuleBuilder OifName(string name) => MetaCompare(MetaKey.OifName, DeviceName(name));

    /// <summary><c>meta nfproto ipv4|ipv6</c>; in an inet table it also selects which addresses follow.</summary>
    public RuleBuilder NfProto(NftFamily l3)
    {
        if (l3 is not (NftFamily.Ip or NftFamily.Ip6))
        {
            throw new ArgumentOutOfRangeException(nameof(l3), $"meta nfproto is ipv4 or ipv6, not {l3.ToNftName()}");
        }

        _l3 = l3;
        return MetaCompare(MetaKey.NfProto, [(byte)l3]);
    }

    /// <summary><c>meta l4proto tcp</c> and the like, by protocol number.</summary>
    public RuleBuilder L4Proto(byte protocol) => MetaCompare(MetaKey.L4Proto, [protocol]);

    /// <summary><c>ip saddr 10.244.2.0/24</c> or <c>ip6 saddr …</c>.</summary>
    public RuleBuilder SourceAddress(IpPrefix prefix) => AddressMatch(prefix, source: true);

    public RuleBuilder DestinationAddress(IpPrefix prefix) => AddressMatch(prefix, source: false);

    /// <summary><c>ip saddr @set</c> for an address set of the given IP version.</summary>
    public RuleBuilder SourceInSet(string set, bool ipv6) => SetMatch(set, ipv6, source: true);

    public RuleBuilder DestinationInSet(string set, bool ipv6) => SetMatch(set, ipv6, source: false);

    /// <summary><c>ct state established,related</c>.</summary>
    public RuleBuilder CtState(CtState states)
    {
        byte[] mask = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(mask, (uint)states);
        _expressions.Add(new CtExpression(CtKey.State));
        _expressions.Add(new BitwiseExpression(Register.R1, Register.R1, mask, new byte[4]));
        _expressions.Add(new CmpExpression(Register.R1, CmpOp.Neq, new byte[4]));
        return this;
    }

    /// <summary>
    /// <c>ct packets &gt; N</c>: the connection has seen more than N packets. nft loads the 64-bit host-order count,
    /// swaps it to network order and compares it big-endian, so that cmp's byte-by-byte order is the numbers' order.
    /// </summary>
    public RuleBuilder CtPacketsGreaterThan(ulong packets)
    {
        byte[] value = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(value, packets);
        _expressions.Add(new CtExpression(CtKey.Packets));
        _expressions.Add(new ByteorderExpression(Register.R1, Register.R1, ByteorderOp.Hton, 8, 8));
        _expressions.Add(new CmpExpression(Register.R1, CmpOp.Gt, value));
        return this;
    }

    /// <summary><c>flow add @flowtable</c>.</summary>
    public RuleBuilder FlowAdd(string flowtable)
    {
        _expressions.Add(new FlowOffloadExpression(flowtable));
        return this;
    }

    public RuleBuilder Counter()
    {
        _expressions.Add(new CounterExpression());
        return this;
    }

    public RuleBuilder Accept() => Verdict(VerdictCode.Accept);

    public RuleBuilder Drop() => Verdict(VerdictCode.Drop);

    public RuleBuilder Verdict(VerdictCode verdict, string? chain = null)
    {
        _expressions.Add(new ImmediateExpression(verdict, chain));
        return this;
    }

    public NftRule Build(string? comment = null)
    {
        if (comment is not null && Encoding.UTF8.GetByteCount(comment) > UserData.MaxCommentLength)
        {
            throw new ArgumentException($"comment is {Encoding.UTF8.GetByteCount(comment)} bytes; nft keeps at most {UserData.MaxCommentLength}", nameof(comment));
        }

        return new NftRule(_family, _table, _chain, _expressions.ToArray()) { Comment = comment };
    }

    private RuleBuilder MetaCompare(MetaKey key, byte[] value)
    {
        _expressions.Add(new MetaExpression(key));
        _expressions.Add(new CmpExpression(Register.R1, CmpOp.Eq, value));
        return this;
    }

    private RuleBuilder AddressMatch(IpPrefix prefix, bool source)
    {
        RequireL3(prefix.IsIPv6);
        if (prefix.Length == 0)
        {
            // nft drops a match on everything rather than load bytes it does not compare.
            return this;
        }

        byte[] address = prefix.GetAddressBytes();
        uint offset = AddressOffset(prefix.IsIPv6, source);
        if (prefix.Length % 8 == 0)
        {
            // On a byte boundary nft loads only the prefix's bytes and compares them.
            int bytes = prefix.Length / 8;
            _expressions.Add(new PayloadExpression(PayloadBase.Network, offset, (uint)bytes));
            _expressions.Add(new CmpExpression(Register.R1, CmpOp.Eq, address[..bytes]));
            return this;
        }

        // Elsewhere it loads the whole address and masks it.
        byte[] mask = new byte[address.Length];
        for (int bit = 0; bit < prefix.Length; bit++)
        {
            mask[bit / 8] |= (byte)(0x80 >> (bit % 8));
        }

        _expressions.Add(new PayloadExpression(PayloadBase.Network, offset, (uint)address.Length));
        _expressions.Add(new BitwiseExpression(Register.R1, Register.R1, mask, new byte[address.Length]));
        _expressions.Add(new CmpExpression(Register.R1, CmpOp.Eq, address));
        return this;
    }

    private RuleBuilder SetMatch(string set, bool ipv6, bool source)
    {
        RequireL3(ipv6);
        _expressions.Add(new PayloadExpression(PayloadBase.Network, AddressOffset(ipv6, source), ipv6 ? 16u : 4u));
        _expressions.Add(new LookupExpression(set));
        return this;
    }

    private void RequireL3(bool ipv6)
    {
        NftFamily wanted = ipv6 ? NftFamily.Ip6 : NftFamily.Ip;
        if (_l3 is null && _family == NftFamily.Inet)
        {
            NfProto(wanted);
        }
        else if (_l3 != wanted)
        {
            throw new ArgumentException($"an {(ipv6 ? "IPv6" : "IPv4")} address cannot be matched in a rule of the {(_l3 ?? _family).ToNftName()} family");
        }
    }

    private static uint AddressOffset(bool ipv6, bool source) => (ipv6, source) switch
    {
        (false, true) => 12,
        (false, false) => 16,
        (true, true) => 8,
        (true, false) => 24,
    };

    private static byte[] Host32(uint value)
    {
        byte[] bytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return bytes;
    }

    /// <summary>nft compares interface names as IFNAMSIZ bytes, NUL padded.</summary>
    private static byte[] DeviceName(string name)
    {
        if (string.IsNullOrEmpty(name) || Encoding.UTF8.GetByteCount(name) > Interop.NetworkInterface.MaxNameLength)
        {
            throw new ArgumentException($"'{name}' is not a device name: 1 to {Interop.NetworkInterface.MaxNameLength} bytes", nameof(name));
        }

        byte[] bytes = new byte[Interop.NetworkInterface.MaxNameLength + 1];
        Encoding.UTF8.GetBytes(name, bytes);
        return bytes;
    }
}
