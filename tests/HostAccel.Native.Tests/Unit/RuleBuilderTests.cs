using System.Text;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>What the rule builder refuses, and the edges of what it accepts: comments, device names, families.</summary>
public class RuleBuilderTests
{
    private static RuleBuilder Rule(NftFamily family = NftFamily.Ip) => new(family, "t", "c");

    [Theory]
    [InlineData(NftFamily.Arp, "arp")]
    [InlineData(NftFamily.Inet, "inet")]
    [InlineData(NftFamily.Bridge, "bridge")]
    [InlineData(NftFamily.Unspecified, "family0")]
    public void NfProtoIsIpv4OrIpv6Only(NftFamily l3, string shown)
    {
        ArgumentOutOfRangeException error = Assert.Throws<ArgumentOutOfRangeException>(() => Rule(NftFamily.Inet).NfProto(l3));
        Assert.Equal("l3", error.ParamName);
        Assert.Equal($"meta nfproto is ipv4 or ipv6, not {shown} (Parameter 'l3')", error.Message);
    }

    [Fact]
    public void ACommentOf128BytesIsKept()
    {
        string comment = new('é', 64);
        Assert.Equal(comment, Rule().Counter().Build(comment).Comment);
        Assert.Equal(new string('x', 128), Rule().Counter().Build(new string('x', 128)).Comment);
    }

    [Fact]
    public void ACommentOver128BytesIsRefusedByItsUtf8Length()
    {
        // 65 characters, 129 bytes: nft counts bytes (NFTNL_UDATA_COMMENT_MAXLEN).
        string comment = new string('é', 64) + "a";
        ArgumentException error = Assert.Throws<ArgumentException>(() => Rule().Counter().Build(comment));
        Assert.Equal("comment", error.ParamName);
        Assert.Equal("comment is 129 bytes; nft keeps at most 128 (Parameter 'comment')", error.Message);
    }

    [Fact]
    public void AMatchOnTheWholeAddressSpaceAddsNothing()
    {
        Assert.Empty(Rule().SourceAddress(IpPrefix.Parse("0.0.0.0/0")).DestinationAddress(IpPrefix.Parse("0.0.0.0/0")).Build().Expressions);
        Assert.Empty(Rule(NftFamily.Ip6).SourceAddress(IpPrefix.Parse("::/0")).Build().Expressions);

        // In an inet table it still selects the IP version, as nft does.
        Assert.Equal(
            new Expression[] { new MetaExpression(MetaKey.NfProto), new CmpExpression(Register.R1, CmpOp.Eq, new[] { (byte)NftFamily.Ip6 }) },
            Rule(NftFamily.Inet).DestinationAddress(IpPrefix.Parse("::/0")).Build().Expressions);
    }

    [Fact]
    public void AnOddPrefixLoadsTheWholeAddressAndMasksItsLeadingBits()
    {
        Assert.Equal(
            new Expression[]
            {
                new PayloadExpression(PayloadBase.Network, 16, 4),
                new BitwiseExpression(Register.R1, Register.R1, new byte[] { 0xff, 0xff, 0xe0, 0x00 }, new byte[4]),
                new CmpExpression(Register.R1, CmpOp.Eq, new byte[] { 10, 1, 32, 0 }),
            },
            Rule().DestinationAddress(IpPrefix.Parse("10.1.32.0/19")).Build().Expressions);
    }

    public static TheoryData<NftFamily, Func<RuleBuilder, RuleBuilder>, string> WrongFamilies => new()
    {
        { NftFamily.Ip, r => r.SourceAddress(IpPrefix.Parse("fd00::/64")), "an IPv6 address cannot be matched in a rule of the ip family" },
        { NftFamily.Ip, r => r.DestinationInSet("peers6", ipv6: true), "an IPv6 address cannot be matched in a rule of the ip family" },
        { NftFamily.Ip6, r => r.DestinationAddress(IpPrefix.Parse("10.0.0.0/8")), "an IPv4 address cannot be matched in a rule of the ip6 family" },
        { NftFamily.Ip6, r => r.SourceInSet("peers4", ipv6: false), "an IPv4 address cannot be matched in a rule of the ip6 family" },
        // In an inet table the family named is the one meta nfproto chose, not the table's.
        { NftFamily.Inet, r => r.NfProto(NftFamily.Ip).SourceAddress(IpPrefix.Parse("fd00::1")), "an IPv6 address cannot be matched in a rule of the ip family" },
        { NftFamily.Inet, r => r.SourceAddress(IpPrefix.Parse("fd00::1")).DestinationAddress(IpPrefix.Parse("10.0.0.1")), "an IPv4 address cannot be matched in a rule of the ip6 family" },
        { NftFamily.Bridge, r => r.SourceAddress(IpPrefix.Parse("10.0.0.1")), "an IPv4 address cannot be matched in a rule of the bridge family" },
    };

    [Theory]
    [MemberData(nameof(WrongFamilies))]
    public void AnAddressOfTheOtherIpVersionIsRefusedNamingBoth(NftFamily family, Func<RuleBuilder, RuleBuilder> build, string message)
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => build(Rule(family)));
        Assert.Equal(message, error.Message);
        Assert.Null(error.ParamName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("eth0.1234567890a")] // 16 bytes
    [InlineData("eth-ééééééé")]      // 11 characters, 18 bytes
    public void ADeviceNameIsOneTo15Bytes(string name)
    {
        foreach (Func<RuleBuilder, RuleBuilder> build in new Func<RuleBuilder, RuleBuilder>[] { r => r.IifName(name), r => r.OifName(name) })
        {
            ArgumentException error = Assert.Throws<ArgumentException>(() => build(Rule()));
            Assert.Equal("name", error.ParamName);
            Assert.Equal($"'{name}' is not a device name: 1 to 15 bytes (Parameter 'name')", error.Message);
        }
    }

    [Fact]
    public void ADeviceNameOf15BytesIsComparedNulPadded()
    {
        NftRule rule = Rule().IifName("eth0.1234567890").OifName("ééééééé1").Build();
        byte[] iif = new byte[16], oif = new byte[16];
        Encoding.UTF8.GetBytes("eth0.1234567890", iif);
        Encoding.UTF8.GetBytes("ééééééé1", oif);
        Assert.Equal(
            new Expression[]
            {
                new MetaExpression(MetaKey.IifName), new CmpExpression(Register.R1, CmpOp.Eq, iif),
                new MetaExpression(MetaKey.OifName), new CmpExpression(Register.R1, CmpOp.Eq, oif),
            },
            rule.Expressions);
    }
}
