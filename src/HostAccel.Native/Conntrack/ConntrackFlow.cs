using System.Net;
using HostAccel.Native.Nftables;

namespace HostAccel.Native.Conntrack;

/// <summary>The status bits of a conntrack entry (enum ip_conntrack_status, linux/netfilter/nf_conntrack_common.h).</summary>
[Flags]
public enum ConntrackStatus : uint
{
    None = 0,
    Expected = 1 << 0,
    SeenReply = 1 << 1,
    Assured = 1 << 2,
    Confirmed = 1 << 3,
    SourceNat = 1 << 4,
    DestinationNat = 1 << 5,
    SequenceAdjust = 1 << 6,
    SourceNatDone = 1 << 7,
    DestinationNatDone = 1 << 8,
    Dying = 1 << 9,
    FixedTimeout = 1 << 10,
    Template = 1 << 11,
    Untracked = 1 << 12,
    Helper = 1 << 13,
    Offload = 1 << 14,
    HardwareOffload = 1 << 15,
}

/// <summary>
/// One direction of a connection: addresses, protocol and ports; for ICMP and ICMPv6, which have no ports, the
/// message type, code and identifier instead (the ports are 0).
/// </summary>
public sealed record ConntrackTuple(IPAddress Source, IPAddress Destination, byte Protocol, ushort SourcePort, ushort DestinationPort)
{
    public byte? IcmpType { get; init; }

    public byte? IcmpCode { get; init; }

    public ushort? IcmpId { get; init; }

    /// <summary>As conntrack -L prints a tuple: <c>src=… dst=… sport=… dport=…</c>, or <c>type=… code=… id=…</c> for ICMP.</summary>
    public override string ToString() => Describe(Source, Destination, SourcePort, DestinationPort, IcmpType, IcmpCode, IcmpId);

    /// <summary>The tuple text of conntrack -L, shared with the module's flow objects.</summary>
    public static string Describe(IPAddress source, IPAddress destination, ushort sourcePort, ushort destinationPort, byte? icmpType, byte? icmpCode, ushort? icmpId)
    {
        string addresses = $"src={source} dst={destination}";
        if (icmpType is not null || icmpCode is not null || icmpId is not null)
        {
            return $"{addresses} type={icmpType ?? 0} code={icmpCode ?? 0} id={icmpId ?? 0}";
        }

        return sourcePort == 0 && destinationPort == 0 ? addresses : $"{addresses} sport={sourcePort} dport={destinationPort}";
    }
}

/// <summary>
/// A conntrack entry as ctnetlink reports it. Packet and byte counts are null unless the kernel accounts them
/// (net.netfilter.nf_conntrack_acct when the entry was made; offloaded packets are added only by a flowtable with the
/// counter flag).
/// </summary>
public sealed record ConntrackFlow(NftFamily Family, ConntrackTuple Original, ConntrackTuple Reply, ConntrackStatus Status)
{
    public uint TimeoutSeconds { get; init; }

    public ulong? OriginalPackets { get; init; }

    public ulong? OriginalBytes { get; init; }

    public ulong? ReplyPackets { get; init; }

    public ulong? ReplyBytes { get; init; }

    /// <summary>In a flowtable (software or hardware): its packets take the fast path.</summary>
    public bool IsOffloaded => (Status & (ConntrackStatus.Offload | ConntrackStatus.HardwareOffload)) != 0;

    public bool IsHardwareOffloaded => (Status & ConntrackStatus.HardwareOffload) != 0;

    public string ProtocolName => Original.Protocol switch
    {
        6 => "tcp",
        17 => "udp",
        1 => "icmp",
        58 => "icmpv6",
        132 => "sctp",
        byte p => p.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Close to `conntrack -L`: protocol, original tuple, reply tuple, [OFFLOAD]/[HW_OFFLOAD].</summary>
    public override string ToString() =>
        $"{ProtocolName} {TimeoutSeconds} {Original} {Reply}{(IsHardwareOffloaded ? " [HW_OFFLOAD]" : IsOffloaded ? " [OFFLOAD]" : "")}";
}
