using HostAccel.Native.Conntrack;
using HostAccel.Native.Nftables;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine;

/// <summary>Get-OffloadedFlow: conntrack entries in a flowtable, read over ctnetlink.</summary>
internal static class Flows
{
    public static IReadOnlyList<OffloadedFlow> Get(AccelSession session, IReadOnlyCollection<AccelFamily>? families, bool includeSlowPath)
    {
        ArgumentNullException.ThrowIfNull(session);
        NftFamily filter = families is { Count: 1 } ? families.First().ToNft() : NftFamily.Unspecified;
        try
        {
            using ConntrackConnection conntrack = ConntrackConnection.Open(session.NetworkNamespace);
            return conntrack.ListFlows(filter)
                .Where(f => f.Family is NftFamily.Ip or NftFamily.Ip6)
                .Where(f => families is null || families.Count == 0 || families.Contains(f.Family.ToModel()))
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
        Offloaded = flow.IsOffloaded,
        HardwareOffloaded = flow.IsHardwareOffloaded,
        Packets = Counters.Sum([flow], f => f.OriginalPackets, f => f.ReplyPackets),
        Bytes = Counters.Sum([flow], f => f.OriginalBytes, f => f.ReplyBytes),
        TimeoutSeconds = flow.TimeoutSeconds,
        Status = flow.Status.ToString(),
        NetworkNamespace = session.NetworkNamespace,
    };
}
