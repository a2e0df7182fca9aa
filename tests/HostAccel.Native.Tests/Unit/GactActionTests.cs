using HostAccel.Native.Netlink;
using HostAccel.Native.TrafficControl.Actions;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>gact: tc's words for each verdict, tc's own bytes decoded, and the replies it refuses.</summary>
public class GactActionTests
{
    [Theory]
    [InlineData(TcControl.Ok, "gact pass")]
    [InlineData(TcControl.Shot, "gact drop")]
    [InlineData(TcControl.Unspecified, "gact continue")]
    [InlineData(TcControl.Pipe, "gact pipe")]
    [InlineData(TcControl.Stolen, "gact stolen")]
    [InlineData(TcControl.Reclassify, "gact reclassify")]
    public void AVerdictRendersInTcsWords(TcControl control, string text)
    {
        Assert.Equal(text, (GactAction.Pass() with { Control = control }).ToString());
    }

    [Fact]
    public void TheActionTcWroteForGactPassDecodesIntoGactPass()
    {
        TcAction action = Assert.Single(ActionBytes.FromGolden("action-add-gact"));
        Assert.Equal(GactAction.Pass(), action.AsWritten());
        Assert.Equal("gact pass", action.ToString());
    }

    [Fact]
    public void AGactReplyCarriesTheKernelsIndexAndCounts()
    {
        TcAction action = ActionBytes.DecodeOne("gact", o => o.WriteBytes(2, ActionBytes.Gen(new TcGen(9, 0, TcControl.Shot, 2, 1))));
        Assert.Equal(new GactAction { Control = TcControl.Shot, Index = 9, State = new TcActionState(2, 1) }, action);
    }

    [Fact]
    public void AGactWithoutParametersIsRefused()
    {
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() => ActionBytes.DecodeOne("gact", o => o.WriteBytes(1, ActionBytes.Times(1, 1, 0, 0))));
        Assert.Equal("malformed netlink reply: gact action without TCA_GACT_PARMS", error.Message);
    }

    [Fact]
    public void AGactWhoseParametersAreShorterThanATcGenIsRefused()
    {
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() => ActionBytes.DecodeOne("gact", o => o.WriteBytes(2, new byte[19])));
        Assert.Equal("malformed netlink reply: tc_gact of 19 bytes is shorter than its tc_gen (20)", error.Message);
    }
}
