using System.Buffers.Binary;
using HostAccel.Native.Netlink;
using HostAccel.Native.TrafficControl.Actions;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>mirred: each mode in tc's words (the verdict only when not tc's default), tc's bytes decoded, short replies refused.</summary>
public class MirredActionTests
{
    private static readonly Func<int, string?> Names = i => i == 2 ? "eth0" : null;

    [Theory]
    [InlineData(MirredKind.EgressRedirect, TcControl.Stolen, "mirred egress redirect dev eth0")]
    [InlineData(MirredKind.EgressRedirect, TcControl.Pipe, "mirred egress redirect dev eth0 pipe")]
    [InlineData(MirredKind.IngressRedirect, TcControl.Stolen, "mirred ingress redirect dev eth0")]
    [InlineData(MirredKind.IngressRedirect, TcControl.Ok, "mirred ingress redirect dev eth0 pass")]
    [InlineData(MirredKind.EgressMirror, TcControl.Pipe, "mirred egress mirror dev eth0")]
    [InlineData(MirredKind.EgressMirror, TcControl.Stolen, "mirred egress mirror dev eth0 stolen")]
    [InlineData(MirredKind.IngressMirror, TcControl.Pipe, "mirred ingress mirror dev eth0")]
    [InlineData(MirredKind.IngressMirror, TcControl.Shot, "mirred ingress mirror dev eth0 drop")]
    public void AModeRendersInTcsWordsWithTheVerdictOnlyWhenNotTheDefault(MirredKind mode, TcControl control, string text)
    {
        Assert.Equal(text, new MirredAction(mode, 2) { Control = control }.Render(Names));
    }

    [Fact]
    public void TheActionTcWroteForARedirectToLoDecodesIntoTheLibrarysRedirect()
    {
        TcAction action = Assert.Single(ActionBytes.FromGolden("action-add-mirred"));
        Assert.Equal(MirredAction.EgressRedirect(1), action.AsWritten());
    }

    [Theory]
    [InlineData(MirredKind.EgressMirror)]
    [InlineData(MirredKind.IngressRedirect)]
    [InlineData(MirredKind.IngressMirror)]
    public void EveryModeDecodesIntoWhatWasEncoded(MirredKind mode)
    {
        var action = new MirredAction(mode, 7) { Control = TcControl.Pipe, Index = 3 };
        Assert.Equal(action, Assert.Single(ActionBytes.RoundTrip([action])) with { State = null });
    }

    [Fact]
    public void AMirredWithoutParametersIsRefused()
    {
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() => ActionBytes.DecodeOne("mirred", o => o.WriteBytes(1, ActionBytes.Times(1, 1, 0, 0))));
        Assert.Equal("malformed netlink reply: mirred action without TCA_MIRRED_PARMS", error.Message);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(24)]
    [InlineData(27)]
    public void MirredParametersShorterThanATcMirredAreRefused(int length)
    {
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() =>
            ActionBytes.DecodeOne("mirred", o => o.WriteBytes(2, Parms(new TcGen(1, 0, TcControl.Stolen, 1, 1), MirredKind.EgressRedirect, 2).AsSpan(0, length))));
        Assert.Equal($"malformed netlink reply: TCA_MIRRED_PARMS of {length} bytes, 28 expected", error.Message);
    }

    [Fact]
    public void LongerMirredParametersAreReadFromTheirFirstTwentyEightBytes()
    {
        byte[] parms = [.. Parms(new TcGen(5, 0, TcControl.Stolen, 1, 1), MirredKind.EgressRedirect, 2), 0xFF, 0xFF, 0xFF, 0xFF];
        TcAction action = ActionBytes.DecodeOne("mirred", o => o.WriteBytes(2, parms));
        Assert.Equal(MirredAction.EgressRedirect(2) with { Index = 5, State = new TcActionState(1, 1) }, action);
    }

    private static byte[] Parms(TcGen gen, MirredKind mode, int interfaceIndex)
    {
        byte[] bytes = ActionBytes.Gen(gen, 8);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(20), (int)mode);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(24), interfaceIndex);
        return bytes;
    }
}
