using HostAccel.Native.TrafficControl.Routing;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>Ethernet addresses: what Parse and FromBytes accept, what they refuse and how they say so.</summary>
public class MacAddressTests
{
    [Theory]
    [InlineData("2:0:5e:10:0:1")]
    [InlineData("02-00-5E-10-00-01")]
    [InlineData("02:00:5e:10:00:01")]
    public void OneOrTwoHexDigitsAByteParseAsIpWritesThem(string text)
    {
        Assert.Equal("02:00:5e:10:00:01", MacAddress.Parse(text).ToString());
        Assert.Equal(new byte[] { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 }, MacAddress.Parse(text).GetBytes());
    }

    [Theory]
    [InlineData("002:00:5e:10:00:01")]
    [InlineData("02:00:5e:10:00:")]
    [InlineData("02::5e:10:00:01")]
    [InlineData("02:00:5e:10:00")]
    [InlineData("02:00:5e:10:00:01:02")]
    public void TextThatIsNotSixBytesIsRefusedQuotingIt(string text)
    {
        FormatException error = Assert.Throws<FormatException>(() => MacAddress.Parse(text));
        Assert.Equal($"'{text}' is not an Ethernet address", error.Message);
    }

    [Fact]
    public void ParsingNullIsAnArgumentError()
    {
        ArgumentNullException error = Assert.Throws<ArgumentNullException>(() => MacAddress.Parse(null!));
        Assert.Equal("text", error.ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(8)]
    public void BytesOfAnotherLengthThanSixAreRefusedNamingBoth(int length)
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => MacAddress.FromBytes(new byte[length]));
        Assert.Equal("bytes", error.ParamName);
        Assert.StartsWith($"an Ethernet address has 6 bytes, not {length}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("01:00:5e:00:00:01", true)]
    [InlineData("33:33:00:00:00:01", true)]
    [InlineData("ff:ff:ff:ff:ff:ff", true)]
    [InlineData("02:00:00:00:00:01", false)]
    [InlineData("fe:ff:ff:ff:ff:ff", false)]
    public void TheLowBitOfTheFirstByteMakesAGroupAddress(string text, bool group)
    {
        Assert.Equal(group, MacAddress.Parse(text).IsGroup);
    }
}
