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

    /// <summary>Mutation testing found Contains and Overlaps exercised only far from their edges.</summary>
    [Theory]
    [InlineData("10.0.0.0/8", "10.0.0.0/8", true)]
    [InlineData("10.0.0.0/8", "10.0.0.0/16", true)]
    [InlineData("10.0.0.0/8", "10.255.0.0/16", true)]
    [InlineData("10.0.0.0/16", "11.0.0.0/24", false)]
    [InlineData("10.0.0.0/16", "9.0.0.0/24", false)]
    [InlineData("10.0.0.0/16", "10.0.0.0/8", false)]
    [InlineData("::/0", "ffff::/16", true)]
    [InlineData("::/0", "::/0", true)]
    public void ContainsHoldsAtTheEdgesOfAPrefix(string outer, string inner, bool contains) =>
        Assert.Equal(contains, IpPrefix.Parse(outer).Contains(IpPrefix.Parse(inner)));

    [Theory]
    [InlineData("10.0.0.0/24", "10.0.0.255/32", true)]
    [InlineData("10.0.0.255/32", "10.0.0.0/24", true)]
    [InlineData("10.0.0.0/24", "10.0.1.0/24", false)]
    [InlineData("10.0.1.0/24", "10.0.0.0/24", false)]
    [InlineData("::/0", "::1", true)]
    public void OverlapsCountsTheFirstAndLastAddresses(string a, string b, bool overlaps) =>
        Assert.Equal(overlaps, IpPrefix.Parse(a).Overlaps(IpPrefix.Parse(b)));

    [Fact]
    public void TheWholeIPv6SpaceEndsAtTheLastAddressAndHasNoHostBits()
    {
        IpPrefix all = IpPrefix.Parse("::/0");
        Assert.Equal(UInt128.MaxValue, all.Last);
        Assert.Equal(NftFamily.Ip6, all.Family);
        Assert.Equal(NftFamily.Ip, IpPrefix.Parse("0.0.0.0/0").Family);
        Assert.Equal(uint.MaxValue, (uint)IpPrefix.Parse("0.0.0.0/0").Last);
        Assert.False(IpPrefix.TryParse("::1/0", out _, out string? error));
        Assert.Contains("has host bits set: did you mean ::/0?", error, StringComparison.Ordinal);
    }

    [Fact]
    public void PrefixesOrderByFamilyAddressThenLength()
    {
        IpPrefix[] sorted = new[] { "10.0.0.0/8", "10.0.0.0/16", "10.1.0.0/16", "::/0" }.Select(IpPrefix.Parse).ToArray();
        Assert.Equal(sorted, sorted.Reverse().Order());
        Assert.True(sorted[0] < sorted[1] && sorted[1] > sorted[0] && sorted[0] <= sorted[0] && sorted[0] >= sorted[0]);
        Assert.False(sorted[1] < sorted[0] || sorted[0] > sorted[1] || sorted[1] <= sorted[0] || sorted[0] >= sorted[1]);
    }

    [Theory]
    [InlineData(false, 0u, -1)]
    [InlineData(false, 0u, 33)]
    [InlineData(true, 0u, 129)]
    public void CreateRefusesALengthOutsideTheFamily(bool v6, uint value, int length) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => IpPrefix.Create(v6, value, length));

    [Fact]
    public void CreateRefusesWhatIsNotAPrefix()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => IpPrefix.Create(false, (UInt128)uint.MaxValue + 1, 32));
        Assert.Contains("has host bits set beyond /8", Assert.Throws<ArgumentException>(() => IpPrefix.Create(false, 0x0a000001, 8)).Message, StringComparison.Ordinal);
        Assert.Equal(IpPrefix.Parse("10.0.0.0/8"), IpPrefix.Create(false, 0x0a000000, 8));
        Assert.Throws<ArgumentException>(() => IpPrefix.FromBytes([1, 2, 3]));
    }

    /// <summary>Each refusal in its own words: a near miss of one check must not pass as another's.</summary>
    [Theory]
    [InlineData("/24", "'/24' is not a CIDR: '' is not a dotted-quad IPv4 address")]
    [InlineData("fd00:1/64", "'fd00:1/64' is not a CIDR: 'fd00:1' is not an IP address")]
    [InlineData("[fd00::/64", "'[fd00::/64' is not a CIDR: '[fd00::' is not an IP address: brackets (and a port after them) make a socket address, not a prefix")]
    [InlineData("fd00::]/64", "'fd00::]/64' is not a CIDR: 'fd00::]' is not an IP address: brackets (and a port after them) make a socket address, not a prefix")]
    [InlineData("10.0.0.1:80", "'10.0.0.1:80' is not a CIDR: '10.0.0.1:80' is not an IP address: a port (after ':') belongs to a socket address, not a prefix")]
    public void EachRefusalSaysItsOwnReason(string text, string error)
    {
        Assert.False(IpPrefix.TryParse(text, out _, out string? actual));
        Assert.Equal(error, actual);
    }
}
