using HostAccel.Native.Interop;
using HostAccel.Native.TrafficControl;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>
/// What a refused plan says, on the real kernel in a throwaway namespace (clsact only, which this host has, with tc
/// as the oracle): the kernel's error, then whether the changes before it were undone, or which were not.
/// </summary>
public sealed class TcApplyExceptionTests : TcNamespaceTest
{
    private bool TcSeesClsact(string device) =>
        Ns.Exec("tc", "qdisc", "show", "dev", device).Contains("qdisc clsact", StringComparison.Ordinal);

    [Fact]
    public void AFirstChangeRefusedIsReportedWithTheKernelsErrorAlone()
    {
        Ns.Exec("tc", "qdisc", "add", "dev", "veth-a", "clsact");
        TcApplyException refused = Assert.Throws<TcApplyException>(() => Connection.Apply([TcChange.AddQdisc(TcQdisc.Clsact(A))]));

        Assert.Equal(0, refused.Index);
        Assert.Equal(Errno.EEXIST, refused.Errno);
        Assert.Empty(refused.NotUndone);
        Assert.Equal(refused.KernelError.Message, refused.Message);
        Assert.True(TcSeesClsact("veth-a"));
    }

    [Fact]
    public void ARefusalAfterChangesThatWereAllUndoneSaysSo()
    {
        TcChange add = TcChange.AddQdisc(TcQdisc.Clsact(A));
        TcApplyException refused = Assert.Throws<TcApplyException>(() => Connection.Apply([add, add]));

        Assert.Equal(1, refused.Index);
        Assert.Empty(refused.NotUndone);
        Assert.Equal($"{refused.KernelError.Message} (the 1 change(s) before it were undone)", refused.Message);
        Assert.False(TcSeesClsact("veth-a"));
    }

    /// <summary>A replace of a qdisc is never undone (it may have found the clsact there): the message lists those as tc.</summary>
    [Fact]
    public void ARefusalAfterChangesThatCouldNotAllBeUndoneListsThoseThatStay()
    {
        TcChange replaceA = TcChange.ReplaceQdisc(TcQdisc.Clsact(A));
        TcChange replaceLo = TcChange.ReplaceQdisc(TcQdisc.Clsact(1));
        TcApplyException refused = Assert.Throws<TcApplyException>(() =>
            Connection.Apply([replaceA, TcChange.AddQdisc(TcQdisc.Clsact(B)), replaceLo, TcChange.AddQdisc(TcQdisc.Clsact(A))]));

        Assert.Equal(3, refused.Index);
        Assert.Equal([replaceA, replaceLo], refused.NotUndone);
        Assert.Equal(
            $"{refused.KernelError.Message} (2 of the 3 change(s) before it could not be undone: tc qdisc replace dev #{A} clsact; tc qdisc replace dev #1 clsact)",
            refused.Message);
        Assert.True(TcSeesClsact("veth-a"));
        Assert.False(TcSeesClsact("veth-b"));
        Assert.True(TcSeesClsact("lo"));
    }
}
