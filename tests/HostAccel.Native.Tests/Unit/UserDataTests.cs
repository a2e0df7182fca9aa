using System.Text;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>
/// libnftnl's userdata records (u8 type, u8 length, value): a string is stored with its NUL, so 254 bytes is the
/// longest that fits; records others wrote are read without trusting their lengths.
/// </summary>
public class UserDataTests
{
    [Fact]
    public void AStringOf254BytesFillsARecordAndReadsBack()
    {
        string value = new('a', 254);
        byte[] buffer = new byte[300];
        int length = UserData.PutString(buffer, 7, value);
        Assert.Equal(257, length);
        Assert.Equal((byte)7, buffer[0]);
        Assert.Equal((byte)255, buffer[1]);
        Assert.Equal((byte)0, buffer[256]);
        Assert.Equal(value, UserData.FindString(buffer.AsSpan(0, length), 7));
    }

    [Theory]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(300)]
    public void ALongerStringIsRefusedWithItsByteCount(int bytes)
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => UserData.PutString(new byte[400], 0, new string('a', bytes)));
        Assert.Equal("value", error.ParamName);
        Assert.Equal($"userdata string of {bytes} bytes does not fit a record (Parameter 'value')", error.Message);
    }

    [Fact]
    public void MultiByteCharactersCountAsTheirUtf8Bytes()
    {
        // 127 × 2 bytes = 254 fits; one more character does not, though it is only 128 characters.
        Assert.Equal(257, UserData.PutString(new byte[300], 0, new string('é', 127)));
        Assert.Throws<ArgumentException>(() => UserData.PutString(new byte[300], 0, new string('é', 128)));
    }

    [Theory]
    [InlineData("0003616263", "abc")]          // no terminating NUL: the whole value
    [InlineData("000461620063", "ab")]         // a NUL inside: up to it
    [InlineData("000100", "")]                 // just the NUL: the empty string
    [InlineData("070278790003616200", "ab")]   // after a record of another type
    public void FindStringReadsTheFirstRecordOfItsType(string hex, string expected) =>
        Assert.Equal(expected, UserData.FindString(Convert.FromHexString(hex), 0));

    [Theory]
    [InlineData("000a61")]           // ten bytes claimed, one there
    [InlineData("000261")]           // two bytes claimed, one there
    [InlineData("0101780004616263")] // a good record of another type, then one running a byte over the end
    public void AMalformedRecordYieldsNoString(string hex)
    {
        byte[] data = Convert.FromHexString(hex);
        Assert.Null(UserData.FindString(data, 0));
        Assert.True(UserData.Find(data, 0).IsEmpty);
    }

    [Fact]
    public void ACommentIsWrittenAsOneAttributeHoldingOneRecord()
    {
        var writer = new NetlinkWriter();
        UserData.WriteComment(7, 0, "hi", writer);
        // nla_len 9: the 4-byte header, type 0, length 3, "hi" and its NUL; then padding to four bytes.
        Assert.Equal(Convert.FromHexString("09000700" + "0003686900" + "000000"), writer.WrittenSpan.ToArray());
    }
}
