using HostAccel.Native.Netlink;
using HostAccel.Native.TrafficControl;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>The qdisc record: which qdisc is a clsact, how one is shown, and a message without a kind.</summary>
public class TcQdiscTests
{
    [Fact]
    public void OnlyAClsactKindUnderTheClsactParentIsAClsact()
    {
        Assert.True(TcQdisc.Clsact(2).IsClsact);
        // The ingress qdisc has the same parent (ffff:fff1), another kind; a clsact-named root qdisc is none either.
        Assert.False((new TcQdisc(2, "ingress") { Handle = 0xFFFF0000, Parent = 0xFFFFFFF1 }).IsClsact);
        Assert.False((TcQdisc.Clsact(2) with { Parent = 0xFFFFFFFF }).IsClsact);
    }

    [Theory]
    [InlineData(0xFFFF0000u, 0xFFFFFFF1u, "clsact", "qdisc clsact ffff: dev #2 parent ffff:fff1")]
    [InlineData(0x00010000u, 0xFFFFFFFFu, "pfifo", "qdisc pfifo 1: dev #2 parent ffff:ffff")]
    [InlineData(0x80020000u, 0x00010003u, "fq_codel", "qdisc fq_codel 8002: dev #2 parent 1:3")]
    public void AQdiscIsShownWithItsHandleAndParentAsTcWritesThem(uint handle, uint parent, string kind, string text)
    {
        Assert.Equal(text, (new TcQdisc(2, kind) { Handle = handle, Parent = parent }).ToString());
    }

    [Fact]
    public void AQdiscMessageWithoutAKindDecodesWithAnEmptyKind()
    {
        var writer = new NetlinkWriter();
        int start = writer.BeginMessage(36, 0, 1);
        writer.WriteStruct(new TcMsg(0, 3, 0x00010000, 0xFFFFFFFF, 0));
        writer.EndMessage(start);
        foreach (NetlinkMessage message in NetlinkMessage.Parse(writer.WrittenSpan))
        {
            Assert.Equal(new TcQdisc(3, "") { Handle = 0x00010000, Parent = 0xFFFFFFFF }, TcQdisc.Decode(message));
        }
    }

    [Fact]
    public void TheClsactHooksAreTheClsactHandleWithTheirMinor()
    {
        Assert.Equal((uint)ClsactHook.Ingress, TcConstants.TC_H_MAKE(TcConstants.TC_H_CLSACT, TcConstants.TC_H_MIN_INGRESS));
        Assert.Equal((uint)ClsactHook.Egress, TcConstants.TC_H_MAKE(TcConstants.TC_H_CLSACT, TcConstants.TC_H_MIN_EGRESS));
        // Each half comes from its own argument only.
        Assert.Equal(0x00010003u, TcConstants.TC_H_MAKE(0x0001FFFF, 0xFFFF0003));
    }
}
