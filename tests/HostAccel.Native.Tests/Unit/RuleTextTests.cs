using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>
/// A rule's expressions printed the way nft lists them, shape by shape; an expression outside the known shapes is
/// shown in brackets, never dropped.
/// </summary>
public class RuleTextTests
{
    private static string Body(NftFamily family, params Expression[] expressions) =>
        RuleText.Body(new NftRule(family, "t", "c", expressions), null);

    private static string Body(params Expression[] expressions) => Body(NftFamily.Ip, expressions);

    [Fact]
    public void ANullRuleIsRefusedNamingTheArgument()
    {
        Assert.Equal("rule", Assert.Throws<ArgumentNullException>(() => RuleText.Render(null!, null)).ParamName);
        Assert.Equal("rule", Assert.Throws<ArgumentNullException>(() => RuleText.Body(null!, null)).ParamName);
    }

    [Fact]
    public void ACtStateCompareShowsItsOperatorAndAMaskShowsTheStatesItTests()
    {
        Assert.Equal("ct state != established", Body(new CtExpression(CtKey.State), new CmpExpression(Register.R1, CmpOp.Neq, new byte[] { 2, 0, 0, 0 })));
        Assert.Equal("ct state new", Body(new CtExpression(CtKey.State), new CmpExpression(Register.R1, CmpOp.Eq, new byte[] { 8, 0, 0, 0 })));
        Assert.Equal("ct state established,related", Body(new CtExpression(CtKey.State),
            new BitwiseExpression(Register.R1, Register.R1, new byte[] { 6, 0, 0, 0 }, new byte[4]), new CmpExpression(Register.R1, CmpOp.Neq, new byte[4])));
        Assert.Equal("ct state invalid,established,related,new,untracked", Body(new CtExpression(CtKey.State),
            new BitwiseExpression(Register.R1, Register.R1, new byte[] { 0x4f, 0, 0, 0 }, new byte[4]), new CmpExpression(Register.R1, CmpOp.Neq, new byte[4])));
        Assert.Equal("ct state 0x0", Body(new CtExpression(CtKey.State),
            new BitwiseExpression(Register.R1, Register.R1, new byte[4], new byte[4]), new CmpExpression(Register.R1, CmpOp.Neq, new byte[4])));
    }

    /// <summary>State data that is not a 32-bit word holds no state bit.</summary>
    [Fact]
    public void CtStateDataOfAnotherLengthShowsNoState() =>
        Assert.Equal("ct state 0x0", Body(new CtExpression(CtKey.State), new CmpExpression(Register.R1, CmpOp.Eq, new byte[] { 2 })));

    [Theory]
    [InlineData(MetaKey.IifName, "eth0", CmpOp.Eq, "iifname \"eth0\"")]
    [InlineData(MetaKey.IifName, "eth0\0\0\0", CmpOp.Eq, "iifname \"eth0\"")]
    [InlineData(MetaKey.IifName, "\0", CmpOp.Eq, "iifname \"\"")]
    [InlineData(MetaKey.OifName, "eth1\0", CmpOp.Eq, "oifname \"eth1\"")]
    [InlineData(MetaKey.OifName, "antrea-gw0", CmpOp.Neq, "oifname != \"antrea-gw0\"")]
    public void ADeviceNameIsShownUpToItsTerminatorOrWholeWithoutOne(MetaKey key, string data, CmpOp op, string expected) =>
        Assert.Equal(expected, Body(new MetaExpression(key), new CmpExpression(Register.R1, op, System.Text.Encoding.UTF8.GetBytes(data))));

    [Theory]
    [InlineData(6, "tcp")]
    [InlineData(17, "udp")]
    [InlineData(1, "icmp")]
    [InlineData(58, "ipv6-icmp")]
    [InlineData(132, "sctp")]
    [InlineData(47, "47")]
    public void AnL4ProtocolIsShownByNameOrNumber(byte protocol, string name) =>
        Assert.Equal($"meta l4proto {name}", Body(new MetaExpression(MetaKey.L4Proto), new CmpExpression(Register.R1, CmpOp.Eq, new[] { protocol })));

    [Theory]
    [InlineData(CmpOp.Eq, "meta l4proto tcp")]
    [InlineData(CmpOp.Neq, "meta l4proto != tcp")]
    [InlineData(CmpOp.Lt, "meta l4proto < tcp")]
    [InlineData(CmpOp.Lte, "meta l4proto <= tcp")]
    [InlineData(CmpOp.Gt, "meta l4proto > tcp")]
    [InlineData(CmpOp.Gte, "meta l4proto >= tcp")]
    [InlineData((CmpOp)9, "meta l4proto ? tcp")]
    public void EveryCompareOperatorIsShown(CmpOp op, string expected) =>
        Assert.Equal(expected, Body(new MetaExpression(MetaKey.L4Proto), new CmpExpression(Register.R1, op, new byte[] { 6 })));

    [Fact]
    public void OtherMetaComparesAreShownAsHex()
    {
        Assert.Equal("meta mark 0x0a000000", Body(new MetaExpression(MetaKey.Mark), new CmpExpression(Register.R1, CmpOp.Eq, new byte[] { 10, 0, 0, 0 })));
        Assert.Equal("meta iif != 0x0400", Body(new MetaExpression(MetaKey.Iif), new CmpExpression(Register.R1, CmpOp.Neq, new byte[] { 4, 0 })));
        Assert.Equal("meta nfproto 7", Body(NftFamily.Inet, new MetaExpression(MetaKey.NfProto), new CmpExpression(Register.R1, CmpOp.Eq, new byte[] { 7 })));
    }

    [Fact]
    public void ADeviceIndexIsShownByNameWhereItCanBe()
    {
        var rule = new NftRule(NftFamily.Ip, "t", "c", new Expression[]
        {
            new MetaExpression(MetaKey.Iif), new CmpExpression(Register.R1, CmpOp.Eq, new byte[] { 4, 0, 0, 0 }),
            new MetaExpression(MetaKey.Oif), new CmpExpression(Register.R1, CmpOp.Neq, new byte[] { 5, 0, 0, 0 }),
        });
        Assert.Equal("iif 4 oif != 5", RuleText.Body(rule, null));
        Assert.Equal("iif \"antrea-gw0\" oif != 5", RuleText.Body(rule, i => i == 4 ? "antrea-gw0" : null));
    }

    [Fact]
    public void AddressesAreShownAsSetLookupsPrefixesOrTheBareLoad()
    {
        Assert.Equal("ip saddr != @s", Body(new PayloadExpression(PayloadBase.Network, 12, 4), new LookupExpression("s", Invert: true)));
        Assert.Equal("ip daddr @s", Body(new PayloadExpression(PayloadBase.Network, 16, 4), new LookupExpression("s")));
        Assert.Equal("ip6 saddr @\"s 6\"", Body(NftFamily.Ip6, new PayloadExpression(PayloadBase.Network, 8, 16), new LookupExpression("s 6")));
        Assert.Equal("ip6 daddr != fd00::1", Body(NftFamily.Ip6, new PayloadExpression(PayloadBase.Network, 24, 16),
            new CmpExpression(Register.R1, CmpOp.Neq, System.Net.IPAddress.Parse("fd00::1").GetAddressBytes())));
        Assert.Equal("ip saddr 10.0.0.0/8", Body(new PayloadExpression(PayloadBase.Network, 12, 4),
            new BitwiseExpression(Register.R1, Register.R1, new byte[] { 255, 0, 0, 0 }, new byte[4]), new CmpExpression(Register.R1, CmpOp.Eq, new byte[] { 10, 0, 0, 0 })));
        Assert.Equal("ip saddr [payload 4b] [unknown]", Body(new PayloadExpression(PayloadBase.Network, 12, 4), new UnknownExpression("unknown", Array.Empty<byte>())));
        Assert.Equal("ip daddr [payload 4b]", Body(new PayloadExpression(PayloadBase.Network, 16, 4)));
    }

    [Fact]
    public void EveryVerdictIsShown()
    {
        Assert.Equal("accept", Body(new ImmediateExpression(VerdictCode.Accept)));
        Assert.Equal("drop", Body(new ImmediateExpression(VerdictCode.Drop)));
        Assert.Equal("continue", Body(new ImmediateExpression(VerdictCode.Continue)));
        Assert.Equal("return", Body(new ImmediateExpression(VerdictCode.Return)));
        Assert.Equal("jump other", Body(new ImmediateExpression(VerdictCode.Jump, "other")));
        Assert.Equal("goto other", Body(new ImmediateExpression(VerdictCode.Goto, "other")));
        Assert.Equal("jump \"\"", Body(new ImmediateExpression(VerdictCode.Jump)));
        Assert.Equal("goto \"\"", Body(new ImmediateExpression(VerdictCode.Goto)));
        Assert.Equal("[verdict -2]", Body(new ImmediateExpression(VerdictCode.Break)));
    }

    [Fact]
    public void AnExpressionOutsideTheKnownShapesIsShownByItsName()
    {
        Assert.Equal("[xt] [lookup] counter packets 1 bytes 2", Body(new UnknownExpression("xt", new byte[] { 1 }), new LookupExpression("s"), new CounterExpression(1, 2)));
        Assert.Equal("rule ip t c [cmp] comment \"why\"", RuleText.Render(new NftRule(NftFamily.Ip, "t", "c",
            new Expression[] { new CmpExpression(Register.R1, CmpOp.Eq, new byte[] { 1 }) }) { Comment = "why" }, null));
    }
}
