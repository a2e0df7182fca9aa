using System.Buffers.Binary;
using HostAccel.Native.Netlink;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>
/// The writer's buffer is reused (Clear) between requests: every byte it hands out — header fields, padding, struct
/// gaps — must be written afresh, never left from the previous request. And its size limits are exact.
/// </summary>
public class NetlinkWriterTests
{
    private static NetlinkWriter Dirty()
    {
        var writer = new NetlinkWriter(64);
        writer.WriteRaw(Enumerable.Repeat((byte)0xee, 256).ToArray());
        writer.Clear();
        return writer;
    }

    [Fact]
    public void AReusedBufferLeavesNoStaleByteInHeadersPaddingOrStructs()
    {
        NetlinkWriter writer = Dirty();
        int start = writer.BeginMessage(16, 5, 3);
        Assert.Equal(Convert.FromHexString("00000000" + "1000" + "0500" + "03000000" + "00000000"), writer.WrittenSpan.ToArray());
        writer.WriteStruct(new TcaMsg(2));
        writer.WriteU8(1, 9);
        writer.WriteStruct(7, new TcaMsg(2));
        using (writer.Nested(8))
        {
            Assert.Equal("00000880", Convert.ToHexString(writer.WrittenSpan[^4..]));
        }

        using (writer.NestedWithoutFlag(9))
        {
            Assert.Equal("00000900", Convert.ToHexString(writer.WrittenSpan[^4..]));
        }

        writer.EndMessage(start);
        Assert.Equal(
            Convert.FromHexString(
                "2c000000" + "1000" + "0500" + "03000000" + "00000000" + // header: length 44, port id 0
                "02000000" +                                             // tcamsg: family, then 3 zero bytes of padding
                "0500010009000000" +                                     // u8 9, 3 bytes of padding zeroed
                "0800070002000000" +                                     // struct attribute: tcamsg
                "04000880" + "04000900"),                                // empty nests
            writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void AnAttributeOfExactlySixtyFourKilobytesLessOneIsWrittenAndOneMoreIsRefused()
    {
        var writer = new NetlinkWriter(64);
        writer.WriteBytes(1, new byte[65531]);
        Assert.Equal(0xffff, BinaryPrimitives.ReadUInt16LittleEndian(writer.WrittenSpan));
        Assert.Equal(65536, writer.Length);

        ArgumentOutOfRangeException error = Assert.Throws<ArgumentOutOfRangeException>(() => writer.WriteBytes(3, new byte[65532]));
        Assert.Equal("payloadLength", error.ParamName);
        Assert.StartsWith("attribute 3 is 65532 bytes long; netlink attributes hold at most 65531.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANestOfExactlySixtyFourKilobytesLessOneIsClosedAndOneMoreIsRefused()
    {
        var writer = new NetlinkWriter();
        // Attributes keep a nest's length a multiple of 4; raw bytes can reach the odd limit.
        using (writer.Nested(2))
        {
            writer.WriteRaw(new byte[65531]);
        }

        Assert.Equal(0xffff, BinaryPrimitives.ReadUInt16LittleEndian(writer.WrittenSpan));

        writer.Clear();
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() =>
        {
            using (writer.Nested(2))
            {
                writer.WriteRaw(new byte[65532]);
            }
        });
        Assert.Equal("nested attribute is 65536 bytes long; netlink attributes hold at most 65535.", error.Message);
    }

    [Fact]
    public void AWriteLargerThanTwiceTheBufferGrowsItEnough()
    {
        var writer = new NetlinkWriter(64);
        byte[] value = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        writer.WriteU8(1, 1);
        writer.WriteBytes(2, value);
        Assert.Equal(8 + 1004, writer.Length);
        Assert.Equal(value, writer.WrittenSpan[12..].ToArray());
    }

    [Fact]
    public void EndingAMessageThatStartsPastTheEndIsRefused()
    {
        var writer = new NetlinkWriter();
        writer.WriteRaw(new byte[100]);
        writer.Clear();
        writer.BeginMessage(16, 0, 1);
        Assert.Throws<OverflowException>(() => writer.EndMessage(50));
    }
}
