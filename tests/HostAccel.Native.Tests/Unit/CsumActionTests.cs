using System.Buffers.Binary;
using HostAccel.Native.Netlink;
using HostAccel.Native.TrafficControl.Actions;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>csum: every checksum in tc's words, tc's bytes decoded, short replies refused.</summary>
public class CsumActionTests
{
    [Theory]
    [InlineData(CsumUpdate.IPv4Header, "csum ip pipe")]
    [InlineData(CsumUpdate.Icmp, "csum icmp pipe")]
    [InlineData(CsumUpdate.Igmp, "csum igmp pipe")]
    [InlineData(CsumUpdate.Tcp, "csum tcp pipe")]
    [InlineData(CsumUpdate.Udp, "csum udp pipe")]
    [InlineData(CsumUpdate.UdpLite, "csum udplite pipe")]
    [InlineData(CsumUpdate.Sctp, "csum sctp pipe")]
    [InlineData(CsumUpdate.IPv4Header | CsumUpdate.Tcp | CsumUpdate.Udp, "csum ip and tcp and udp pipe")]
    public void EachChecksumRendersInTcsWords(CsumUpdate update, string text)
    {
        Assert.Equal(text, new CsumAction(update).ToString());
    }

    [Fact]
    public void EveryChecksumRendersJoinedWithAndInTcsOrder()
    {
        var all = new CsumAction((CsumUpdate)127) { Control = TcControl.Ok };
        Assert.Equal("csum ip and icmp and igmp and tcp and udp and udplite and sctp pass", all.ToString());
    }

    [Fact]
    public void TheActionTcWroteForCsumIpDecodesIntoTheLibrarysCsum()
    {
        TcAction action = Assert.Single(ActionBytes.FromGolden("action-add-csum"));
        Assert.Equal(CsumAction.IPv4Header(), action.AsWritten());
        Assert.Equal("csum ip pipe", action.ToString());
    }

    [Fact]
    public void ACsumWithoutParametersIsRefused()
    {
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() => ActionBytes.DecodeOne("csum", o => o.WriteBytes(2, ActionBytes.Times(1, 1, 0, 0))));
        Assert.Equal("malformed netlink reply: csum action without TCA_CSUM_PARMS", error.Message);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(22)]
    [InlineData(23)]
    public void CsumParametersShorterThanATcCsumAreRefused(int length)
    {
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() =>
            ActionBytes.DecodeOne("csum", o => o.WriteBytes(1, Parms(new TcGen(1, 0, TcControl.Pipe, 1, 1), CsumUpdate.IPv4Header).AsSpan(0, length))));
        Assert.Equal($"malformed netlink reply: TCA_CSUM_PARMS of {length} bytes, 24 expected", error.Message);
    }

    [Fact]
    public void LongerCsumParametersAreReadFromTheirFirstTwentyFourBytes()
    {
        byte[] parms = [.. Parms(new TcGen(4, 0, TcControl.Pipe, 2, 1), CsumUpdate.Udp), 0xFF, 0xFF, 0xFF, 0xFF];
        TcAction action = ActionBytes.DecodeOne("csum", o => o.WriteBytes(1, parms));
        Assert.Equal(new CsumAction(CsumUpdate.Udp) { Index = 4, State = new TcActionState(2, 1) }, action);
    }

    private static byte[] Parms(TcGen gen, CsumUpdate update)
    {
        byte[] bytes = ActionBytes.Gen(gen, 4);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(20), (uint)update);
        return bytes;
    }
}
