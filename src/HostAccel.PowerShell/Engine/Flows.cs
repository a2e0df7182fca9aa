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
            List<ConntrackFlow> flows = conntrack.ListFlows(filter)
                .Where(f => f.Family is NftFamily.Ip or NftFamily.Ip6)
                .Where(f => wanted is null || wanted.Contains(f.Family.ToModel()))
                .Where(f => includeSlowPath || f.IsOffloaded)
                .ToList();
            List<IpPrefix> peers = flows.Count == 0 ? [] : PeerPrefixes(session);
            return flows.Select(f => ToModel(session, f, PeerOf(f, peers))).ToList();
        }
        catch (Exception ex) when (ex is not HostAccelException)
        {
            throw Failures.From(ex, session.NetworkNamespace);
        }
    }

    /// <summary>The peer Pod CIDRs of HostAccel's tables in both families; none when they cannot be read (not an error here).</summary>
    private static List<IpPrefix> PeerPrefixes(AccelSession session)
    {
        var prefixes = new List<IpPrefix>();
        foreach (NftFamily family in new[] { NftFamily.Ip, NftFamily.Ip6 })
        {
            try
            {
                if (session.Nft.ListSets(family, Design.TableName).FirstOrDefault(s => s.Name == Design.SetName) is Native.Nftables.Objects.NftSet set)
                {
                    prefixes.AddRange(session.Nft.ListPrefixes(set));
                }
            }
            catch (Native.ErrnoException)
            {
            }
        }

        return prefixes;
    }

    /// <summary>The peer prefix holding the flow's remote end: its destination (after DNAT, the reply's source) or its source.</summary>
    private static string? PeerOf(ConntrackFlow flow, List<IpPrefix> peers)
    {
        foreach (System.Net.IPAddress address in new[] { flow.Reply.Source, flow.Original.Destination, flow.Original.Source })
        {
            bool v6 = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
            if (IpPrefix.TryParse($"{address}/{(v6 ? 128 : 32)}", out IpPrefix host, out _) && peers.FirstOrDefault(p => p.Contains(host)) is IpPrefix peer && peer.Length > 0)
            {
                return peer.ToString();
            }
        }

        return null;
    }

    internal static OffloadedFlow ToModel(AccelSession session, ConntrackFlow flow, string? peerPodCidr = null) => new()
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
        PeerPodCidr = peerPodCidr,
        HardwareOffloaded = flow.IsHardwareOffloaded,
        Packets = Counters.Sum([flow], f => f.OriginalPackets, f => f.ReplyPackets),
        Bytes = Counters.Sum([flow], f => f.OriginalBytes, f => f.ReplyBytes),
        TimeoutSeconds = flow.TimeoutSeconds,
        Status = flow.Status.ToString(),
        NetworkNamespace = session.NetworkNamespace,
    };
}
