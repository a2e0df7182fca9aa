using System.Net;

namespace HostAccel.PowerShell.Model;

/// <summary>A conntrack entry, normally one in a flowtable; close to a line of <c>conntrack -L</c>.</summary>
public sealed class OffloadedFlow
{
    public AccelFamily Family { get; internal init; }

    /// <summary>tcp, udp, icmp … or the protocol number.</summary>
    public string Protocol { get; internal init; } = "";

    public IPAddress Source { get; internal init; } = IPAddress.None;

    public ushort SourcePort { get; internal init; }

    public IPAddress Destination { get; internal init; } = IPAddress.None;

    public ushort DestinationPort { get; internal init; }

    public IPAddress ReplySource { get; internal init; } = IPAddress.None;

    public ushort ReplySourcePort { get; internal init; }

    public IPAddress ReplyDestination { get; internal init; } = IPAddress.None;

    public ushort ReplyDestinationPort { get; internal init; }

    /// <summary>ICMP and ICMPv6 (no ports): the message type, code and identifier of each direction; null for other protocols.</summary>
    public byte? IcmpType { get; internal init; }

    public byte? IcmpCode { get; internal init; }

    public ushort? IcmpId { get; internal init; }

    public byte? ReplyIcmpType { get; internal init; }

    public byte? ReplyIcmpCode { get; internal init; }

    public ushort? ReplyIcmpId { get; internal init; }

    public bool Offloaded { get; internal init; }

    /// <summary>
    /// The prefix of HostAccel's peer Pod CIDR set (table antrea) that holds the flow's remote end, or null when none
    /// does: a flow offloaded for another traffic type, or one a removal has not reached (see Remove-PeerPodCidr).
    /// </summary>
    public string? PeerPodCidr { get; internal init; }

    public bool HardwareOffloaded { get; internal init; }

    /// <summary>Both directions; null unless the entry is accounted (nf_conntrack_acct; fast-path packets need the flowtable counter flag too).</summary>
    public ulong? Packets { get; internal init; }

    public ulong? Bytes { get; internal init; }

    public uint TimeoutSeconds { get; internal init; }

    /// <summary>The conntrack status bits by name.</summary>
    public string Status { get; internal init; } = "";

    public string? NetworkNamespace { get; internal init; }

    /// <summary>Close to a line of conntrack -L: ports for TCP, UDP and SCTP, type, code and id for ICMP.</summary>
    public override string ToString()
    {
        string mark = HardwareOffloaded ? " [HW_OFFLOAD]" : Offloaded ? " [OFFLOAD]" : "";
        return $"{Protocol} {TimeoutSeconds} {Native.Conntrack.ConntrackTuple.Describe(Source, Destination, SourcePort, DestinationPort, IcmpType, IcmpCode, IcmpId)} "
            + $"{Native.Conntrack.ConntrackTuple.Describe(ReplySource, ReplyDestination, ReplySourcePort, ReplyDestinationPort, ReplyIcmpType, ReplyIcmpCode, ReplyIcmpId)}{mark}";
    }
}
