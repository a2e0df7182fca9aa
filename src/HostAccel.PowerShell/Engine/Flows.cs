using HostAccel.Native.Conntrack;
using HostAccel.Native.Nftables;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine;

/// <summary>
/// Get-OffloadedFlow: conntrack entries in a flowtable, read over ctnetlink. Conntrack keeps IPv4 and IPv6
/// entries; an inet table's flowtable holds both, so the family inet stands for both of them.
/// </summary>
internal static class Flows
{
    public static IReadOnlyList<OffloadedFlow> Get(AccelSession session, IReadOnlyCollection<AccelFamily>? families, bool includeSlowPath)
    {
        ArgumentNullException.ThrowIfNull(session);
        HashSet<AccelFamily>? wanted = families is { Count: > 0 }
            ? families.SelectMany(f => f == AccelFamily.Inet ? new[] { AccelFamily.Ip, AccelFamily.Ip6 } : [f]).ToHashSet()
            : null;
        NftFamily filter = wanted is { Count: 1 } ? wanted.First().ToNft() : NftFamily.Unspecified;
        try
        {
            using ConntrackConnection conntrack = ConntrackConnection.Open(session.NetworkNamespace);
            return conntrack.ListFlows(filter)
                .Where(f => f.Family is NftFamily.Ip or NftFamily.Ip6)
                .Where(f => wanted is null || wanted.Contains(f.Family.ToModel()))
                .Where(f => includeSlowPath || f.IsOffloaded)
                .Select(f => ToModel(session, f))
                .ToList();
        }
        catch (Exception ex) when (ex is not HostAccelException)
        {
            throw Failures.From(ex, session.NetworkNamespace);
        }
    }

    internal static OffloadedFlow ToModel(AccelSession session, ConntrackFlow flow) => new()
    {
        Family = flow.Family.ToModel(),
        Protocol = flow.ProtocolName,
        Source = flow.Original.Source,
        SourcePort = flow.Original.SourcePort,
        Destination = flow.Original.Destination,
        DestinationPort = flow.Original.DestinationPort,
        ReplySource = flow.Reply.Source,
        ReplySourcePort = flow.Reply.SourcePort,
        ReplyDestination = flow.Reply.Destination,
        ReplyDestinationPort = flow.Reply.DestinationPort,
        IcmpType = flow.Original.IcmpType,
        IcmpCode = flow.Original.IcmpCode,
        IcmpId = flow.Original.IcmpId,
        ReplyIcmpType = flow.Reply.IcmpType,
        ReplyIcmpCode = flow.Reply.IcmpCode,
        ReplyIcmpId = flow.Reply.IcmpId,
        Offloaded = flow.IsOffloaded,
        HardwareOffloaded = flow.IsHardwareOffloaded,
        Packets = Counters.Sum([flow], f => f.OriginalPackets, f => f.ReplyPackets),
        Bytes = Counters.Sum([flow], f => f.OriginalBytes, f => f.ReplyBytes),
        TimeoutSeconds = flow.TimeoutSeconds,
        Status = flow.Status.ToString(),
        NetworkNamespace = session.NetworkNamespace,
    };
}
