using HostAccel.Native.Netlink;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>The rtnetlink family headers: their exact layout both ways, and the length check on replies.</summary>
public class RtnetlinkHeaderTests
{
    [Fact]
    public void IfInfoMsgIsWrittenAndReadFieldByField()
    {
        var value = new IfInfoMsg(10, 0x0304, 7, 0x11223344, 0xffffffff);
        byte[] bytes = new byte[IfInfoMsg.Length];
        value.WriteTo(bytes);
        Assert.Equal(Convert.FromHexString("0a000403" + "07000000" + "44332211" + "ffffffff"), bytes);
        Assert.Equal(value, IfInfoMsg.Read(bytes));
    }

    [Fact]
    public void HeadersOfExactlyTheirLengthAreRead()
    {
        Assert.Equal(new TcMsg(2, 3, 4, 5, 6), TcMsg.Read(Convert.FromHexString("02000000" + "03000000" + "04000000" + "05000000" + "06000000")));
        Assert.Equal(new IfInfoMsg(2, 1, 3, 4, 5), IfInfoMsg.Read(Convert.FromHexString("02000100" + "03000000" + "04000000" + "05000000")));
        Assert.Equal(new RtMsg(2, 24, 0, 0, 254, 4, 0, 1, 9), RtMsg.Read(Convert.FromHexString("02180000" + "fe040001" + "09000000")));
        Assert.Equal(new NdMsg(2, 3, 0x80, 1, 2), NdMsg.Read(Convert.FromHexString("02000000" + "03000000" + "8000" + "0102")));
    }

    public static TheoryData<string, string> ShortHeaders => new()
    {
        { "tcmsg", "message of 19 bytes is shorter than its tcmsg (20)" },
        { "ifinfomsg", "message of 15 bytes is shorter than its ifinfomsg (16)" },
        { "rtmsg", "message of 11 bytes is shorter than its rtmsg (12)" },
        { "ndmsg", "message of 11 bytes is shorter than its ndmsg (12)" },
    };

    [Theory]
    [MemberData(nameof(ShortHeaders))]
    public void AReplyShorterThanItsHeaderIsADecodeErrorNamingTheHeader(string header, string message)
    {
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() =>
        {
            switch (header)
            {
                case "tcmsg":
                    TcMsg.Read(new byte[19]);
                    break;
                case "ifinfomsg":
                    IfInfoMsg.Read(new byte[15]);
                    break;
                case "rtmsg":
                    RtMsg.Read(new byte[11]);
                    break;
                default:
                    NdMsg.Read(new byte[11]);
                    break;
            }
        });
        Assert.Equal("malformed netlink reply: " + message, error.Message);
    }
}
