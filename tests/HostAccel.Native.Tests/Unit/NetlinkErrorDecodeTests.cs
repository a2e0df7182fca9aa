using System.Buffers.Binary;
using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>
/// NLMSG_ERROR bodies as the kernel lays them out: errno, the original header (and without NETLINK_CAP_ACK the rest
/// of the offending message), then the extended-ACK attributes when NLM_F_ACK_TLVS is set.
/// </summary>
public class NetlinkErrorDecodeTests
{
    private const ushort Capped = 0x100;
    private const ushort AckTlvs = 0x200;

    // errno, then an echoed message of originalLength bytes (header + body), then the TLVs.
    private static byte[] Body(int error, uint originalLength, byte[] echoedBody, byte[] tlvs, uint? headerLength = null)
    {
        var bytes = new List<byte>();
        byte[] header = new byte[20];
        BinaryPrimitives.WriteInt32LittleEndian(header, error);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), headerLength ?? originalLength);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), 0x0a10);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), 99);
        bytes.AddRange(header);
        bytes.AddRange(echoedBody);
        bytes.AddRange(tlvs);
        return bytes.ToArray();
    }

    private static byte[] Tlvs(string text, uint offset)
    {
        var w = new NetlinkWriter();
        w.WriteString(1, text);
        w.WriteU32Host(2, offset);
        return w.WrittenSpan.ToArray();
    }

    private static NetlinkError Decode(ushort flags, byte[] payload) => NetlinkError.Decode(new NetlinkMessage(2, flags, 99, 0, payload));

    private static string DecodeError(ushort flags, byte[] payload) =>
        Assert.Throws<NetlinkDecodeException>(() => Decode(flags, payload)).Message;

    [Fact]
    public void AnUncappedErrorSkipsTheEchoedMessageToReachTheExtAck()
    {
        // The echoed body starts with an nfgenmsg, which read as an attribute would be malformed.
        byte[] payload = Body(-2, 28, Convert.FromHexString("02000000" + "0800010000000001"), Tlvs("No such table", 20));
        NetlinkError error = Decode(AckTlvs, payload);
        Assert.Equal(new NetlinkError(Errno.ENOENT, 99, 0x0a10, "No such table", 20), error);
    }

    [Fact]
    public void AnUncappedErrorEchoingOnlyAHeaderIsDecoded()
    {
        NetlinkError error = Decode(AckTlvs, Body(-22, 16, [], Tlvs("bad", 4)));
        Assert.Equal(new NetlinkError(Errno.EINVAL, 99, 0x0a10, "bad", 4), error);
    }

    [Fact]
    public void ExtAckAttributesAreReadOnlyWhenTheFlagSaysSo()
    {
        NetlinkError error = Decode(0, Body(-22, 16, [], Tlvs("bad", 4)));
        Assert.Equal(new NetlinkError(Errno.EINVAL, 99, 0x0a10, null, null), error);
    }

    [Fact]
    public void AnAckEchoesOnlyTheHeaderOfALongerMessage()
    {
        // An ACK is never followed by the original body, even uncapped: its header's length is the whole request's.
        NetlinkError ack = Decode(0, Body(0, 200, [], []));
        Assert.True(ack.IsAck);
        Assert.Equal(new NetlinkError(Errno.None, 99, 0x0a10, null, null), ack);
    }

    [Fact]
    public void ACappedErrorHasItsTlvsRightAfterTheHeader()
    {
        NetlinkError error = Decode(Capped | AckTlvs, Body(-1, 400, [], Tlvs("denied", 8)));
        Assert.Equal(new NetlinkError(Errno.EPERM, 99, 0x0a10, "denied", 8), error);
    }

    [Theory]
    [InlineData(15u, 0, "NLMSG_ERROR echoes a message of 15 bytes in 16")]
    [InlineData(24u, 4, "NLMSG_ERROR echoes a message of 24 bytes in 20")]
    [InlineData(21u, 4, "NLMSG_ERROR echoes a message of 21 bytes in 20")]
    public void AnEchoLongerThanTheBodyOrShorterThanAHeaderIsADecodeError(uint originalLength, int bodyBytes, string message)
    {
        string text = DecodeError(0, Body(-22, originalLength, new byte[bodyBytes], []));
        Assert.Equal("malformed netlink reply: " + message, text);
    }

    [Fact]
    public void AnEchoFillingTheWholeBodyIsDecoded()
    {
        NetlinkError error = Decode(AckTlvs, Body(-22, 20, new byte[4], []));
        Assert.Equal(new NetlinkError(Errno.EINVAL, 99, 0x0a10, null, null), error);
    }

    [Fact]
    public void ABodyShorterThanErrnoAndHeaderOrWithAPositiveErrorIsADecodeError()
    {
        Assert.Equal("malformed netlink reply: NLMSG_ERROR of 19 bytes is shorter than errno and the original header", DecodeError(0, new byte[19]));
        Assert.Equal("malformed netlink reply: NLMSG_ERROR carries a positive error 5", DecodeError(0, Body(5, 16, [], [])));
    }
}
