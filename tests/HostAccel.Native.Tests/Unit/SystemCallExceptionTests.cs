using HostAccel.Native.Interop;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>The message of a failed C library call: the call, what it was about, the errno and the reason's advice.</summary>
public class SystemCallExceptionTests
{
    [Fact]
    public void TheMessageNamesTheCallAndTheErrno()
    {
        var ex = new SystemCallException("socket", Errno.EPROTONOSUPPORT);
        Assert.Equal($"socket failed: {ErrnoText.Message(Errno.EPROTONOSUPPORT)} (EPROTONOSUPPORT)", ex.Message);
        Assert.Equal("socket", ex.Call);
        Assert.Equal(Errno.EPROTONOSUPPORT, ex.Errno);
        Assert.Equal("EPROTONOSUPPORT", ex.ErrnoName);
        Assert.Equal(KernelReason.None, ex.Reason);
        Assert.Null(ex.Hint);
    }

    [Fact]
    public void TheDetailFollowsTheCallInParentheses()
    {
        var ex = new SystemCallException("recv", Errno.ENOBUFS, "netlink socket");
        Assert.Equal($"recv (netlink socket) failed: {ErrnoText.Message(Errno.ENOBUFS)} (ENOBUFS)", ex.Message);
    }

    [Fact]
    public void TheReasonsAdviceEndsTheMessage()
    {
        var ex = new SystemCallException("setns", Errno.EPERM, "/run/netns/x", KernelReason.SysAdminRequired);
        Assert.Equal(
            $"setns (/run/netns/x) failed: {ErrnoText.Message(Errno.EPERM)} (EPERM). Entering a named network namespace requires CAP_SYS_ADMIN",
            ex.Message);
        Assert.Equal(KernelReason.SysAdminRequired, ex.Reason);
        Assert.Equal("Entering a named network namespace requires CAP_SYS_ADMIN", ex.Hint);
    }

    [Fact]
    public void AReasonWithoutADetailStillEndsTheMessage()
    {
        var ex = new SystemCallException("unshare", Errno.EPERM, reason: KernelReason.SysAdminRequiredForProbe);
        Assert.Equal($"unshare failed: {ErrnoText.Message(Errno.EPERM)} (EPERM). {KernelReasonText.Hint(KernelReason.SysAdminRequiredForProbe)}", ex.Message);
    }
}
