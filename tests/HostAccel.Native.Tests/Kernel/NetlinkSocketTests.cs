using System.Buffers.Binary;
using System.Runtime.InteropServices;
using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>
/// The netlink socket itself, over rtnetlink in a throwaway namespace: how it is opened and configured, how it sends
/// and receives, and how its request, dump and batch loops pick the answers out of what the kernel queues. The
/// kernel's real reply stream is edited through <see cref="NetlinkSocket.OnReceive"/> for the replies it cannot be
/// made to send on demand (a stale answer, another port's message, a changed generation).
/// </summary>
public sealed class NetlinkSocketTests : IDisposable
{
    private const int NETLINK_ROUTE = 0;
    private const int NETLINK_USERSOCK = 2;
    private const ushort RTM_NEWLINK = 16;
    private const ushort RTM_GETLINK = 18;
    private const ushort NLMSG_NOOP = 1;
    private const ushort NLMSG_ERROR = 2;
    private const ushort NLMSG_DONE = 3;
    private const ushort NLMSG_OVERRUN = 4;
    private const ushort NLM_F_REQUEST = 0x01;
    private const ushort NLM_F_MULTI = 0x02;
    private const ushort NLM_F_ACK = 0x04;
    private const ushort NLM_F_DUMP_INTR = 0x10;
    private const ushort NLM_F_DUMP = 0x300;
    private const int SOL_SOCKET = 1;
    private const int SO_SNDBUF = 7;
    private const int SO_RCVTIMEO = 20;
    private const int SOL_NETLINK = 270;

    private readonly TestNamespace _ns = new();
    private readonly NetlinkSocket _socket;

    public NetlinkSocketTests()
    {
        _socket = NetlinkSocket.Open(NETLINK_ROUTE, _ns.Name);
    }

    public void Dispose()
    {
        _socket.Dispose();
        _ns.Dispose();
    }

    // ---- opening and configuration ----

    [Fact]
    public void OpeningAProtocolTheKernelDoesNotKnowFailsNamingTheSocketCall()
    {
        SystemCallException error = Assert.Throws<SystemCallException>(() => NetlinkSocket.Open(99, _ns.Name));
        Assert.Equal("socket", error.Call);
        Assert.Equal(Errno.EPROTONOSUPPORT, error.Errno);
        Assert.StartsWith("socket (AF_NETLINK protocol 99) failed: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASocketNamesTheNamespaceItWasOpenedIn()
    {
        Assert.Equal(_ns.Name, _socket.NetworkNamespace);
        using NetlinkSocket throwaway = NetlinkSocket.OpenInThrowawayNamespace(NETLINK_ROUTE);
        Assert.Equal("(throwaway)", throwaway.NetworkNamespace);
        Assert.NotEqual(0u, throwaway.PortId);
    }

    [Fact]
    public void ANewSocketHasCappedAcksExtendedAcksAForcedReceiveBufferAndAThirtySecondTimeout()
    {
        Assert.Equal(1, GetInt(_socket, SOL_NETLINK, 10 /* NETLINK_CAP_ACK */));
        Assert.Equal(1, GetInt(_socket, SOL_NETLINK, 11 /* NETLINK_EXT_ACK */));

        // SO_RCVBUFFORCE (root): 8 MiB past net.core.rmem_max, which the kernel doubles; SO_RCVBUF would stop at rmem_max.
        Assert.Equal(2 * 8 * 1024 * 1024, _socket.KernelReceiveBufferSize);

        Timeval timeout = default;
        uint length = (uint)Marshal.SizeOf<Timeval>();
        Assert.Equal(0, getsockopt(Fd(_socket), SOL_SOCKET, SO_RCVTIMEO, ref timeout, ref length));
        Assert.Equal(30, timeout.Seconds);
        Assert.Equal(0, timeout.Microseconds);
    }

    [Fact]
    public void WithoutCapNetAdminTheBuffersAreSetAsFarAsTheSysctlsAllow()
    {
        // Capabilities belong to a thread: this one drops CAP_NET_ADMIN, so SO_RCVBUFFORCE and SO_SNDBUFFORCE fail
        // and the socket falls back to SO_RCVBUF and SO_SNDBUF, which stop at net.core.rmem_max and wmem_max.
        int rmemMax = int.Parse(File.ReadAllText("/proc/sys/net/core/rmem_max").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        int wmemMax = int.Parse(File.ReadAllText("/proc/sys/net/core/wmem_max").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        (int receiveBuffer, bool acknowledged, int sendBuffer) = ThreadCapabilities.RunWithout(ThreadCapabilities.CAP_NET_ADMIN, () =>
        {
            using NetlinkSocket socket = NetlinkSocket.Open(NETLINK_ROUTE, _ns.Name);
            int receiveBuffer = socket.KernelReceiveBufferSize;
            bool acknowledged = socket.Request((w, s) => WriteNoop(w, s, 1024 * 1024)).IsAck;
            return (receiveBuffer, acknowledged, GetInt(socket, SOL_SOCKET, SO_SNDBUF));
        }, effectiveOnly: true);

        Assert.Equal(2 * Math.Min(8 * 1024 * 1024, rmemMax), receiveBuffer);
        Assert.True(acknowledged);
        Assert.Equal(2 * Math.Min(1024 * 1024 + 4096, wmemMax), sendBuffer);
    }

    [Fact]
    public void StrictCheckingIsEnabledOnAKernelThatKnowsIt()
    {
        Assert.True(_socket.EnableStrictChecking());
        Assert.Equal(1, GetInt(_socket, SOL_NETLINK, 12 /* NETLINK_GET_STRICT_CHK */));
    }

    [Fact]
    public void JoiningAGroupTheProtocolDoesNotHaveFailsNamingTheOption()
    {
        SystemCallException error = Assert.Throws<SystemCallException>(() => _socket.Join(0));
        Assert.Equal(Errno.EINVAL, error.Errno);
        Assert.StartsWith("setsockopt (level 270 option 1) failed: ", error.Message, StringComparison.Ordinal);
    }

    // ---- send ----

    [Fact]
    public void AnEmptyDatagramIsRefusedByTheKernelAsASendError()
    {
        // Linux refuses a zero-length netlink datagram (ENODATA); send never returns 0 for one.
        SystemCallException error = Assert.Throws<SystemCallException>(() => _socket.Send([]));
        Assert.Equal((Errno)61 /* ENODATA */, error.Errno);
        Assert.StartsWith("send (netlink datagram of 0 bytes) failed: ", error.Message, StringComparison.Ordinal);
        Assert.True(_socket.Receive(wait: false).IsEmpty);
    }

    [Fact]
    public void ADatagramNoSocketReceivesIsASendErrorNamingItsLength()
    {
        // NETLINK_USERSOCK has no kernel socket: a datagram to port 0 is refused.
        using NetlinkSocket user = NetlinkSocket.Open(NETLINK_USERSOCK, _ns.Name);
        SystemCallException error = Assert.Throws<SystemCallException>(() => user.Send(Noop(1, NLM_F_REQUEST, 0)));
        Assert.Equal("send", error.Call);
        Assert.Equal((Errno)111 /* ECONNREFUSED */, error.Errno);
        Assert.StartsWith("send (netlink datagram of 16 bytes) failed: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSendBufferIsLeftAloneUpTo200KiBAndGrowsForLargerDatagrams()
    {
        int initial = GetInt(_socket, SOL_SOCKET, SO_SNDBUF);

        // A datagram of 200 KiB less the 4 KiB margin still fits the default buffer: nothing is changed.
        Assert.True(_socket.Request((w, s) => WriteNoop(w, s, 200 * 1024 - 4096)).IsAck);
        Assert.True(_socket.Request((w, s) => WriteNoop(w, s, 16)).IsAck);
        Assert.Equal(initial, GetInt(_socket, SOL_SOCKET, SO_SNDBUF));

        // One byte more and the buffer is forced to the datagram and its margin (the kernel doubles what it is given).
        const int large = 1024 * 1024;
        Assert.True(_socket.Request((w, s) => WriteNoop(w, s, large)).IsAck);
        Assert.Equal(2 * (large + 4096), GetInt(_socket, SOL_SOCKET, SO_SNDBUF));

        // A datagram that fits what was set changes nothing.
        Assert.True(_socket.Request((w, s) => WriteNoop(w, s, large)).IsAck);
        Assert.True(_socket.Request((w, s) => WriteNoop(w, s, 16)).IsAck);
        Assert.Equal(2 * (large + 4096), GetInt(_socket, SOL_SOCKET, SO_SNDBUF));

        // A larger one at least doubles it.
        Assert.True(_socket.Request((w, s) => WriteNoop(w, s, large + 100_000)).IsAck);
        Assert.Equal(2 * 2 * (large + 4096), GetInt(_socket, SOL_SOCKET, SO_SNDBUF));

        // Far larger: the datagram and its margin.
        const int huge = 5 * 1024 * 1024;
        Assert.True(_socket.Request((w, s) => WriteNoop(w, s, huge)).IsAck);
        Assert.Equal(2 * (huge + 4096), GetInt(_socket, SOL_SOCKET, SO_SNDBUF));
    }

    [Fact]
    public void TheBoundaryDatagramOf200KiBDoesNotTouchTheSendBuffer()
    {
        int initial = GetInt(_socket, SOL_SOCKET, SO_SNDBUF);
        Assert.True(_socket.Request((w, s) => WriteNoop(w, s, 200 * 1024 - 4096)).IsAck);
        Assert.Equal(initial, GetInt(_socket, SOL_SOCKET, SO_SNDBUF));
        Assert.True(_socket.Request((w, s) => WriteNoop(w, s, 200 * 1024 - 4096 + 4)).IsAck);
        Assert.Equal(2 * (200 * 1024 + 4), GetInt(_socket, SOL_SOCKET, SO_SNDBUF));
    }

    // ---- receive and drain ----

    [Fact]
    public void ReceivingWithNothingQueuedTimesOutWhenWaitingAndReturnsEmptyOtherwise()
    {
        SetReceiveTimeout(_socket, TimeSpan.FromMilliseconds(100));
        Assert.True(_socket.Receive(wait: false).IsEmpty);
        NetlinkException error = Assert.Throws<NetlinkException>(() => _socket.Receive());
        Assert.Equal(Errno.ETIMEDOUT, error.Errno);
        Assert.Contains("waiting for the kernel's reply (30 s)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReceivingWaitsForADatagramQueuedLater()
    {
        uint sequence = _socket.NextSequence();
        var later = new Thread(() =>
        {
            Thread.Sleep(200);
            _socket.Send(Noop(sequence, NLM_F_REQUEST | NLM_F_ACK, 0));
        });
        later.Start();

        byte[] datagram = _socket.Receive().ToArray();
        later.Join();
        Assert.Equal(36, datagram.Length);
        Assert.Equal(NLMSG_ERROR, BinaryPrimitives.ReadUInt16LittleEndian(datagram.AsSpan(4)));
        Assert.Equal(sequence, BinaryPrimitives.ReadUInt32LittleEndian(datagram.AsSpan(8)));
        Assert.Equal(0, BinaryPrimitives.ReadInt32LittleEndian(datagram.AsSpan(16)));
    }

    [Fact]
    public void DrainDiscardsEveryQueuedDatagram()
    {
        uint sequence = _socket.NextSequence();
        _socket.Send(Noop(sequence, NLM_F_REQUEST | NLM_F_ACK, 0));
        _socket.Send(Noop(sequence + 1, NLM_F_REQUEST | NLM_F_ACK, 0));
        _socket.Drain();
        Assert.True(_socket.Receive(wait: false).IsEmpty);
    }

    [Fact]
    public void AnOverflowedQueueIsARecvErrorOnceAndDrainReadsPastIt()
    {
        _socket.KernelReceiveBufferSize = 1; // the kernel's minimum, a few KiB
        _socket.Join(1 /* RTNLGRP_LINK */);

        Overflow("a");
        SystemCallException error = Assert.Throws<SystemCallException>(() => _socket.Receive(wait: false));
        Assert.Equal(Errno.ENOBUFS, error.Errno);
        Assert.StartsWith("recv (netlink socket) failed: ", error.Message, StringComparison.Ordinal);
        _socket.Drain();
        Assert.True(_socket.Receive(wait: false).IsEmpty);

        // Drain meets the overflow itself, reports nothing, and still empties the queue.
        Overflow("b");
        _socket.Drain();
        Assert.True(_socket.Receive(wait: false).IsEmpty);
    }

    /// <summary>Link notifications for a few veth pairs: far more than the minimal receive buffer holds.</summary>
    private void Overflow(string prefix)
    {
        for (int i = 0; i < 4; i++)
        {
            _ns.AddDevice($"{prefix}{i}", $"{prefix}{i}p");
        }
    }

    // ---- request ----

    [Fact]
    public void RequestRefusesANullBuilder()
    {
        ArgumentNullException error = Assert.Throws<ArgumentNullException>(() => _socket.Request(null!));
        Assert.Equal("buildRequest", error.ParamName);
    }

    [Fact]
    public void RequestReturnsTheAcknowledgementAfterTheObjectTheKernelSends()
    {
        // A GET of one link with NLM_F_ACK: the kernel answers RTM_NEWLINK, then the ACK.
        uint sent = 0;
        NetlinkError answer = _socket.Request((w, s) => WriteGetLoopback(w, sent = s, NLM_F_REQUEST | NLM_F_ACK));
        Assert.True(answer.IsAck);
        Assert.Equal(sent, answer.OriginalSequence);
        Assert.Equal(RTM_GETLINK, answer.OriginalType);
    }

    [Fact]
    public void RequestSkipsALateErrorForAnEarlierRequest()
    {
        _socket.OnReceive = Once(d => Write(d, Error(Header(d).Sequence - 1, Header(d).PortId, Errno.ENOENT)));
        NetlinkError answer = _socket.Request((w, s) => WriteGetLoopback(w, s, NLM_F_REQUEST | NLM_F_ACK));
        Assert.True(answer.IsAck);
    }

    [Fact]
    public void RequestRefusesAnAnswerAddressedToAnotherPort()
    {
        _socket.OnReceive = Once(d => Write(d, Error(Header(d).Sequence, Header(d).PortId + 1, Errno.ENOENT)));
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() =>
            _socket.Request((w, s) => WriteGetLoopback(w, s, NLM_F_REQUEST | NLM_F_ACK)));
        Assert.Contains($"reply addressed to port {_socket.PortId + 1}, this socket is port {_socket.PortId}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnAnswerWithALaterSequenceThanTheRequestIsADecodeError()
    {
        uint stray = QueueStrayAck();
        uint sent = 0;
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() => _socket.Request((w, s) => WriteNoop(w, sent = s, 16)));
        Assert.Contains($"reply with sequence {stray} to request {sent}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AfterAnAbandonedDumpTheNextRequestDiscardsWhatWasQueuedOnce()
    {
        AbandonDump();
        QueueStrayAck();
        Assert.True(_socket.Request((w, s) => WriteNoop(w, s, 16)).IsAck);

        // Discarded once: a stray answer queued afterwards is seen by the next request.
        QueueStrayAck();
        Assert.Throws<NetlinkDecodeException>(() => _socket.Request((w, s) => WriteNoop(w, s, 16)));
    }

    [Fact]
    public void AfterARequestWhoseAnswerCouldNotBeReadTheNextRequestDiscardsWhatWasQueued()
    {
        _socket.OnReceive = _ => throw new InvalidOperationException("injected");
        Assert.Throws<InvalidOperationException>(() => _socket.Request((w, s) => WriteNoop(w, s, 16)));
        _socket.OnReceive = null;

        QueueStrayAck();
        Assert.True(_socket.Request((w, s) => WriteNoop(w, s, 16)).IsAck);
    }

    // ---- batches ----

    [Fact]
    public void ABatchCollectsEveryAnswerInOrderAndPassesOnlyItsOwnInnerNoticesOn()
    {
        uint first = _socket.NextSequence();
        uint middle = _socket.NextSequence();
        uint last = _socket.NextSequence();
        uint port = _socket.PortId;
        _socket.OnReceive = Once(d => Write(d,
            Error(first - 1, port, Errno.ENOENT), // a late answer to an earlier request
            Message(RTM_NEWLINK, 0, first, port, [2, 0, 0, 1]),
            Message(RTM_NEWLINK, 0, middle, port, [2, 0, 0, 2]),
            Message(RTM_NEWLINK, 0, middle, port + 1, [2, 0, 0, 3]),
            Message(RTM_NEWLINK, 0, last, port, [2, 0, 0, 4])));

        var notices = new List<(uint Sequence, byte Tag)>();
        IReadOnlyList<NetlinkError> answers = _socket.SendBatch(Batch(first, middle, last), first, last,
            (in NetlinkMessage m) => notices.Add((m.Sequence, m.Payload[3])));

        Assert.Equal([first, middle, last], answers.Select(a => a.OriginalSequence));
        Assert.All(answers, a => Assert.True(a.IsAck));
        Assert.Equal([(middle, (byte)2)], notices);
    }

    [Fact]
    public void ABatchAnswerToASequenceNeverSentIsADecodeError()
    {
        uint first = _socket.NextSequence();
        uint last = _socket.NextSequence();
        _socket.OnReceive = Once(d => Write(d, Error(last + 1, _socket.PortId, Errno.ENOENT)));
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() => _socket.SendBatch(Batch(first, last), first, last));
        Assert.Contains($"answer to sequence {last + 1}, which was never sent (batch {first}..{last})", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABatchAnswerAddressedToAnotherPortIsADecodeError()
    {
        uint first = _socket.NextSequence();
        uint last = _socket.NextSequence();
        _socket.OnReceive = Once(d => Write(d, Error(first, _socket.PortId + 1, Errno.ENOENT)));
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() => _socket.SendBatch(Batch(first, last), first, last));
        Assert.Contains($"reply addressed to port {_socket.PortId + 1}, this socket is port {_socket.PortId}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABatchAnswerEchoingAnotherMessageIsADecodeError()
    {
        uint first = _socket.NextSequence();
        uint last = _socket.NextSequence();
        _socket.OnReceive = Once(d => Write(d, Error(first, _socket.PortId, Errno.ENOENT, originalSequence: first + 7)));
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() => _socket.SendBatch(Batch(first, last), first, last));
        Assert.Contains($"answer with sequence {first} echoes a message of sequence {first + 7}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABatchWaitsForItsFirstAnswer()
    {
        // A NOOP without NLM_F_ACK gets no answer at all: the batch waits for one until the timeout.
        SetReceiveTimeout(_socket, TimeSpan.FromMilliseconds(100));
        uint sequence = _socket.NextSequence();
        NetlinkException error = Assert.Throws<NetlinkException>(() => _socket.SendBatch(Noop(sequence, NLM_F_REQUEST, 0), sequence, sequence));
        Assert.Equal(Errno.ETIMEDOUT, error.Errno);
    }

    [Fact]
    public void AfterAnAbandonedDumpTheNextBatchDiscardsWhatWasQueued()
    {
        AbandonDump();
        QueueStrayAck();
        uint sequence = _socket.NextSequence();
        Assert.Single(_socket.SendBatch(Batch(sequence), sequence, sequence));
    }

    [Fact]
    public void AfterABatchWhoseAnswersCouldNotBeReadTheNextBatchDiscardsWhatWasQueued()
    {
        _socket.OnReceive = _ => throw new InvalidOperationException("injected");
        uint first = _socket.NextSequence();
        Assert.Throws<InvalidOperationException>(() => _socket.SendBatch(Batch(first), first, first));
        _socket.OnReceive = null;

        QueueStrayAck();
        uint sequence = _socket.NextSequence();
        Assert.Single(_socket.SendBatch(Batch(sequence), sequence, sequence));
    }

    // ---- dumps ----

    [Fact]
    public void ADumpHandsOnTheMessagesOfItsOwnSequenceOnly()
    {
        _socket.OnReceive = Once(d => Write(d,
            Message(RTM_NEWLINK, NLM_F_MULTI, Header(d).Sequence - 1, Header(d).PortId, [0, 0, 0, 1]),
            Message(RTM_NEWLINK, NLM_F_MULTI, Header(d).Sequence, Header(d).PortId, [0, 0, 0, 2]),
            Message(NLMSG_NOOP, NLM_F_MULTI, Header(d).Sequence, Header(d).PortId, [0, 0, 0, 3]),
            Message(RTM_NEWLINK, NLM_F_MULTI, Header(d).Sequence, Header(d).PortId, [0, 0, 0, 4]),
            Done(Header(d))));
        Assert.Equal([2, 4], DumpTags(sameGeneration: false));
    }

    [Fact]
    public void ADumpTheKernelFlagsInterruptedIsReportedWhenItCannotBeRestarted()
    {
        _socket.OnReceive = Once(d => Write(d,
            Message(RTM_NEWLINK, NLM_F_MULTI | NLM_F_DUMP_INTR, Header(d).Sequence, Header(d).PortId, [0, 0, 0, 1]),
            Done(Header(d))));
        NetlinkException error = Assert.Throws<NetlinkException>(() => DumpTags(sameGeneration: false));
        Assert.Equal(Errno.EINTR, error.Errno);
        Assert.StartsWith("listing links: the ruleset kept changing during the dump (1 attempts)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnOverrunInADumpIsADecodeError()
    {
        _socket.OnReceive = Once(d => Write(d, Message(NLMSG_OVERRUN, 0, Header(d).Sequence, Header(d).PortId, [0, 0, 0, 0])));
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() => DumpTags(sameGeneration: false));
        Assert.EndsWith("NLMSG_OVERRUN: the kernel lost part of the reply", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Errno.EPERM, KernelReason.NetAdminRequired)]
    [InlineData(Errno.ENOENT, KernelReason.None)]
    public void ADumpRefusedWithEPERMSaysCapNetAdminIsRequired(Errno errno, KernelReason reason)
    {
        _socket.OnReceive = Once(d => Write(d, Error(Header(d).Sequence, Header(d).PortId, errno, originalType: RTM_GETLINK)));
        NetlinkException error = Assert.Throws<NetlinkException>(() => DumpTags(sameGeneration: false));
        Assert.Equal(errno, error.Errno);
        Assert.Equal(reason, error.Reason);
        Assert.Equal("listing links", error.Operation);
    }

    /// <summary>
    /// With sameGeneration, the resource id of the nfgenmsg (big-endian, bytes 2 and 3 of the payload) must stay the
    /// same across the dump; a change is an interruption, which without a restart is reported as EINTR.
    /// </summary>
    [Theory]
    [InlineData(true, new[] { 0x0105, 0x0105, 0x0105 }, false)]
    [InlineData(true, new[] { 0x0000, 0x0100 }, true)]
    [InlineData(true, new[] { 0x0100, 0x0200 }, true)]
    [InlineData(true, new[] { 0x0001, 0x0002 }, true)]
    [InlineData(true, new[] { 0x0100, 0x0200, 0x0300 }, true)]
    [InlineData(false, new[] { 0x0100, 0x0200 }, false)]
    public void ADumpWhoseGenerationChangesIsInterrupted(bool sameGeneration, int[] generations, bool interrupted)
    {
        _socket.OnReceive = Once(d =>
        {
            NetlinkHeader h = Header(d);
            byte[][] messages = generations
                .Select(g => Message(RTM_NEWLINK, NLM_F_MULTI, h.Sequence, h.PortId, [2, 0, (byte)(g >> 8), (byte)g]))
                .Append(Done(h))
                .ToArray();
            return Write(d, messages);
        });

        if (interrupted)
        {
            NetlinkException error = Assert.Throws<NetlinkException>(() => DumpTags(sameGeneration));
            Assert.Equal(Errno.EINTR, error.Errno);
        }
        else
        {
            Assert.Equal(generations.Length, DumpTags(sameGeneration).Count);
        }
    }

    // ---- helpers ----

    private List<int> DumpTags(bool sameGeneration)
    {
        var tags = new List<int>();
        _socket.Dump((w, s) => WriteGetLoopback(w, s, NLM_F_REQUEST | NLM_F_DUMP), (in NetlinkMessage m) => tags.Add(m.Payload[3]), null, "listing links", sameGeneration);
        return tags;
    }

    /// <summary>A dump whose reading fails at its first datagram: its answers are left pending.</summary>
    private void AbandonDump()
    {
        _socket.OnReceive = _ => throw new InvalidOperationException("injected");
        Assert.Throws<InvalidOperationException>(() => DumpTags(sameGeneration: false));
        _socket.OnReceive = null;
    }

    /// <summary>Queues the ACK of a NOOP whose sequence is ahead of anything the socket will send soon.</summary>
    private uint QueueStrayAck()
    {
        uint sequence = _socket.NextSequence() + 1000;
        _socket.Send(Noop(sequence, NLM_F_REQUEST | NLM_F_ACK, 0));
        return sequence;
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

    private readonly record struct NetlinkHeader(uint Sequence, uint PortId);

    private static NetlinkHeader Header(Span<byte> datagram) =>
        new(BinaryPrimitives.ReadUInt32LittleEndian(datagram[8..]), BinaryPrimitives.ReadUInt32LittleEndian(datagram[12..]));

    private static int Write(Span<byte> datagram, params byte[][] messages)
    {
        int offset = 0;
        foreach (byte[] message in messages)
        {
            message.CopyTo(datagram[offset..]);
            offset += message.Length;
        }

        return offset;
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

    private static byte[] Done(NetlinkHeader h) => Message(NLMSG_DONE, NLM_F_MULTI, h.Sequence, h.PortId, [0, 0, 0, 0]);

    /// <summary>An NLMSG_ERROR as the kernel sends it with NETLINK_CAP_ACK: the errno and the original header only.</summary>
    private static byte[] Error(uint sequence, uint portId, Errno errno, uint? originalSequence = null, ushort originalType = NLMSG_NOOP)
    {
        byte[] payload = new byte[20];
        BinaryPrimitives.WriteInt32LittleEndian(payload, -(int)errno);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(4), 16);
        BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(8), originalType);
        BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(10), NLM_F_REQUEST | NLM_F_ACK);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(12), originalSequence ?? sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(16), portId);
        return Message(NLMSG_ERROR, 0x100 /* NLM_F_CAPPED */, sequence, portId, payload);
    }

    /// <summary>A NOOP request with <paramref name="padding"/> bytes after its header: the kernel only acknowledges it.</summary>
    private static byte[] Noop(uint sequence, ushort flags, int padding)
    {
        var writer = new NetlinkWriter(16 + padding);
        int start = writer.BeginMessage(NLMSG_NOOP, flags, sequence);
        writer.WriteRaw(new byte[padding]);
        writer.EndMessage(start);
        return writer.WrittenSpan.ToArray();
    }

    private static void WriteNoop(NetlinkWriter writer, uint sequence, int length)
    {
        int start = writer.BeginMessage(NLMSG_NOOP, NLM_F_REQUEST | NLM_F_ACK, sequence);
        writer.WriteRaw(new byte[length - 16]);
        writer.EndMessage(start);
    }

    /// <summary>RTM_GETLINK of the loopback device (ifindex 1), or of every link with NLM_F_DUMP.</summary>
    private static void WriteGetLoopback(NetlinkWriter writer, uint sequence, ushort flags)
    {
        int start = writer.BeginMessage(RTM_GETLINK, flags, sequence);
        byte[] ifinfomsg = new byte[16];
        BinaryPrimitives.WriteInt32LittleEndian(ifinfomsg.AsSpan(4), 1);
        writer.WriteRaw(ifinfomsg);
        writer.EndMessage(start);
    }

    /// <summary>A datagram of a GET of the loopback device with NLM_F_ACK, then NOOPs with NLM_F_ACK: one answer each.</summary>
    private static byte[] Batch(params uint[] sequences)
    {
        var writer = new NetlinkWriter();
        WriteGetLoopback(writer, sequences[0], NLM_F_REQUEST | NLM_F_ACK);
        foreach (uint sequence in sequences.Skip(1))
        {
            WriteNoop(writer, sequence, 16);
        }

        return writer.WrittenSpan.ToArray();
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timeval
    {
        public long Seconds;
        public long Microseconds;
    }

    private static int Fd(NetlinkSocket socket) => (int)socket.Handle.DangerousGetHandle();

    private static int GetInt(NetlinkSocket socket, int level, int name)
    {
        int value = 0;
        uint length = sizeof(int);
        Assert.Equal(0, getsockopt(Fd(socket), level, name, ref value, ref length));
        return value;
    }

    private static void SetReceiveTimeout(NetlinkSocket socket, TimeSpan timeout)
    {
        var value = new Timeval { Seconds = 0, Microseconds = (long)timeout.TotalMicroseconds };
        Assert.Equal(0, setsockopt(Fd(socket), SOL_SOCKET, SO_RCVTIMEO, ref value, (uint)Marshal.SizeOf<Timeval>()));
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getsockopt(int fd, int level, int name, ref int value, ref uint length);

    [DllImport("libc", SetLastError = true)]
    private static extern int getsockopt(int fd, int level, int name, ref Timeval value, ref uint length);

    [DllImport("libc", SetLastError = true)]
    private static extern int setsockopt(int fd, int level, int name, ref Timeval value, uint length);
}
