using HostAccel.Native.Nftables;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>Family names as nft spells them, and the names a user may type for them.</summary>
public class NftFamilyTests
{
    [Theory]
    [InlineData(NftFamily.Ip, "ip")]
    [InlineData(NftFamily.Ip6, "ip6")]
    [InlineData(NftFamily.Inet, "inet")]
    [InlineData(NftFamily.Arp, "arp")]
    [InlineData(NftFamily.Bridge, "bridge")]
    [InlineData(NftFamily.Netdev, "netdev")]
    public void EveryFamilyHasNftsNameAndParsesBackFromIt(NftFamily family, string name)
    {
        Assert.Equal(name, family.ToNftName());
        Assert.True(NftFamilyNames.TryParse(name, out NftFamily parsed));
        Assert.Equal(family, parsed);
    }

    [Fact]
    public void AFamilyWithoutANameIsShownByItsNumber()
    {
        Assert.Equal("family4", ((NftFamily)4).ToNftName());
        Assert.Equal("family0", NftFamily.Unspecified.ToNftName());
    }

    [Theory]
    [InlineData("ipv4", NftFamily.Ip)]
    [InlineData("IPv4", NftFamily.Ip)]
    [InlineData("IP", NftFamily.Ip)]
    [InlineData("ipv6", NftFamily.Ip6)]
    [InlineData("IPV6", NftFamily.Ip6)]
    [InlineData("INET", NftFamily.Inet)]
    public void TheIpVersionsAndAnyCaseAreAccepted(string text, NftFamily expected)
    {
        Assert.True(NftFamilyNames.TryParse(text, out NftFamily family));
        Assert.Equal(expected, family);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("ip4")]
    [InlineData("family2")]
    [InlineData("unspecified")]
    public void AnythingElseIsNoFamily(string? text)
    {
        Assert.False(NftFamilyNames.TryParse(text, out NftFamily family));
        Assert.Equal(NftFamily.Unspecified, family);
    }
}
