using HostAccel.Native.Nftables;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

public class IntervalCodecTests
{
    private static IpPrefix P(string text) => IpPrefix.Parse(text);

    [Fact]
    public void EachPrefixBecomesAStartAndAnEndElement()
    {
        List<SetElement> elements = IntervalCodec.Encode([P("10.244.0.0/24"), P("10.244.1.0/24")]);
        Assert.Equal(
            [
                new SetElement(P("10.244.0.0/32").Value, false),
                new SetElement(P("10.244.1.0/32").Value, true),
                new SetElement(P("10.244.1.0/32").Value, false),
                new SetElement(P("10.244.2.0/32").Value, true),
            ],
            elements);
    }

    [Theory]
    [InlineData("255.255.255.0/24", false)]
    [InlineData("0.0.0.0/0", false)]
    [InlineData("ffff::/16", true)]
    public void APrefixReachingTheLastAddressHasNoEndElement(string text, bool ipv6)
    {
        List<SetElement> elements = IntervalCodec.Encode([P(text)]);
        SetElement only = Assert.Single(elements);
        Assert.False(only.IsIntervalEnd);
        Assert.Equal([P(text)], IntervalCodec.Decode(elements, ipv6));
    }

    [Fact]
    public void DecodingKeepsAdjacentPrefixesApartAndIgnoresOrder()
    {
        IpPrefix[] prefixes = [P("10.244.1.0/24"), P("10.244.0.0/24"), P("255.0.0.0/8"), P("192.168.1.7/32")];
        List<SetElement> elements = IntervalCodec.Encode(prefixes);
        elements.Reverse();
        Assert.Equal(prefixes.Order(), IntervalCodec.Decode(elements, isV6: false));
    }

    [Fact]
    public void ARangeThatIsNoSinglePrefixBecomesTheFewestCoveringPrefixes()
    {
        // 10.0.0.0 .. 10.0.2.255, as another tool could have written it.
        SetElement[] elements = [new(P("10.0.0.0/32").Value, false), new(P("10.0.3.0/32").Value, true)];
        Assert.Equal([P("10.0.0.0/23"), P("10.0.2.0/24")], IntervalCodec.Decode(elements, isV6: false));
    }

    [Fact]
    public void AnEndWithoutAStartIsIgnored()
    {
        SetElement[] elements = [new(0, true), new(P("10.0.0.0/32").Value, false), new(P("10.1.0.0/32").Value, true)];
        Assert.Equal([P("10.0.0.0/16")], IntervalCodec.Decode(elements, isV6: false));
    }

    [Fact]
    public void RoundTripsRandomDisjointPrefixesOfBothFamilies()
    {
        var random = new Random(20261121);
        for (int round = 0; round < 200; round++)
        {
            bool ipv6 = round % 2 == 1;
            int bits = ipv6 ? 128 : 32;
            var prefixes = new List<IpPrefix>();
            for (int i = 0; i < random.Next(1, 40); i++)
            {
                int length = random.Next(1, bits + 1);
                UInt128 value = ((UInt128)(ulong)random.NextInt64() << 64 | (ulong)random.NextInt64()) & (ipv6 ? UInt128.MaxValue : uint.MaxValue);
                value &= ~IpPrefix.HostMask(bits, length);
                IpPrefix candidate = IpPrefix.Create(ipv6, value, length);
                if (!prefixes.Any(p => p.Overlaps(candidate)))
                {
                    prefixes.Add(candidate);
                }
            }

            Assert.Equal(prefixes.Order(), IntervalCodec.Decode(IntervalCodec.Encode(prefixes), ipv6));
        }
    }
}
