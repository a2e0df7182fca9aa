using System.Net;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using static HostAccel.Native.Netlink.NetlinkConstants;

namespace HostAccel.Native.Conntrack;

/// <summary>Reads the connection tracking table of one network namespace over ctnetlink (NFNL_SUBSYS_CTNETLINK).</summary>
public sealed class ConntrackConnection : IDisposable
{
    // linux/netfilter/nfnetlink_conntrack.h
    private const ushort IPCTNL_MSG_CT_GET = 1;
    private const ushort CTA_TUPLE_ORIG = 1;
    private const ushort CTA_TUPLE_REPLY = 2;
    private const ushort CTA_STATUS = 3;
    private const ushort CTA_TIMEOUT = 7;
    private const ushort CTA_COUNTERS_ORIG = 9;
    private const ushort CTA_COUNTERS_REPLY = 10;
    private const ushort CTA_TUPLE_IP = 1;
    private const ushort CTA_TUPLE_PROTO = 2;
    private const ushort CTA_IP_V4_SRC = 1;
    private const ushort CTA_IP_V4_DST = 2;
    private const ushort CTA_IP_V6_SRC = 3;
    private const ushort CTA_IP_V6_DST = 4;
    private const ushort CTA_PROTO_NUM = 1;
    private const ushort CTA_PROTO_SRC_PORT = 2;
    private const ushort CTA_PROTO_DST_PORT = 3;
    private const ushort CTA_PROTO_ICMP_ID = 4;
    private const ushort CTA_PROTO_ICMP_TYPE = 5;
    private const ushort CTA_PROTO_ICMP_CODE = 6;
    private const ushort CTA_PROTO_ICMPV6_ID = 7;
    private const ushort CTA_PROTO_ICMPV6_TYPE = 8;
    private const ushort CTA_PROTO_ICMPV6_CODE = 9;
    private const ushort CTA_COUNTERS_PACKETS = 1;
    private const ushort CTA_COUNTERS_BYTES = 2;
    private const ushort CTA_COUNTERS32_PACKETS = 3;
    private const ushort CTA_COUNTERS32_BYTES = 4;

    private readonly NetlinkSocket _socket;

    private ConntrackConnection(NetlinkSocket socket)
    {
        _socket = socket;
    }

    public static ConntrackConnection Open(string? networkNamespace = null) =>
        new(NetlinkSocket.Open(NETLINK_NETFILTER, networkNamespace));

    /// <summary>Every tracked connection of the family (both when Unspecified).</summary>
    public IReadOnlyList<ConntrackFlow> ListFlows(NftFamily family = NftFamily.Unspecified)
    {
        var flows = new List<ConntrackFlow>();
        _socket.Dump(
            (w, seq) =>
            {
                int start = w.BeginMessage((ushort)((NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET), NLM_F_REQUEST | NLM_F_DUMP, seq);
                w.WriteNfGenMsg((byte)family);
                w.EndMessage(start);
            },
            (in NetlinkMessage m) => flows.Add(Decode(m)),
            flows.Clear,
            "listing conntrack entries");
        return flows;
    }

    /// <summary>The connections currently in a flowtable.</summary>
    public IReadOnlyList<ConntrackFlow> ListOffloadedFlows(NftFamily family = NftFamily.Unspecified) =>
        ListFlows(family).Where(f => f.IsOffloaded).ToList();

    public void Dispose() => _socket.Dispose();

    internal static ConntrackFlow Decode(in NetlinkMessage message)
    {
        var family = (NftFamily)message.Family;
        ConntrackTuple? original = null, reply = null;
        uint status = 0, timeout = 0;
        (ulong? Packets, ulong? Bytes) originalCounters = default, replyCounters = default;
        AttributeReader reader = message.Attributes;
        while (reader.Next())
        {
            switch (reader.Type)
            {
                case CTA_TUPLE_ORIG:
                    original = DecodeTuple(reader.Nested());
                    break;
                case CTA_TUPLE_REPLY:
                    reply = DecodeTuple(reader.Nested());
                    break;
                case CTA_STATUS:
                    status = reader.GetU32Be();
                    break;
                case CTA_TIMEOUT:
                    timeout = reader.GetU32Be();
                    break;
                case CTA_COUNTERS_ORIG:
                    originalCounters = DecodeCounters(reader.Nested());
                    break;
                case CTA_COUNTERS_REPLY:
                    replyCounters = DecodeCounters(reader.Nested());
                    break;
            }
        }

        if (original is null || reply is null)
        {
            throw new NetlinkDecodeException("conntrack entry without its original and reply tuples");
        }

        return new ConntrackFlow(family, original, reply, (ConntrackStatus)status)
        {
            TimeoutSeconds = timeout,
            OriginalPackets = originalCounters.Packets,
            OriginalBytes = originalCounters.Bytes,
            ReplyPackets = replyCounters.Packets,
            ReplyBytes = replyCounters.Bytes,
        };
    }

    private static ConntrackTuple DecodeTuple(AttributeReader tuple)
    {
        IPAddress? source = null, destination = null;
        byte protocol = 0;
        ushort sourcePort = 0, destinationPort = 0;
        byte? icmpType = null, icmpCode = null;
        ushort? icmpId = null;
        while (tuple.Next())
        {
            switch (tuple.Type)
            {
                case CTA_TUPLE_IP:
                    AttributeReader ip = tuple.Nested();
                    while (ip.Next())
                    {
                        switch (ip.Type)
                        {
                            case CTA_IP_V4_SRC or CTA_IP_V6_SRC:
                                source = Address(ip.Payload);
                                break;
                            case CTA_IP_V4_DST or CTA_IP_V6_DST:
                                destination = Address(ip.Payload);
                                break;
                        }
                    }

                    break;
                case CTA_TUPLE_PROTO:
                    AttributeReader proto = tuple.Nested();
                    while (proto.Next())
                    {
                        switch (proto.Type)
                        {
                            case CTA_PROTO_NUM:
                                protocol = proto.GetU8();
                                break;
                            case CTA_PROTO_SRC_PORT:
                                sourcePort = proto.GetU16Be();
                                break;
                            case CTA_PROTO_DST_PORT:
                                destinationPort = proto.GetU16Be();
                                break;
                            case CTA_PROTO_ICMP_ID or CTA_PROTO_ICMPV6_ID:
                                icmpId = proto.GetU16Be();
                                break;
                            case CTA_PROTO_ICMP_TYPE or CTA_PROTO_ICMPV6_TYPE:
                                icmpType = proto.GetU8();
                                break;
                            case CTA_PROTO_ICMP_CODE or CTA_PROTO_ICMPV6_CODE:
                                icmpCode = proto.GetU8();
                                break;
                        }
                    }

                    break;
            }
        }

        return new ConntrackTuple(
            source ?? throw new NetlinkDecodeException("conntrack tuple without a source address"),
            destination ?? throw new NetlinkDecodeException("conntrack tuple without a destination address"),
            protocol, sourcePort, destinationPort)
        {
            IcmpType = icmpType,
            IcmpCode = icmpCode,
            IcmpId = icmpId,
        };
    }

    private static IPAddress Address(ReadOnlySpan<byte> bytes) => bytes.Length is 4 or 16
        ? new IPAddress(bytes)
        : throw new NetlinkDecodeException($"conntrack address of {bytes.Length} bytes");

    private static (ulong? Packets, ulong? Bytes) DecodeCounters(AttributeReader counters)
    {
        ulong? packets = null, bytes = null;
        while (counters.Next())
        {
            switch (counters.Type)
            {
                case CTA_COUNTERS_PACKETS:
                    packets = counters.GetU64Be();
                    break;
                case CTA_COUNTERS_BYTES:
                    bytes = counters.GetU64Be();
                    break;
                case CTA_COUNTERS32_PACKETS:
                    packets = counters.GetU32Be();
                    break;
                case CTA_COUNTERS32_BYTES:
                    bytes = counters.GetU32Be();
                    break;
            }
        }

        return (packets, bytes);
    }
}
