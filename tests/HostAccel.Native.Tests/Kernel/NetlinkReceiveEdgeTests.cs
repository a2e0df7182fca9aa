using System.Buffers.Binary;
using System.Runtime.InteropServices;
using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>
/// The edges of what a netlink socket receives, over rtnetlink in a throwaway namespace: a datagram of exactly the
/// receive buffer's size and one a word longer (made by the kernel itself, echoing a refused request whole), and a
/// dump ended by an NLMSG_DONE that carries nothing but a negative errno.
/// </summary>
public sealed class NetlinkReceiveEdgeTests : IDisposable
{
    private const int NETLINK_ROUTE = 0;
    private const int SOL_NETLINK = 270;
    private const int NETLINK_CAP_ACK = 10;
    private const int NETLINK_EXT_ACK = 11;
    private const ushort RTM_GETLINK = 18;
    private const ushort NLMSG_ERROR = 2;
    private const ushort NLMSG_DONE = 3;
    private const ushort NLM_F_REQUEST = 0x01;
    private const ushort NLM_F_MULTI = 0x02;
    private const ushort NLM_F_DUMP = 0x300;
    private const ushort NLM_F_ACK_TLVS = 0x200;
    private const int ReceiveBufferSize = 256 * 1024;

    private readonly TestNamespace _ns = new();
    private readonly NetlinkSocket _socket;

    public NetlinkReceiveEdgeTests()
    {
        _socket = NetlinkSocket.Open(NETLINK_ROUTE, _ns.Name);
    }

    public void Dispose()
    {
        _socket.Dispose();
        _ns.Dispose();
    }

    [Fact]
    public void ADatagramOfExactlyTheReceiveBufferIsReceivedWholeAndOneWordMoreIsADecodeError()
    {
        // Without NETLINK_CAP_ACK and NETLINK_EXT_ACK the kernel's error echoes the refused request whole: 20 bytes
        // (header and errno) more than the request, nothing else. A type past RTM_MAX is refused with EOPNOTSUPP.
        SetInt(SOL_NETLINK, NETLINK_CAP_ACK, 0);
        SetInt(SOL_NETLINK, NETLINK_EXT_ACK, 0);

        uint sequence = _socket.NextSequence();
        _socket.Send(Request(sequence, ReceiveBufferSize - 20));
        byte[] datagram = _socket.Receive().ToArray();
        Assert.Equal(ReceiveBufferSize, datagram.Length);
        Assert.Equal(NLMSG_ERROR, BinaryPrimitives.ReadUInt16LittleEndian(datagram.AsSpan(4)));
        Assert.Equal(sequence, BinaryPrimitives.ReadUInt32LittleEndian(datagram.AsSpan(8)));
        Assert.Equal(-(int)Errno.EOPNOTSUPP, BinaryPrimitives.ReadInt32LittleEndian(datagram.AsSpan(16)));

        _socket.Send(Request(_socket.NextSequence(), ReceiveBufferSize - 16));
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() => _socket.Receive());
        Assert.Equal($"malformed netlink reply: datagram of {ReceiveBufferSize + 4} bytes truncated to {ReceiveBufferSize}", error.Message);
        Assert.True(_socket.Receive(wait: false).IsEmpty);
    }

    [Theory]
    [InlineData(Errno.EPERM, KernelReason.NetAdminRequired)]
    [InlineData(Errno.ENOENT, KernelReason.None)]
    [InlineData(Errno.EINVAL, KernelReason.None)]
    public void ADumpEndedByADoneOfOnlyANegativeErrnoFailsWithThatErrno(Errno errno, KernelReason reason)
    {
        byte[] payload = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(payload, -(int)errno);
        _socket.OnReceive = Once(d => Write(d, Message(NLMSG_DONE, NLM_F_MULTI, Sequence(d), PortId(d), payload)));

        NetlinkException error = Assert.Throws<NetlinkException>(() => DumpLinks());
        Assert.Equal(errno, error.Errno);
        Assert.Equal(reason, error.Reason);
        Assert.Equal("listing links", error.Operation);
        Assert.Null(error.ExtAckMessage);
    }

    [Fact]
    public void ADoneOfZeroEndsTheDump()
    {
        _socket.OnReceive = Once(d => Write(d, Message(NLMSG_DONE, NLM_F_MULTI, Sequence(d), PortId(d), new byte[4])));
        Assert.Equal(0, DumpLinks());
    }

    [Theory]
    [InlineData(NLM_F_MULTI | NLM_F_ACK_TLVS, "no such table")]
    [InlineData(NLM_F_MULTI, null)]
    public void AFailedDumpCarriesTheExtendedAckTextOnlyWhenTheDoneIsFlaggedWithIt(ushort flags, string? text)
    {
        var tlvs = new NetlinkWriter();
        tlvs.WriteString(1 /* NLMSGERR_ATTR_MSG */, "no such table");
        byte[] payload = [.. BitConverter.GetBytes(-(int)Errno.ENOENT), .. tlvs.WrittenSpan];
        _socket.OnReceive = Once(d => Write(d, Message(NLMSG_DONE, flags, Sequence(d), PortId(d), payload)));

        NetlinkException error = Assert.Throws<NetlinkException>(() => DumpLinks());
        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.Equal(text, error.ExtAckMessage);
    }

    private int DumpLinks()
    {
        int count = 0;
        _socket.Dump((w, s) =>
        {
            int start = w.BeginMessage(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, s);
            w.WriteRaw(new byte[16]);
            w.EndMessage(start);
        }, (in NetlinkMessage _) => count++, null, "listing links");
        return count;
    }

    /// <summary>A request of a type rtnetlink does not know, <paramref name="length"/> bytes long with its header.</summary>
    private static byte[] Request(uint sequence, int length)
    {
        var writer = new NetlinkWriter(length);
        int start = writer.BeginMessage(0x7fff, NLM_F_REQUEST, sequence);
        writer.WriteRaw(new byte[length - 16]);
        writer.EndMessage(start);
        return writer.WrittenSpan.ToArray();
    }

    private static ReceiveHook Once(Func<Span<byte>, int> edit)
    {
        bool done = false;
        return datagram =>
        {
            if (done)
            {
                return datagram.Length;
            }

            done = true;
            return edit(datagram);
        };
    }

    private static uint Sequence(Span<byte> datagram) => BinaryPrimitives.ReadUInt32LittleEndian(datagram[8..]);

    private static uint PortId(Span<byte> datagram) => BinaryPrimitives.ReadUInt32LittleEndian(datagram[12..]);

    private static int Write(Span<byte> datagram, byte[] message)
    {
        message.CopyTo(datagram);
        return message.Length;
    }

    private static byte[] Message(ushort type, ushort flags, uint sequence, uint portId, byte[] payload)
    {
        byte[] message = new byte[16 + ((payload.Length + 3) & ~3)];
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)(16 + payload.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(4), type);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(6), flags);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(8), sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(12), portId);
        payload.CopyTo(message, 16);
        return message;
    }

    private void SetInt(int level, int name, int value) =>
        Assert.Equal(0, setsockopt((int)_socket.Handle.DangerousGetHandle(), level, name, ref value, sizeof(int)));

    [DllImport("libc", SetLastError = true)]
    private static extern int setsockopt(int fd, int level, int name, ref int value, uint length);
}
