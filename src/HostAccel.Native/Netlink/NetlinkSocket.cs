using System.Runtime.InteropServices;
using HostAccel.Native.Interop;
using static HostAccel.Native.Netlink.NetlinkConstants;

namespace HostAccel.Native.Netlink;

/// <summary>Handles one decoded message of a dump.</summary>
public delegate void NetlinkMessageHandler(in NetlinkMessage message);

/// <summary>Sees a datagram as received, before anything decodes it; returns how many of its bytes to keep.</summary>
internal delegate int ReceiveHook(Span<byte> datagram);

/// <summary>
/// A netlink socket bound in one network namespace, with the request/ACK and dump loops over it. Not thread-safe:
/// one conversation at a time, as the kernel's sequence numbers assume.
/// </summary>
public sealed unsafe class NetlinkSocket : IDisposable
{
    /// <summary>Dump replies are at most 32 KiB per datagram (netlink_recvmsg caps max_recvmsg_len); errors are capped.</summary>
    private const int ReceiveBufferSize = 256 * 1024;
    private const int KernelReceiveBuffer = 8 * 1024 * 1024;
    private const int MaxDumpAttempts = 5;
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);

    private readonly NetlinkSocketHandle _handle;
    private readonly byte[] _receiveBuffer = GC.AllocateUninitializedArray<byte>(ReceiveBufferSize, pinned: true);
    private uint _sequence;
    private int _sendBufferSize;

    /// <summary>A request was abandoned before its reply was read to the end (an exception mid-dump).</summary>
    private bool _replyPending;

    private NetlinkSocket(NetlinkSocketHandle handle, uint portId, string? networkNamespace)
    {
        _handle = handle;
        PortId = portId;
        NetworkNamespace = networkNamespace;
        _sequence = (uint)Random.Shared.Next(1, int.MaxValue / 2);
    }

    public uint PortId { get; }

    /// <summary>
    /// Tests only (InternalsVisibleTo): called with every datagram received, before it is decoded, to inject a fault
    /// at a chosen point of a real reply stream — cut the datagram short (return fewer bytes), fail as recv would
    /// (throw), or close the socket. Null otherwise.
    /// </summary>
    internal ReceiveHook? OnReceive { get; set; }

    /// <summary>The kernel's receive buffer of this socket (SO_RCVBUF): what the kernel reports, set as it allows.</summary>
    internal int KernelReceiveBufferSize
    {
        get
        {
            int value = 0;
            uint length = sizeof(int);
            if (LibC.getsockopt(_handle, LibC.SOL_SOCKET, LibC.SO_RCVBUF, &value, &length) != 0)
            {
                throw SystemCallException.FromLastError("getsockopt", "SO_RCVBUF");
            }

            return value;
        }

        set => SetOption(_handle, LibC.SOL_SOCKET, LibC.SO_RCVBUF, value, required: true);
    }

    public string? NetworkNamespace { get; }

    /// <summary>Opens a socket of a netlink protocol in a named namespace, or in the current one when null.</summary>
    public static NetlinkSocket Open(int protocol, string? networkNamespace) =>
        Bind(Interop.NetworkNamespace.Run(networkNamespace, () => Create(protocol)), networkNamespace);

    /// <summary>
    /// Opens a socket of a netlink protocol in a new, empty network namespace that lives as long as the socket: for
    /// probes that must leave nothing behind (<see cref="Interop.NetworkNamespace.RunInNew{T}"/>).
    /// </summary>
    internal static NetlinkSocket OpenInThrowawayNamespace(int protocol) =>
        Bind(Interop.NetworkNamespace.RunInNew(() => Create(protocol)), "(throwaway)");

    private static NetlinkSocketHandle Create(int protocol)
    {
        int fd = LibC.socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, protocol);
        if (fd < 0)
        {
            throw SystemCallException.FromLastError("socket", $"AF_NETLINK protocol {protocol}");
        }

        return new NetlinkSocketHandle(fd);
    }

    private static NetlinkSocket Bind(NetlinkSocketHandle handle, string? networkNamespace)
    {

        try
        {
            var address = new LibC.sockaddr_nl { nl_family = (ushort)LibC.AF_NETLINK };
            if (LibC.bind(handle, &address, (uint)sizeof(LibC.sockaddr_nl)) != 0)
            {
                throw SystemCallException.FromLastError("bind", "netlink socket");
            }

            uint length = (uint)sizeof(LibC.sockaddr_nl);
            if (LibC.getsockname(handle, &address, &length) != 0)
            {
                throw SystemCallException.FromLastError("getsockname", "netlink socket");
            }

            SetOption(handle, SOL_NETLINK, NETLINK_EXT_ACK, 1, required: false);
            SetOption(handle, SOL_NETLINK, NETLINK_CAP_ACK, 1, required: false);

            // Large dumps are paced by recv(), but a batch's errors are queued at once: give them room.
            if (!SetOption(handle, LibC.SOL_SOCKET, LibC.SO_RCVBUFFORCE, KernelReceiveBuffer, required: false))
            {
                SetOption(handle, LibC.SOL_SOCKET, LibC.SO_RCVBUF, KernelReceiveBuffer, required: false);
            }

            var timeout = new LibC.timeval { tv_sec = (long)ReplyTimeout.TotalSeconds };
            if (LibC.setsockopt(handle, LibC.SOL_SOCKET, LibC.SO_RCVTIMEO, &timeout, (uint)sizeof(LibC.timeval)) != 0)
            {
                throw SystemCallException.FromLastError("setsockopt", "SO_RCVTIMEO");
            }

            return new NetlinkSocket(handle, address.nl_pid, networkNamespace);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The next sequence number; every message sent gets its own.</summary>
    public uint NextSequence() => ++_sequence;

    /// <summary>Sends one datagram (a message or a whole batch) in a single send().</summary>
    public void Send(ReadOnlySpan<byte> datagram)
    {
        EnsureSendBuffer(datagram.Length);
        fixed (byte* pointer = datagram)
        {
            while (true)
            {
                nint sent = LibC.send(_handle, pointer, (nuint)datagram.Length, 0);
                if (sent >= 0)
                {
                    if (sent != datagram.Length)
                    {
                        throw new SystemCallException("send", Errno.EMSGSIZE, $"sent {sent} of {datagram.Length} bytes");
                    }

                    return;
                }

                var errno = (Errno)Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR)
                {
                    throw new SystemCallException("send", errno, $"netlink datagram of {datagram.Length} bytes");
                }
            }
        }
    }

    /// <summary>
    /// Receives one datagram. Returns its bytes, or an empty span when <paramref name="wait"/> is false and nothing is
    /// queued. A datagram larger than the buffer is an error rather than a silent truncation.
    /// </summary>
    public ReadOnlySpan<byte> Receive(bool wait = true)
    {
        fixed (byte* pointer = _receiveBuffer)
        {
            while (true)
            {
                int flags = LibC.MSG_TRUNC | (wait ? 0 : LibC.MSG_DONTWAIT);
                nint received = LibC.recv(_handle, pointer, (nuint)_receiveBuffer.Length, flags);
                if (received >= 0)
                {
                    if (received > _receiveBuffer.Length)
                    {
                        throw new NetlinkDecodeException($"datagram of {received} bytes truncated to {_receiveBuffer.Length}");
                    }

                    int length = (int)received;
                    if (OnReceive is ReceiveHook hook)
                    {
                        length = Math.Clamp(hook(_receiveBuffer.AsSpan(0, length)), 0, length);
                    }

                    return _receiveBuffer.AsSpan(0, length);
                }

                var errno = (Errno)Marshal.GetLastPInvokeError();
                switch (errno)
                {
                    case Errno.EINTR:
                        continue;
                    case Errno.EAGAIN when !wait:
                        return ReadOnlySpan<byte>.Empty;
                    case Errno.EAGAIN:
                        throw new NetlinkException(Errno.ETIMEDOUT, $"waiting for the kernel's reply ({ReplyTimeout.TotalSeconds:0} s)");
                    default:
                        throw new SystemCallException("recv", errno, "netlink socket");
                }
            }
        }
    }

    /// <summary>Discards whatever is queued, such as the rest of a dump abandoned after an error.</summary>
    public void Drain()
    {
        while (true)
        {
            try
            {
                if (Receive(wait: false).IsEmpty)
                {
                    return;
                }
            }
            catch (SystemCallException ex) when (ex.Errno == Errno.ENOBUFS)
            {
                // The overflow is reported once; what is queued after it is still worth discarding.
            }
        }
    }

    /// <summary>
    /// Sends a dump request built by <paramref name="buildRequest"/> (given its sequence number) and hands every reply
    /// message to <paramref name="handler"/>. When the kernel reports the dump interrupted by a concurrent change
    /// (NLM_F_DUMP_INTR) or the socket overflowed (ENOBUFS), <paramref name="restart"/> is called and the dump
    /// repeated, a bounded number of times. A dump that fails part-way throws — a <see cref="NetlinkException"/>,
    /// <see cref="NetlinkDecodeException"/> or <see cref="ObjectDisposedException"/> naming the operation — and what
    /// the handler was given must be discarded; what the kernel still had to send is discarded before the next request.
    /// </summary>
    /// <remarks>
    /// With <paramref name="sameGeneration"/>, messages must also carry the same nfgenmsg resource id: nf_tables
    /// puts the ruleset generation there, and some dumps (set elements) change it without flagging NLM_F_DUMP_INTR
    /// when a commit lands between two of their datagrams.
    /// </remarks>
    public void Dump(Action<NetlinkWriter, uint> buildRequest, NetlinkMessageHandler handler, Action? restart, string operation, bool sameGeneration = false)
    {
        var writer = new NetlinkWriter(256);
        for (int attempt = 1; ; attempt++)
        {
            writer.Clear();
            uint sequence = NextSequence();
            buildRequest(writer, sequence);
            DiscardPendingReplies();
            Send(writer.WrittenSpan);
            bool interrupted;
            try
            {
                interrupted = ReceiveDump(sequence, handler, operation, sameGeneration);
            }
            catch (SystemCallException ex) when (ex.Errno == Errno.ENOBUFS && attempt < MaxDumpAttempts && restart is not null)
            {
                Drain();
                restart();
                continue;
            }
            catch (SystemCallException ex) when (ex.Errno == Errno.ENOBUFS)
            {
                _replyPending = true;
                throw new NetlinkException(Errno.ENOBUFS, restart is null
                    ? $"{operation}: the socket's receive queue overflowed"
                    : $"{operation}: the socket's receive queue overflowed on each of {attempt} attempts");
            }
            catch (ObjectDisposedException)
            {
                throw new ObjectDisposedException(nameof(NetlinkSocket), $"{operation}: the netlink socket was closed before the reply was complete");
            }
            catch
            {
                _replyPending = true;
                throw;
            }

            if (!interrupted)
            {
                return;
            }

            if (attempt >= MaxDumpAttempts || restart is null)
            {
                throw new NetlinkException(Errno.EINTR, $"{operation}: the ruleset kept changing during the dump ({attempt} attempts)");
            }

            restart();
        }
    }

    private bool ReceiveDump(uint sequence, NetlinkMessageHandler handler, string operation, bool sameGeneration)
    {
        bool interrupted = false;
        int generation = -1;
        while (true)
        {
            ReadOnlySpan<byte> datagram = Receive();
            foreach (NetlinkMessage message in NetlinkMessage.Parse(datagram))
            {
                if (!IsReplyTo(message, sequence))
                {
                    continue;
                }

                if ((message.Flags & NLM_F_DUMP_INTR) != 0)
                {
                    interrupted = true;
                }

                switch (message.Type)
                {
                    case NLMSG_DONE:
                        // A dump the kernel fails after it started (a route table that does not exist) ends with
                        // NLMSG_DONE carrying the negative errno, and the extended ACK after it: no NLMSG_ERROR.
                        if (message.Payload.Length >= 4 && System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(message.Payload) is int done and < 0)
                        {
                            string? text = (message.Flags & NLM_F_ACK_TLVS) != 0 ? NetlinkError.ReadExtAck(message.Payload[4..]).Text : null;
                            throw new NetlinkException((Errno)(-done), operation, text, null, sequence, ReasonOf((Errno)(-done)));
                        }

                        return interrupted;
                    case NLMSG_ERROR:
                        NetlinkError error = NetlinkError.Decode(message);
                        if (error.IsAck)
                        {
                            // A single-object GET (not a dump) ends with its ACK.
                            return interrupted;
                        }

                        throw new NetlinkException(error.Errno, operation, error.ExtAckMessage, error.Offset, sequence, ReasonOf(error.Errno));
                    case NLMSG_OVERRUN:
                        throw new NetlinkDecodeException("NLMSG_OVERRUN: the kernel lost part of the reply");
                    case NLMSG_NOOP:
                        continue;
                    default:
                        if (sameGeneration && message.Payload.Length >= 4)
                        {
                            int messageGeneration = (message.Payload[2] << 8) | message.Payload[3];
                            interrupted |= generation >= 0 && generation != messageGeneration;
                            generation = messageGeneration;
                        }

                        handler(message);
                        if ((message.Flags & NLM_F_MULTI) == 0)
                        {
                            // A non-dump GET answers with one message and, asked for one, an ACK.
                            continue;
                        }

                        break;
                }
            }
        }
    }

    /// <summary>A dump's refusal for want of privilege says what is needed.</summary>
    private static KernelReason ReasonOf(Errno errno) => errno == Errno.EPERM ? KernelReason.NetAdminRequired : KernelReason.None;

    /// <summary>
    /// Sends one request built by <paramref name="buildRequest"/> (which must ask for NLM_F_ACK) and returns the
    /// kernel's answer to it, an ACK or an error, without throwing on the error: rtnetlink changes are one message
    /// each, and the caller knows which object an error belongs to.
    /// </summary>
    public NetlinkError Request(Action<NetlinkWriter, uint> buildRequest)
    {
        ArgumentNullException.ThrowIfNull(buildRequest);
        var writer = new NetlinkWriter(512);
        uint sequence = NextSequence();
        buildRequest(writer, sequence);
        DiscardPendingReplies();
        Send(writer.WrittenSpan);
        try
        {
            while (true)
            {
                foreach (NetlinkMessage message in NetlinkMessage.Parse(Receive()))
                {
                    // Anything before the answer (an NLM_F_ECHO copy, were one asked for) is not the answer.
                    if (IsReplyTo(message, sequence) && message.Type == NLMSG_ERROR)
                    {
                        return NetlinkError.Decode(message);
                    }
                }
            }
        }
        catch
        {
            _replyPending = true;
            throw;
        }
    }

    /// <summary>
    /// NETLINK_GET_STRICT_CHK: rtnetlink then checks dump requests strictly and filters dumps by the attributes
    /// given (a neighbour dump by device, a route dump by table), as iproute2 asks it to. False where the kernel is
    /// older than 4.20 and does not know the option.
    /// </summary>
    internal bool EnableStrictChecking() => SetOption(_handle, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1, required: false);

    /// <summary>
    /// Sends a batch and collects the kernel's answer to each of its messages. Other messages addressed to this
    /// socket about the batch — the notices the kernel sends back for messages flagged NLM_F_ECHO — go to
    /// <paramref name="notice"/> when given.
    /// </summary>
    /// <returns>The errors and acknowledgements, in the order the kernel sent them.</returns>
    public IReadOnlyList<NetlinkError> SendBatch(ReadOnlySpan<byte> batch, uint firstSequence, uint lastSequence, NetlinkMessageHandler? notice = null)
    {
        DiscardPendingReplies();
        Send(batch);
        try
        {
            return ReceiveBatchReplies(firstSequence, lastSequence, notice);
        }
        catch
        {
            _replyPending = true;
            throw;
        }
    }

    private List<NetlinkError> ReceiveBatchReplies(uint firstSequence, uint lastSequence, NetlinkMessageHandler? notice)
    {
        // nfnetlink runs the whole batch inside send(): every answer is queued by the time it returns, so after
        // the first one the queue is read without waiting. The first wait is bounded by the reply timeout.
        var replies = new List<NetlinkError>();
        bool wait = true;
        while (true)
        {
            ReadOnlySpan<byte> datagram = Receive(wait);
            if (datagram.IsEmpty)
            {
                return replies;
            }

            wait = false;
            foreach (NetlinkMessage message in NetlinkMessage.Parse(datagram))
            {
                if (message.Type != NLMSG_ERROR)
                {
                    if (notice is not null && message.PortId == PortId && message.Sequence > firstSequence && message.Sequence < lastSequence)
                    {
                        notice(message);
                    }

                    continue;
                }

                if (message.Sequence < firstSequence || message.Sequence > lastSequence)
                {
                    if (message.Sequence > lastSequence)
                    {
                        throw new NetlinkDecodeException($"answer to sequence {message.Sequence}, which was never sent (batch {firstSequence}..{lastSequence})");
                    }

                    continue;
                }

                ValidatePort(message);
                NetlinkError reply = NetlinkError.Decode(message);
                if (reply.OriginalSequence != message.Sequence)
                {
                    throw new NetlinkDecodeException($"answer with sequence {message.Sequence} echoes a message of sequence {reply.OriginalSequence}");
                }

                replies.Add(reply);
            }
        }
    }

    /// <summary>
    /// Reads out the rest of an abandoned reply. A dump the kernel is still producing would make it refuse the next
    /// one (EBUSY), and its datagrams would come before the next answer; each read makes the kernel queue its next
    /// part, so this reads the dump to its end.
    /// </summary>
    private void DiscardPendingReplies()
    {
        if (_replyPending)
        {
            Drain();
            _replyPending = false;
        }
    }

    private bool IsReplyTo(in NetlinkMessage message, uint sequence)
    {
        if (message.Sequence != sequence)
        {
            if (message.Sequence > sequence)
            {
                throw new NetlinkDecodeException($"reply with sequence {message.Sequence} to request {sequence}");
            }

            // A late answer to an abandoned earlier request.
            return false;
        }

        ValidatePort(message);
        return true;
    }

    private void ValidatePort(in NetlinkMessage message)
    {
        if (message.PortId != PortId)
        {
            throw new NetlinkDecodeException($"reply addressed to port {message.PortId}, this socket is port {PortId}");
        }
    }

    private void EnsureSendBuffer(int length)
    {
        // netlink_sendmsg refuses a datagram longer than sk_sndbuf - 32; batches of large sets are megabytes.
        int needed = length + 4096;
        if (needed <= _sendBufferSize || needed <= 200 * 1024)
        {
            return;
        }

        int size = Math.Max(needed, _sendBufferSize * 2);
        if (!SetOption(_handle, LibC.SOL_SOCKET, LibC.SO_SNDBUFFORCE, size, required: false))
        {
            SetOption(_handle, LibC.SOL_SOCKET, LibC.SO_SNDBUF, size, required: true);
        }

        _sendBufferSize = size;
    }

    private static bool SetOption(SafeHandle handle, int level, int name, int value, bool required)
    {
        if (LibC.setsockopt(handle, level, name, &value, sizeof(int)) == 0)
        {
            return true;
        }

        if (required)
        {
            throw SystemCallException.FromLastError("setsockopt", $"level {level} option {name}");
        }

        return false;
    }

    /// <summary>The descriptor, for waiting on it (poll).</summary>
    internal SafeHandle Handle => _handle;

    /// <summary>Joins a multicast group (NETLINK_ADD_MEMBERSHIP): the kernel's notifications of it are queued here.</summary>
    internal void Join(int group) => SetOption(_handle, SOL_NETLINK, 1 /* NETLINK_ADD_MEMBERSHIP */, group, required: true);

    public void Dispose() => _handle.Dispose();
}
