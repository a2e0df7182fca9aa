using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>
/// Opening a netlink socket when the kernel refuses one of the calls that set it up — bind, getsockname, the receive
/// timeout — on a thread where a seccomp filter makes it so (<see cref="SyscallRefusal"/>): the error names the call,
/// and the socket is closed rather than left bound in the namespace.
/// </summary>
public sealed class NetlinkSocketOpenFailureTests : IDisposable
{
    private const int NETLINK_ROUTE = 0;
    private const int SockaddrNlLength = 12;

    private readonly TestNamespace _ns = new();

    public void Dispose() => _ns.Dispose();

    [Fact]
    public void ABindTheKernelRefusesIsASystemCallErrorNamingBind()
    {
        SystemCallException error = Assert.Throws<SystemCallException>(() =>
            SyscallRefusal.Run(SyscallRefusal.Call.Bind, (int)Errno.EACCES, [(2, SockaddrNlLength)], () => NetlinkSocket.Open(NETLINK_ROUTE, _ns.Name)));

        Assert.Equal("bind", error.Call);
        Assert.Equal(Errno.EACCES, error.Errno);
        Assert.StartsWith("bind (netlink socket) failed: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, BoundSockets());
    }

    [Fact]
    public void AGetSockNameTheKernelRefusesIsASystemCallErrorAndTheBoundSocketIsClosed()
    {
        SystemCallException error = Assert.Throws<SystemCallException>(() =>
            SyscallRefusal.Run(SyscallRefusal.Call.GetSockName, (int)Errno.ENOBUFS, [], () => NetlinkSocket.Open(NETLINK_ROUTE, _ns.Name)));

        Assert.Equal("getsockname", error.Call);
        Assert.Equal(Errno.ENOBUFS, error.Errno);
        Assert.StartsWith("getsockname (netlink socket) failed: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, BoundSockets());
    }

    [Fact]
    public void AReceiveTimeoutTheKernelRefusesIsASystemCallErrorAndTheBoundSocketIsClosed()
    {
        SystemCallException error = Assert.Throws<SystemCallException>(() =>
            SyscallRefusal.Run(SyscallRefusal.Call.SetSockOpt, (int)Errno.EACCES, [(1, SyscallRefusal.SOL_SOCKET), (2, SyscallRefusal.SO_RCVTIMEO)],
                () => NetlinkSocket.Open(NETLINK_ROUTE, _ns.Name)));

        Assert.Equal("setsockopt", error.Call);
        Assert.Equal(Errno.EACCES, error.Errno);
        Assert.StartsWith("setsockopt (SO_RCVTIMEO) failed: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, BoundSockets());
    }

    [Fact]
    public void WithNothingRefusedTheSameOpenSucceedsAndItsSocketIsSeenBound()
    {
        // The control: the filter of the other tests, on another call, changes nothing; and a bound socket is counted.
        using NetlinkSocket socket = SyscallRefusal.Run(SyscallRefusal.Call.SetSockOpt, (int)Errno.EACCES, [(1, 0xffff), (2, SyscallRefusal.SO_RCVTIMEO)],
            () => NetlinkSocket.Open(NETLINK_ROUTE, _ns.Name));
        Assert.NotEqual(0u, socket.PortId);
        Assert.Equal(1, BoundSockets());
    }

    /// <summary>The rtnetlink sockets bound in the namespace to a port other than the kernel's (0).</summary>
    private int BoundSockets() =>
        _ns.Exec("cat", "/proc/net/netlink").Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Count(fields => fields[1] == "0" && fields[2] != "0");
}
