using HostAccel.Native.Nftables;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

public class IpPrefixTests
{
    [Theory]
    [InlineData("10.244.0.0/24", "10.244.0.0/24", false, 24)]
    [InlineData("192.168.1.7", "192.168.1.7/32", false, 32)]
    [InlineData("0.0.0.0/0", "0.0.0.0/0", false, 0)]
    [InlineData("fd00:10:244::/64", "fd00:10:244::/64", true, 64)]
    [InlineData(" fd00:10:244:1::/64 ", "fd00:10:244:1::/64", true, 64)]
    [InlineData("::1", "::1/128", true, 128)]
    [InlineData("0.0.0.0", "0.0.0.0/32", false, 32)]
    [InlineData("fd00:0010::/32", "fd00:10::/32", true, 32)]
    [InlineData("::ffff:10.0.0.1", "::ffff:10.0.0.1/128", true, 128)]
    public void ParsesCanonicalPrefixes(string text, string canonical, bool ipv6, int length)
    {
        IpPrefix prefix = IpPrefix.Parse(text);
        Assert.Equal(canonical, prefix.ToString());
        Assert.Equal(ipv6, prefix.IsIPv6);
        Assert.Equal(length, prefix.Length);
    }

    [Theory]
    [InlineData("10.244.0.1/24", "host bits set: did you mean 10.244.0.0/24")]
    [InlineData("fd00::1/64", "did you mean fd00::/64")]
    [InlineData("10.0.0.0/33", "prefix length must be a number from 0 to 32")]
    [InlineData("10.0.0.0/-1", "prefix length")]
    [InlineData("10.0.0/8", "not a dotted-quad")]
    [InlineData("10", "not a dotted-quad")]
    [InlineData("banana", "not a dotted-quad")]
    [InlineData("fe80::1%eth0/64", "not an IP address")]
    [InlineData("", "empty")]
    [InlineData("10.0.0.0/", "prefix length")]
    [InlineData("010.244.0.0/16", "the octet '010' has a leading zero, which nft and inet_aton read as octal")]
    [InlineData("10.0.0.010", "the octet '010' has a leading zero")]
    [InlineData("10.0.00.0/24", "the octet '00' has a leading zero")]
    [InlineData("10.244.0.0/016", "the prefix length '016' has a leading zero; write 16")]
    [InlineData("[fd00::]:80/64", "brackets (and a port after them) make a socket address")]
    [InlineData("[fd00::]/64", "brackets")]
    [InlineData("fe80::1%eth0", "a zone index (%…) names a link")]
    [InlineData("10.0.0.1:80", "a port (after ':') belongs to a socket address")]
    [InlineData("::ffff:010.0.0.1", "the octet '010' has a leading zero")]
    [InlineData("::ffff:10.0.0", "its IPv4 tail is not a dotted quad")]
    [InlineData("10.0.0.256", "256 is above 255")]
    [InlineData("0x0a.0.0.0/8", "not a dotted-quad")]
    [InlineData("10.0.0.0 /8", "not a dotted-quad")]
    [InlineData("fd00::g/64", "is not an IP address")]
    [InlineData("10.0.0.0/8/8", "prefix length")]
    [InlineData("+10.0.0.0/8", "not a dotted-quad")]
    public void RejectsWhatIsNotACanonicalCidrAndNamesIt(string text, string expected)
    {
        Assert.False(IpPrefix.TryParse(text, out _, out string? error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
        FormatException thrown = Assert.Throws<FormatException>(() => IpPrefix.Parse(text));
        Assert.Contains(expected, thrown.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.244.0.0/24", "10.244.1.0")]
    [InlineData("255.255.255.0/24", null)]
    [InlineData("0.0.0.0/0", null)]
    [InlineData("ffff::/16", null)]
    [InlineData("fd00::/8", "fe00::")]
    [InlineData("::/0", null)]
    [InlineData("::/1", "8000::")]
    [InlineData("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", null)]
    public void EndExclusiveIsNullAtTheEndOfTheAddressSpace(string text, string? end)
    {
        IpPrefix prefix = IpPrefix.Parse(text);
        if (end is null)
        {
            Assert.Null(prefix.EndExclusive);
        }
        else
        {
            Assert.Equal(IpPrefix.Parse(end).Value, prefix.EndExclusive);
        }
    }

    [Fact]
    public void ContainsAndOverlapsRespectFamilies()
    {
        IpPrefix wide = IpPrefix.Parse("10.0.0.0/8");
        IpPrefix narrow = IpPrefix.Parse("10.244.0.0/16");
        IpPrefix other = IpPrefix.Parse("11.0.0.0/8");
        Assert.True(wide.Contains(narrow));
        Assert.False(narrow.Contains(wide));
        Assert.True(narrow.Overlaps(wide));
        Assert.False(other.Overlaps(wide));
        Assert.False(IpPrefix.Parse("::/0").Overlaps(wide));
    }
}
