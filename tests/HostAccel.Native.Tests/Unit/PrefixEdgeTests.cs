using HostAccel.Native.Nftables;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>
/// The edges of IpPrefix, AddressRange and IntervalCodec that a mutation run (tools/mutation.sh) found no test for:
/// each assertion here failed under one of its surviving mutants.
/// </summary>
public class PrefixEdgeTests
{
    private static IpPrefix P(string text) => IpPrefix.Parse(text);

    [Fact]
    public void CreateAndTryCreateRefuseWhatIsNoPrefixAndSayWhy()
    {
        Assert.Contains("prefix length 33 is outside 0..32", Assert.Throws<ArgumentOutOfRangeException>(() => IpPrefix.Create(false, 0, 33)).Message, StringComparison.Ordinal);
        Assert.Contains("prefix length -1 is outside 0..128", Assert.Throws<ArgumentOutOfRangeException>(() => IpPrefix.Create(true, 0, -1)).Message, StringComparison.Ordinal);
        Assert.Contains("IPv4 address above 255.255.255.255", Assert.Throws<ArgumentOutOfRangeException>(() => IpPrefix.Create(false, (UInt128)uint.MaxValue + 1, 32)).Message, StringComparison.Ordinal);

        Assert.True(IpPrefix.TryCreate(false, 0x0a000000, 8, out IpPrefix ten));
        Assert.Equal("10.0.0.0/8", ten.ToString());
        Assert.True(IpPrefix.TryCreate(true, 0, 0, out IpPrefix all6));
        Assert.Equal("::/0", all6.ToString());
        Assert.True(IpPrefix.TryCreate(false, uint.MaxValue, 32, out IpPrefix last4));
        Assert.Equal("255.255.255.255/32", last4.ToString());
        Assert.True(IpPrefix.TryCreate(false, 0, 0, out _));
        Assert.True(IpPrefix.TryCreate(false, 0, 32, out _));
        Assert.True(IpPrefix.TryCreate(true, 1, 128, out _));
        Assert.False(IpPrefix.TryCreate(false, 0, 33, out IpPrefix refused));
        Assert.Equal(default, refused);
        Assert.False(IpPrefix.TryCreate(false, 0, -1, out _));
        Assert.False(IpPrefix.TryCreate(true, 0, 129, out _));
        Assert.False(IpPrefix.TryCreate(false, (UInt128)uint.MaxValue + 1, 32, out _));
        Assert.True(IpPrefix.TryCreate(true, (UInt128)uint.MaxValue + 1, 96, out _));
        Assert.False(IpPrefix.TryCreate(false, 0x0a000001, 24, out _));
    }

    [Theory]
    [InlineData("10.244.0.1/24", true)]
    [InlineData("fd00::1/64", true)]
    [InlineData("10.0.0.0/33", false)]
    [InlineData("not-a-cidr", false)]
    [InlineData("", false)]
    public void TryParseTellsHostBitsFromNoCidrAtAll(string text, bool hostBits)
    {
        Assert.False(IpPrefix.TryParse(text, out _, out _, out bool hostBitsSet));
        Assert.Equal(hostBits, hostBitsSet);
        Assert.True(IpPrefix.TryParse("10.0.0.0/8", out _, out _, out bool none));
        Assert.False(none);
    }

    [Fact]
    public void AnAddressWithACharacterNoAddressHasIsRefusedAsSuch()
    {
        Assert.False(IpPrefix.TryParse("fd00::g/64", out _, out string? error));
        Assert.Equal("'fd00::g/64' is not a CIDR: 'fd00::g' is not an IP address", error);
    }

    [Fact]
    public void ContainsAndOverlapsNeverCrossFamilies()
    {
        // ::/0 holds every IPv6 address, and 0.0.0.0/32's value is that of ::/128: neither contains the other.
        Assert.False(P("::/0").Contains(P("0.0.0.0/32")));
        Assert.False(P("0.0.0.0/0").Contains(P("::/128")));
        Assert.False(P("0.0.0.0/0").Overlaps(P("::/128")));
        Assert.True(P("::/0").Contains(P("::/128")));
        Assert.False(P("10.0.0.0/24").Contains(P("10.0.0.0/16")));
        Assert.True(P("10.0.0.0/16").Contains(P("10.0.255.0/24")));
    }

    [Fact]
    public void OrderingOperatorsAreStrict()
    {
        IpPrefix a = P("10.0.0.0/8");
        IpPrefix same = P("10.0.0.0/8");
        IpPrefix b = P("10.0.0.0/16");
        Assert.False(a < same);
        Assert.False(a > same);
        Assert.True(a <= same && a >= same);
        Assert.True(a < b ^ b < a);
        Assert.Equal(a < b, b > a);
    }

    [Fact]
    public void TheWholeIPv6SpaceIsOnePrefixEitherWay()
    {
        IpPrefix all = P("::/0");
        Assert.Equal(UInt128.MaxValue, all.Last);
        Assert.Null(all.EndExclusive);
        var prefixes = new List<IpPrefix>();
        IntervalCodec.AddRange(prefixes, isV6: true, 0, UInt128.MaxValue);
        Assert.Equal([all], prefixes);
        Assert.Equal([all], IntervalCodec.Decode(IntervalCodec.Encode([all]), isV6: true));
        Assert.Equal([P("0.0.0.0/0")], IntervalCodec.Decode(IntervalCodec.Encode([P("0.0.0.0/0")]), isV6: false));
    }

    [Fact]
    public void RangesAreReadAsTheKernelHoldsThem()
    {
        // Two starts in a row (an element whose end someone else removed): the first runs to just before the second.
        List<AddressRange> ranges = IntervalCodec.Ranges(
            [new SetElement(0x0a000000, false), new SetElement(0x0a000010, false), new SetElement(0x0a000020, true)], isV6: false);
        Assert.Equal([new AddressRange(false, 0x0a000000, 0x0a00000f), new AddressRange(false, 0x0a000010, 0x0a00001f)], ranges);
        Assert.Equal(["10.0.0.0/28", "10.0.0.16/28"], ranges.Select(r => r.ToString()));

        var range = new AddressRange(false, 0x0a140003, 0x0a140009);
        Assert.Equal("10.20.0.3-10.20.0.9", range.ToString());
        Assert.Equal(["10.20.0.3/32", "10.20.0.4/30", "10.20.0.8/31"], range.Prefixes().Select(p => p.ToString()));
        Assert.True(range.Contains(P("10.20.0.4/30")));
        Assert.True(range.Contains(P("10.20.0.3/32")));
        Assert.True(range.Contains(P("10.20.0.9/32")));
        Assert.False(range.Contains(P("10.20.0.2/32")));
        Assert.False(range.Contains(P("10.20.0.8/29")));
        Assert.False(range.Contains(P("::a14:3/128")));
        Assert.Equal("fd00::1-fd00::6", new AddressRange(true, P("fd00::1").Value, P("fd00::6").Value).ToString());

        Assert.Contains("out of order or out of range at key a000000",
            Assert.Throws<Netlink.NetlinkDecodeException>(() => IntervalCodec.Ranges([new SetElement(0x0a000000, false), new SetElement(0x0a000000, false)], isV6: false)).Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void EncodingNothingIsNothingAndNullIsRefused()
    {
        Assert.Empty(IntervalCodec.Encode([], leadingMarker: true));
        Assert.Throws<ArgumentNullException>(() => IntervalCodec.Encode(null!));
        Assert.Throws<ArgumentNullException>(() => IntervalCodec.Ranges(null!, isV6: false));
        Assert.Equal([new SetElement(0, true), new SetElement(0x0a000000, false), new SetElement(0x0b000000, true)], IntervalCodec.Encode([P("10.0.0.0/8")], leadingMarker: true));
        Assert.Equal([new SetElement(0, false), new SetElement(0x01000000, true)], IntervalCodec.Encode([P("0.0.0.0/8")], leadingMarker: true));
    }
}
