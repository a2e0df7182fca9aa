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
