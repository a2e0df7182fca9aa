using HostAccel.Native.Netlink;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>struct ndmsg as written into a neighbour request: every field at its offset, the padding left zero.</summary>
public class NdMsgLayoutTests
{
    [Fact]
    public void NdMsgIsWrittenFieldByFieldAndReadBack()
    {
        var value = new NdMsg(10, 0x01020304, 0x0180, 0x22, 0x33);
        var writer = new NetlinkWriter();
        writer.WriteStruct(value);

        Assert.Equal(Convert.FromHexString("0a000000" + "04030201" + "8001" + "2233"), writer.WrittenSpan.ToArray());
        Assert.Equal(value, NdMsg.Read(writer.WrittenSpan));
    }
}
