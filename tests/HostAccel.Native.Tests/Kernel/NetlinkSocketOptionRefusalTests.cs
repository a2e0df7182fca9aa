using System.Runtime.InteropServices;
using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.Native.Tests.Support;
using Xunit;

using static HostAccel.Native.Tests.Support.SyscallRefusal;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>
/// Which socket options a netlink socket must have and which it does without: on a thread where a seccomp filter
/// makes the kernel refuse one option (<see cref="SyscallRefusal"/>), as a kernel that lacks it would, the optional
/// ones (extended and capped ACKs, strict checking, the receive buffer past the default) are left as they are and the
/// socket works; the required ones (a receive buffer or send buffer asked for, reading the receive buffer) fail
/// naming the option.
/// </summary>
public sealed class NetlinkSocketOptionRefusalTests : IDisposable
{
    private const int NETLINK_ROUTE = 0;
    private const int NETLINK_CAP_ACK = 10;
    private const int NETLINK_EXT_ACK = 11;
    private const int NETLINK_GET_STRICT_CHK = 12;
    private const Errno ENOPROTOOPT = (Errno)92;
    private const ushort NLMSG_NOOP = 1;
    private const ushort NLM_F_REQUEST = 0x01;
    private const ushort NLM_F_ACK = 0x04;

    private readonly TestNamespace _ns = new();
    private readonly NetlinkSocket _socket;

    public NetlinkSocketOptionRefusalTests()
    {
        _socket = NetlinkSocket.Open(NETLINK_ROUTE, _ns.Name);
    }

    public void Dispose()
    {
        _socket.Dispose();
        _ns.Dispose();
    }

    [Theory]
    [InlineData(NETLINK_EXT_ACK, NETLINK_CAP_ACK)]
    [InlineData(NETLINK_CAP_ACK, NETLINK_EXT_ACK)]
    public void ASocketOpensWithoutAnAckOptionTheKernelLacks(int refused, int other)
    {
        using NetlinkSocket socket = Run(Call.SetSockOpt, (int)ENOPROTOOPT, [(1, SOL_NETLINK), (2, (uint)refused)],
            () => NetlinkSocket.Open(NETLINK_ROUTE, _ns.Name));

        Assert.Equal(0, GetInt(socket, SOL_NETLINK, refused));
        Assert.Equal(1, GetInt(socket, SOL_NETLINK, other));
        Assert.True(socket.Request(Noop).IsAck);
    }

    [Fact]
    public void ASocketOpensWithTheDefaultReceiveBufferWhenNeitherWayOfEnlargingItIsAllowed()
    {
        // Without CAP_NET_ADMIN SO_RCVBUFFORCE is refused; SO_RCVBUF is refused by the filter.
        int defaultSize = int.Parse(File.ReadAllText("/proc/sys/net/core/rmem_default").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        using NetlinkSocket socket = Run(Call.SetSockOpt, (int)Errno.EACCES, [(1, SOL_SOCKET), (2, SO_RCVBUF)],
            () => ThreadCapabilities.RunWithout(ThreadCapabilities.CAP_NET_ADMIN, () => NetlinkSocket.Open(NETLINK_ROUTE, _ns.Name), effectiveOnly: true));

        Assert.Equal(defaultSize, socket.KernelReceiveBufferSize);
        Assert.True(socket.Request(Noop).IsAck);
    }

    [Fact]
    public void StrictCheckingIsReportedUnavailableWhereTheKernelLacksIt()
    {
        bool enabled = Run(Call.SetSockOpt, (int)ENOPROTOOPT, [(1, SOL_NETLINK), (2, NETLINK_GET_STRICT_CHK)], _socket.EnableStrictChecking);

        Assert.False(enabled);
        Assert.Equal(0, GetInt(_socket, SOL_NETLINK, NETLINK_GET_STRICT_CHK));
    }

    [Fact]
    public void AReceiveBufferSizeTheKernelRefusesIsASystemCallError()
    {
        SystemCallException error = Assert.Throws<SystemCallException>(() =>
            Run(Call.SetSockOpt, (int)Errno.EACCES, [(1, SOL_SOCKET), (2, SO_RCVBUF)], () => _socket.KernelReceiveBufferSize = 4096));

        Assert.Equal(("setsockopt", Errno.EACCES), (error.Call, error.Errno));
        Assert.StartsWith("setsockopt (level 1 option 8) failed: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AReceiveBufferSizeTheKernelWillNotTellIsASystemCallError()
    {
        SystemCallException error = Assert.Throws<SystemCallException>(() =>
            Run(Call.GetSockOpt, (int)Errno.EACCES, [(1, SOL_SOCKET), (2, SO_RCVBUF)], () => _socket.KernelReceiveBufferSize));

        Assert.Equal(("getsockopt", Errno.EACCES), (error.Call, error.Errno));
        Assert.StartsWith("getsockopt (SO_RCVBUF) failed: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ALargeDatagramWhoseSendBufferCannotBeSetFailsNamingTheOptionBeforeItIsSent()
    {
        // Without CAP_NET_ADMIN SO_SNDBUFFORCE is refused; SO_SNDBUF, the way left, is refused by the filter.
        SystemCallException error = Assert.Throws<SystemCallException>(() =>
            Run(Call.SetSockOpt, (int)Errno.EACCES, [(1, SOL_SOCKET), (2, SO_SNDBUF)],
                () => ThreadCapabilities.RunWithout(ThreadCapabilities.CAP_NET_ADMIN, () => _socket.Request((w, s) => Noop(w, s, 1024 * 1024)), effectiveOnly: true)));

        Assert.Equal(("setsockopt", Errno.EACCES), (error.Call, error.Errno));
        Assert.StartsWith("setsockopt (level 1 option 7) failed: ", error.Message, StringComparison.Ordinal);
        Assert.True(_socket.Receive(wait: false).IsEmpty);
    }

    private static void Noop(NetlinkWriter writer, uint sequence) => Noop(writer, sequence, 16);

    private static void Noop(NetlinkWriter writer, uint sequence, int length)
    {
        int start = writer.BeginMessage(NLMSG_NOOP, NLM_F_REQUEST | NLM_F_ACK, sequence);
        writer.WriteRaw(new byte[length - 16]);
        writer.EndMessage(start);
    }

    private static int GetInt(NetlinkSocket socket, int level, int name)
    {
        int value = 0;
        uint length = sizeof(int);
        Assert.Equal(0, getsockopt((int)socket.Handle.DangerousGetHandle(), level, name, ref value, ref length));
        return value;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getsockopt(int fd, int level, int name, ref int value, ref uint length);
}
