using System.Diagnostics;
using HostAccel.Native.Conntrack;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;

namespace HostAccel.VmChecks;

internal sealed record OffloadResult(int OffloadedFlows, bool OracleSawOffload, ulong ForwardPackets, ulong SentPackets, ulong ForwardedDatagrams)
{
    /// <summary>The method of the kernel's nft_flowtable.sh: offloaded flows exist and the slow path saw almost nothing.</summary>
    public bool Verified => OffloadedFlows > 0 && OracleSawOffload && SentPackets > 1000 && ForwardPackets * 100 < SentPackets;
}

/// <summary>Seed 000 applied by HostAccel on a router; an iperf3 transfer crosses it and must take the fast path.</summary>
internal static class OffloadScenario
{
    public static OffloadResult Run(Report report)
    {
        using var topology = new Topology();
        using NftConnection nft = NftConnection.Open(topology.Router);
        using ConntrackConnection conntrack = ConntrackConnection.Open(topology.Router);
        SeedObjects.Apply(nft, Topology.LocalCidr, Topology.PeerCidr, accelerate: true);

        using Process server = Sh.Start("ip", "netns", "exec", topology.Server, "iperf3", "-s", "-1");
        Topology.WaitForListener(topology.Server, 5201);
        ulong sentBefore = Topology.TxPackets(topology.Client, "c0");
        ulong forwardedBefore = topology.ForwardedDatagrams();
        using Process client = Sh.Start("ip", "netns", "exec", topology.Client, "iperf3", "-c", Topology.ServerAddress, "-t", "4");

        int offloaded = 0;
        bool oracle = false;
        while (!client.WaitForExit(250))
        {
            offloaded = Math.Max(offloaded, conntrack.ListOffloadedFlows().Count(f => f.Original.Protocol == 6));
            oracle |= Sh.In(topology.Router, "conntrack", "-L", "-p", "tcp").Contains("[OFFLOAD]", StringComparison.Ordinal);
        }

        report.Check(client.ExitCode == 0, "iperf3 transfer through the router", client.StandardError.ReadToEnd());
        server.WaitForExit(5000);
        ulong sent = Topology.TxPackets(topology.Client, "c0") - sentBefore;
        ulong forwarded = topology.ForwardedDatagrams() - forwardedBefore;
        ulong forwardPackets = nft.ListRules(NftFamily.Ip, "antrea", "forward").Aggregate(0UL, (sum, r) => sum + (r.Counter?.Packets ?? 0));
        var result = new OffloadResult(offloaded, oracle, forwardPackets, sent, forwarded);
        report.Check(offloaded > 0, "HostAccel's conntrack reader saw the flow offloaded (IPS_OFFLOAD)");
        report.Check(oracle, "conntrack -L agrees: [OFFLOAD]");
        report.Check(result.Verified, "the forward chain saw a handful of packets while iperf3 sent thousands",
            $"forward rule packets {forwardPackets}, client sent {sent}, router ForwDatagrams +{forwarded}");
        return result;
    }
}
