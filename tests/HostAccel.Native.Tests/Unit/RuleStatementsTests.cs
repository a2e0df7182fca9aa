using System.Net;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>
/// The statements read from a rule's expressions: which address, prefix, set, state or device a rule matches on, as
/// the engine reads them (not only how they print).
/// </summary>
public class RuleStatementsTests
{
    private static readonly byte[] Ten = [10, 0, 0, 0];

    private static IReadOnlyList<RuleStatement> Parse(NftFamily family, params Expression[] expressions) =>
        RuleStatements.Parse(new NftRule(family, "t", "c", expressions));

    private static PayloadExpression SourceAddress(int length = 4) => new(PayloadBase.Network, 12, (uint)length);

    [Fact]
    public void ANullRuleIsRefusedNamingTheArgument() =>
        Assert.Equal("rule", Assert.Throws<ArgumentNullException>(() => RuleStatements.Parse(null!)).ParamName);

    [Fact]
    public void OnlyAnIifOrOifCompareOfFourBytesHasADeviceIndex()
    {
        Assert.Equal(4u, new MetaStatement(MetaKey.Iif, CmpOp.Eq, new byte[] { 4, 0, 0, 0 }).InterfaceIndex);
        Assert.Equal(0x01000005u, new MetaStatement(MetaKey.Oif, CmpOp.Neq, new byte[] { 5, 0, 0, 1 }).InterfaceIndex);
        Assert.Null(new MetaStatement(MetaKey.Iif, CmpOp.Eq, new byte[] { 4, 0 }).InterfaceIndex);
        Assert.Null(new MetaStatement(MetaKey.Oif, CmpOp.Eq, new byte[] { 4, 0, 0, 0, 0, 0, 0, 0 }).InterfaceIndex);
        Assert.Null(new MetaStatement(MetaKey.Mark, CmpOp.Eq, new byte[] { 4, 0, 0, 0 }).InterfaceIndex);
        Assert.Null(new MetaStatement(MetaKey.IifName, CmpOp.Eq, new byte[] { 4, 0, 0, 0 }).InterfaceIndex);
    }

    [Fact]
    public void AnAddressAndItsLengthMakeAPrefixOnlyWithoutHostBitsOrASet()
    {
        Assert.Equal(IpPrefix.Parse("10.0.0.0/8"), new AddressStatement(true, NftFamily.Ip, CmpOp.Eq, null, Ten, 8, 4).Prefix);
        Assert.Equal(IpPrefix.Parse("10.1.2.3/32"), new AddressStatement(false, NftFamily.Ip, CmpOp.Eq, null, new byte[] { 10, 1, 2, 3 }, 32, 4).Prefix);
        Assert.Equal(IpPrefix.Parse("2001:db8::/32"),
            new AddressStatement(true, NftFamily.Ip6, CmpOp.Eq, null, IPAddress.Parse("2001:db8::").GetAddressBytes(), 32, 16).Prefix);
        Assert.Equal(IpPrefix.Parse("fd00::1/128"),
            new AddressStatement(true, NftFamily.Ip6, CmpOp.Eq, null, IPAddress.Parse("fd00::1").GetAddressBytes(), 128, 16).Prefix);
        // A shorter load (nft loads only the prefix's bytes) is the start of the address.
        Assert.Equal(IpPrefix.Parse("10.0.0.0/8"), new AddressStatement(true, NftFamily.Ip, CmpOp.Eq, null, new byte[] { 10 }, 8, 1).Prefix);

        Assert.Null(new AddressStatement(true, NftFamily.Ip, CmpOp.Eq, null, new byte[] { 10, 0, 0, 1 }, 8, 4).Prefix);
        Assert.Null(new AddressStatement(true, NftFamily.Ip, CmpOp.Eq, "s", Ten, 8, 4).Prefix);
        Assert.Null(new AddressStatement(true, NftFamily.Ip, CmpOp.Eq, "s", default, 32, 4).Prefix);
        Assert.Null(new AddressStatement(true, NftFamily.Ip, CmpOp.Eq, null, default, 0, 4).Prefix);
        Assert.Null(new AddressStatement(true, NftFamily.Ip, CmpOp.Eq, null, default, 32, 4).Prefix);
    }

    [Fact]
    public void ACtStateMaskAndACtStateCompareAreTold()
    {
        Assert.Equal([new CtStateStatement(CmpOp.Eq, new byte[] { 6, 0, 0, 0 }, Masked: true)], Parse(NftFamily.Ip,
            new CtExpression(CtKey.State), new BitwiseExpression(Register.R1, Register.R1, new byte[] { 6, 0, 0, 0 }, new byte[4]),
            new CmpExpression(Register.R1, CmpOp.Neq, new byte[4])));
        Assert.Equal([new CtStateStatement(CmpOp.Neq, new byte[] { 8, 0, 0, 0 }, Masked: false), new VerdictStatement(new ImmediateExpression(VerdictCode.Drop))],
            Parse(NftFamily.Ip, new CtExpression(CtKey.State), new CmpExpression(Register.R1, CmpOp.Neq, new byte[] { 8, 0, 0, 0 }), new ImmediateExpression(VerdictCode.Drop)));

        // A compare of another register is not about the state loaded.
        var other = new CmpExpression(Register.R2, CmpOp.Eq, new byte[] { 8, 0, 0, 0 });
        Assert.Equal([new OtherStatement(new CtExpression(CtKey.State)), new OtherStatement(other)], Parse(NftFamily.Ip, new CtExpression(CtKey.State), other));
    }

    /// <summary>meta nfproto sets the address family of what follows in an inet rule; no other meta compare does.</summary>
    [Fact]
    public void OnlyAnNfprotoEqualityDecidesTheAddressFamilyOfTheAddressesAfterIt()
    {
        var cmp = new CmpExpression(Register.R1, CmpOp.Eq, Ten);
        var v4 = new AddressStatement(true, NftFamily.Ip, CmpOp.Eq, null, Ten, 32, 4);

        Assert.Equal(v4, Parse(NftFamily.Inet, new MetaExpression(MetaKey.NfProto), new CmpExpression(Register.R1, CmpOp.Eq, new byte[] { 2 }), SourceAddress(), cmp)[1]);
        Assert.Equal([new MetaStatement(MetaKey.NfProto, CmpOp.Eq, new byte[] { 7 }), new OtherStatement(SourceAddress()), new OtherStatement(cmp)],
            Parse(NftFamily.Inet, new MetaExpression(MetaKey.NfProto), new CmpExpression(Register.R1, CmpOp.Eq, new byte[] { 7 }), SourceAddress(), cmp));
        Assert.Equal([new MetaStatement(MetaKey.NfProto, CmpOp.Neq, new byte[] { 2 }), new OtherStatement(SourceAddress()), new OtherStatement(cmp)],
            Parse(NftFamily.Inet, new MetaExpression(MetaKey.NfProto), new CmpExpression(Register.R1, CmpOp.Neq, new byte[] { 2 }), SourceAddress(), cmp));
        // Protocol 10 is not IPv6 when it is an l4proto.
        Assert.Equal(v4, Parse(NftFamily.Ip, new MetaExpression(MetaKey.L4Proto), new CmpExpression(Register.R1, CmpOp.Eq, new byte[] { 10 }), SourceAddress(), cmp)[1]);
        Assert.Equal(new AddressStatement(true, NftFamily.Ip6, CmpOp.Eq, null, new byte[16], 128, 16), Parse(NftFamily.Ip6,
            new MetaExpression(MetaKey.NfProto), new CmpExpression(Register.R1, CmpOp.Eq, new byte[] { 7 }),
            new PayloadExpression(PayloadBase.Network, 8, 16), new CmpExpression(Register.R1, CmpOp.Eq, new byte[16]))[1]);
    }

    [Fact]
    public void FullIPv6AddressesAreReadOnBothFields()
    {
        byte[] address = IPAddress.Parse("fd00::1").GetAddressBytes();
        Assert.Equal([new AddressStatement(false, NftFamily.Ip6, CmpOp.Neq, null, address, 128, 16)],
            Parse(NftFamily.Ip6, new PayloadExpression(PayloadBase.Network, 24, 16), new CmpExpression(Register.R1, CmpOp.Neq, address)));
        Assert.Equal([new AddressStatement(true, NftFamily.Ip6, CmpOp.Eq, null, address, 128, 16)],
            Parse(NftFamily.Ip6, new PayloadExpression(PayloadBase.Network, 8, 16), new CmpExpression(Register.R1, CmpOp.Eq, address)));
    }

    [Fact]
    public void ASetLookupOfTheWholeAddressIsReadWithItsInversion()
    {
        Assert.Equal([new AddressStatement(true, NftFamily.Ip, CmpOp.Eq, "s", default, 32, 4) { Invert = true }],
            Parse(NftFamily.Ip, SourceAddress(), new LookupExpression("s", Invert: true)));
        Assert.Equal([new AddressStatement(false, NftFamily.Ip, CmpOp.Eq, "s", default, 32, 4)],
            Parse(NftFamily.Ip, new PayloadExpression(PayloadBase.Network, 16, 4), new LookupExpression("s")));
        Assert.Equal([new AddressStatement(true, NftFamily.Ip6, CmpOp.Eq, "s6", default, 128, 16)],
            Parse(NftFamily.Ip6, new PayloadExpression(PayloadBase.Network, 8, 16), new LookupExpression("s6")));
    }

    [Fact]
    public void ALookupOrCompareOfAnotherRegisterOrLengthIsNotAnAddressMatch()
    {
        var loadOnly = new AddressStatement(true, NftFamily.Ip, CmpOp.Eq, null, default, 0, 4);
        var lookupR2 = new LookupExpression("s", Register.R2);
        Assert.Equal([loadOnly, new OtherStatement(lookupR2)], Parse(NftFamily.Ip, SourceAddress(), lookupR2));

        var lookup = new LookupExpression("s");
        Assert.Equal([loadOnly with { PayloadLength = 2 }, new OtherStatement(lookup)], Parse(NftFamily.Ip, SourceAddress(2), lookup));

        var cmpR2 = new CmpExpression(Register.R2, CmpOp.Eq, Ten);
        Assert.Equal([loadOnly, new OtherStatement(cmpR2)], Parse(NftFamily.Ip, SourceAddress(), cmpR2));

        var shortCmp = new CmpExpression(Register.R1, CmpOp.Eq, new byte[] { 10, 0 });
        Assert.Equal([loadOnly, new OtherStatement(shortCmp)], Parse(NftFamily.Ip, SourceAddress(), shortCmp));
    }

    [Theory]
    [InlineData("ff000000", 8)]
    [InlineData("fffff000", 20)]
    [InlineData("fffffffe", 31)]
    [InlineData("ffffffff", 32)]
    [InlineData("80000000", 1)]
    [InlineData("00000000", 0)]
    [InlineData("0f000000", null)]
    [InlineData("ff0f0000", null)]
    [InlineData("fff0ff00", null)]
    [InlineData("f000ff00", null)]
    [InlineData("80000001", null)]
    [InlineData("f0f00000", null)]
    public void AMaskIsAPrefixLengthOnlyWhenItsOnesLead(string mask, int? bits)
    {
        var bitwise = new BitwiseExpression(Register.R1, Register.R1, Convert.FromHexString(mask), new byte[4]);
        var cmp = new CmpExpression(Register.R1, CmpOp.Eq, new byte[4]);
        IReadOnlyList<RuleStatement> statements = Parse(NftFamily.Ip, SourceAddress(), bitwise, cmp);
        Assert.Equal(bits is int length
            ? [new AddressStatement(true, NftFamily.Ip, CmpOp.Eq, null, new byte[4], length, 4)]
            : [new AddressStatement(true, NftFamily.Ip, CmpOp.Eq, null, default, 0, 4), new OtherStatement(bitwise), new OtherStatement(cmp)],
            statements);
    }

    [Fact]
    public void AMaskThatAlsoFlipsBitsIsNotAPrefix()
    {
        var bitwise = new BitwiseExpression(Register.R1, Register.R1, new byte[] { 255, 0, 0, 0 }, new byte[] { 0, 0, 0, 1 });
        var cmp = new CmpExpression(Register.R1, CmpOp.Eq, Ten);
        Assert.Equal([new AddressStatement(true, NftFamily.Ip, CmpOp.Eq, null, default, 0, 4), new OtherStatement(bitwise), new OtherStatement(cmp)],
            Parse(NftFamily.Ip, SourceAddress(), bitwise, cmp));

        var stateMask = new BitwiseExpression(Register.R1, Register.R1, new byte[] { 6, 0, 0, 0 }, new byte[] { 1, 0, 0, 0 });
        Assert.Equal(3, Parse(NftFamily.Ip, new CtExpression(CtKey.State), stateMask, new CmpExpression(Register.R1, CmpOp.Neq, new byte[4])).Count);
    }

    [Fact]
    public void AnExpressionOutsideTheKnownShapesIsKept()
    {
        var unknown = new UnknownExpression("xt", new byte[] { 1, 2 });
        Assert.Equal([new OtherStatement(unknown), new CounterStatement(3, 4)], Parse(NftFamily.Ip, unknown, new CounterExpression(3, 4)));
    }
}
