using System.Net;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using static HostAccel.Native.TrafficControl.Routing.RouteConstants;

namespace HostAccel.Native.TrafficControl.Routing;

/// <summary>RTN_* route types of linux/rtnetlink.h.</summary>
public enum RouteType : byte
{
    Unspecified = 0,
    Unicast = 1,
    Local = 2,
    Broadcast = 3,
    Anycast = 4,
    Multicast = 5,
    Blackhole = 6,
    Unreachable = 7,
    Prohibit = 8,
    Throw = 9,
    Nat = 10,
    ExternalResolve = 11,
}

/// <summary>
/// A route as RTM_NEWROUTE describes it: an entry of a routing table (a dump, or a lookup with RTM_F_FIB_MATCH,
/// which answers with the entry the lookup matched and its real prefix length), or the result of a lookup for one
/// address (a /32 or /128, flagged RTM_F_CLONED).
/// </summary>
public sealed record Route(IpPrefix Destination)
{
    public uint Table { get; init; }

    public RouteType Type { get; init; }

    /// <summary>RTPROT_*: who added it (kernel 2, boot 3, static 4 …).</summary>
    public byte Protocol { get; init; }

    /// <summary>RT_SCOPE_*: universe 0, link 253 (on-link, no gateway), host 254.</summary>
    public byte Scope { get; init; }

    public int? OutputInterface { get; init; }

    /// <summary>The next hop; null for an on-link route, whose destinations are neighbours themselves.</summary>
    public IPAddress? Gateway { get; init; }

    public IPAddress? PreferredSource { get; init; }

    /// <summary>The route's metric (RTA_PRIORITY).</summary>
    public uint? Metric { get; init; }

    /// <summary>More than one next hop (RTA_MULTIPATH): the kernel picks one per flow by hash.</summary>
    public bool IsMultipath { get; init; }

    /// <summary>A lightweight tunnel encapsulation (RTA_ENCAP: MPLS, seg6, BPF …) applies.</summary>
    public bool HasEncapsulation { get; init; }

    /// <summary>A next-hop object (RTA_NH_ID) holds the next hop; it may be a group.</summary>
    public uint? NextHopId { get; init; }

    /// <summary>rtm_flags (RTM_F_CLONED, RTM_F_FIB_MATCH …).</summary>
    public uint Flags { get; init; }

    public override string ToString() =>
        $"{(Type == RouteType.Unicast ? "" : $"{Type.ToString().ToLowerInvariant()} ")}{Destination}" +
        (Gateway is null ? "" : $" via {Gateway}") + (OutputInterface is int oif ? $" dev #{oif}" : "") +
        (IsMultipath ? " multipath" : "") + $" table {Table}";

    internal static Route Decode(in NetlinkMessage message)
    {
        RtMsg header = RtMsg.Read(message.Payload);
        bool v6 = header.Family == AF_INET6;
        if (!v6 && header.Family != AF_INET)
        {
            throw new NetlinkDecodeException($"route of address family {header.Family}");
        }

        UInt128 destination = 0;
        uint table = header.Table;
        int? oif = null;
        IPAddress? gateway = null, source = null;
        uint? metric = null, nhid = null;
        bool multipath = false, encap = false;
        var reader = new AttributeReader(message.Payload[RtMsg.Length..]);
        while (reader.Next())
        {
            switch (reader.Type)
            {
                case RTA_DST:
                    destination = IpPrefix.FromBytes(Address(reader.Payload, v6));
                    break;
                case RTA_OIF:
                    oif = (int)reader.GetU32Host();
                    break;
                case RTA_GATEWAY:
                    gateway = new IPAddress(Address(reader.Payload, v6));
                    break;
                case RTA_VIA:
                    // struct rtvia: an address family, then the address (an IPv4 route via an IPv6 next hop).
                    gateway = reader.Payload.Length is 2 + 4 or 2 + 16
                        ? new IPAddress(reader.Payload[2..])
                        : throw new NetlinkDecodeException($"RTA_VIA of {reader.Payload.Length} bytes");
                    break;
                case RTA_PREFSRC:
                    source = new IPAddress(Address(reader.Payload, v6));
                    break;
                case RTA_PRIORITY:
                    metric = reader.GetU32Host();
                    break;
                case RTA_TABLE:
                    table = reader.GetU32Host();
                    break;
                case RTA_MULTIPATH:
                    multipath = true;
                    break;
                case RTA_ENCAP or RTA_ENCAP_TYPE:
                    encap = true;
                    break;
                case RTA_NH_ID:
                    nhid = reader.GetU32Host();
                    break;
            }
        }

        // A lookup answer carries the address asked for with its full length; a table entry its prefix.
        int bits = v6 ? 128 : 32;
        if (header.DestinationLength > bits)
        {
            throw new NetlinkDecodeException($"route of {bits}-bit addresses with a prefix length of {header.DestinationLength}");
        }

        UInt128 hostMask = IpPrefix.HostMask(bits, header.DestinationLength);
        return new Route(IpPrefix.Create(v6, destination & ~hostMask, header.DestinationLength))
        {
            Table = table,
            Type = (RouteType)header.Type,
            Protocol = header.Protocol,
            Scope = header.Scope,
            OutputInterface = oif,
            Gateway = gateway,
            PreferredSource = source,
            Metric = metric,
            IsMultipath = multipath,
            HasEncapsulation = encap,
            NextHopId = nhid,
            Flags = header.Flags,
        };
    }

    private static ReadOnlySpan<byte> Address(ReadOnlySpan<byte> payload, bool v6) =>
        payload.Length == (v6 ? 16 : 4) ? payload : throw new NetlinkDecodeException($"route address of {payload.Length} bytes");
}
