using System.Buffers.Binary;
using HostAccel.Native.Netlink;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

public class AttributeCodecTests
{
    [Fact]
    public void NestedScopeFixesItsLengthSetsNlaFNestedAndPadsToFourBytes()
    {
        var writer = new NetlinkWriter();
        using (writer.Nested(3))
        {
            writer.WriteString(1, "eth0");
            writer.WriteU8(2, 7);
        }

        Assert.Equal(
            Convert.FromHexString("180003800900010065746830000000000500020007000000"),
            writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void MessageHeaderCarriesLengthTypeFlagsAndSequence()
    {
        var writer = new NetlinkWriter();
        int start = writer.BeginMessage(0x0a00, 0x0405, 42);
        writer.WriteNfGenMsg(2);
        writer.WriteU32Be(2, 1);
        writer.EndMessage(start);
        Assert.Equal(
            Convert.FromHexString(
                "1c000000" + "000a" + "0504" + "2a000000" + "00000000" + // nlmsghdr: length 28, type, flags, seq, port
                "02000000" +                                             // nfgenmsg: AF_INET, NFNETLINK_V0, res_id 0
                "0800020000000001"),                                     // attribute 2: u32 1, big endian
            writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void ReaderWalksTypesAndSkipsPadding()
    {
        // Lengths 5, 7 and 6 need 3, 1 and 2 bytes of padding to the next 4-byte boundary; the padding of the
        // second is filled with junk here, which the reader must step over, not read as the next header.
        var writer = new NetlinkWriter();
        writer.WriteU8(1, 7);
        writer.WriteString(2, "ab");
        writer.WriteU16Be(3, 0x1234);
        writer.WriteU64Be(4, 0x0102030405060708);
        using (writer.Nested(5))
        {
            writer.WriteU8(1, 9);
            writer.WriteU32Be(2, 10);
        }

        byte[] bytes = writer.WrittenSpan.ToArray();
        Assert.Equal([5, 7, 6], new[] { 0, 8, 16 }.Select(at => (int)BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at))));
        Assert.Equal(8 + 8 + 8 + 12 + 4 + 8 + 8, bytes.Length);
        bytes[15] = 0xff;

        var reader = new AttributeReader(bytes);
        Assert.True(reader.Next());
        Assert.Equal((1, (byte)7, 1), (reader.Type, reader.GetU8(), reader.Payload.Length));
        Assert.True(reader.Next());
        Assert.Equal((2, "ab"), (reader.Type, reader.GetString()));
        Assert.True(reader.Next());
        Assert.Equal((3, (ushort)0x1234), (reader.Type, reader.GetU16Be()));
        Assert.True(reader.Next());
        Assert.Equal((4, 0x0102030405060708UL), (reader.Type, reader.GetU64Be()));
        Assert.True(reader.Next());
        Assert.True(reader.IsNested);
        AttributeReader nested = reader.Nested();
        Assert.True(nested.Next());
        Assert.Equal((1, (byte)9), (nested.Type, nested.GetU8()));
        Assert.True(nested.Next());
        Assert.Equal((2, 10u), (nested.Type, nested.GetU32Be()));
        Assert.False(nested.Next());
        Assert.False(reader.Next());
    }

    [Theory]
    [InlineData("0300")]
    [InlineData("03000100")]
    [InlineData("0c0001000000")]
    [InlineData("ffff0100aabbccdd")]
    public void MalformedAttributesRaiseTheDecodeError(string hex)
    {
        byte[] data = Convert.FromHexString(hex);
        Assert.Throws<NetlinkDecodeException>(() =>
        {
            var reader = new AttributeReader(data);
            while (reader.Next())
            {
            }
        });
    }

    [Fact]
    public void ShortPayloadForATypedGetterRaisesTheDecodeError()
    {
        byte[] data = Convert.FromHexString("0600010001020000");
        Assert.Throws<NetlinkDecodeException>(() =>
        {
            var reader = new AttributeReader(data);
            reader.Next();
            return reader.GetU32Be();
        });
    }

    [Fact]
    public void AnAttributeOverSixtyFourKilobytesIsRefused()
    {
        var writer = new NetlinkWriter();
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.WriteBytes(1, new byte[70_000]));
        Assert.Throws<InvalidOperationException>(() =>
        {
            using (writer.Nested(2))
            {
                for (int i = 0; i < 10; i++)
                {
                    writer.WriteBytes(1, new byte[8000]);
                }
            }
        });
    }

    [Fact]
    public void AFreshReaderIsOnNoNestedAttribute()
    {
        var reader = new AttributeReader(Convert.FromHexString("0800018001000000"));
        Assert.False(reader.IsNested);
        Assert.True(reader.Next());
        Assert.True(reader.IsNested);
    }

    [Theory]
    // A valid u32 attribute, then a header cut to 2 bytes.
    [InlineData("08000100000000010300", "attribute header truncated: 2 bytes left at offset 8")]
    // A valid u32 attribute, then a nested attribute 5 claiming 12 bytes of the 8 that are left.
    [InlineData("08000100000000010c000580aabbccdd", "attribute 5 at offset 8 claims 12 bytes, 8 are left")]
    public void MalformedAttributesAreDescribedByOffsetAndLength(string hex, string message)
    {
        byte[] data = Convert.FromHexString(hex);
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() =>
        {
            var reader = new AttributeReader(data);
            while (reader.Next())
            {
            }
        });
        Assert.Equal("malformed netlink reply: " + message, error.Message);
    }

    [Fact]
    public void ATypedGetterOnAShortPayloadSaysHowManyBytesItFound()
    {
        byte[] data = Convert.FromHexString("0600090001020000");
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() =>
        {
            var reader = new AttributeReader(data);
            reader.Next();
            return reader.GetU32Be();
        });
        Assert.Equal("malformed netlink reply: attribute 9 holds 2 bytes, 4 expected", error.Message);
    }

    [Fact]
    public void AStringThatIsOnlyItsNulIsEmpty()
    {
        var reader = new AttributeReader(Convert.FromHexString("0500010000000000"));
        Assert.True(reader.Next());
        Assert.Equal("", reader.GetString());
    }

    [Fact]
    public void ADecodeErrorWithACauseKeepsItsPrefixAndTheCause()
    {
        var inner = new FormatException("bad");
        var error = new NetlinkDecodeException("tuple", inner);
        Assert.Equal("malformed netlink reply: tuple", error.Message);
        Assert.Same(inner, error.InnerException);
    }
}
