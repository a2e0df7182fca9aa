using System.Collections;
using System.Diagnostics;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;

namespace HostAccel.VmChecks.Sync;

/// <summary>5 000 peer Pod CIDRs per family (an ordinary cluster) and 100 000 IPv4 ones, with a one-change sync at each.</summary>
internal static class SyncScale
{
    public static void Run(Report report)
    {
        using var ns = new SyncNamespace();
        foreach ((int v4, int v6) in new[] { (5_000, 5_000), (100_000, 0) })
        {
            Hashtable settings = SyncChecks.Full();
            List<string> peers = [.. Enumerable.Range(0, v4).Select(V4), .. Enumerable.Range(0, v6).Select(V6)];
            settings["PeerPodCidr"] = peers.ToArray();
            AccelConfiguration c = SyncChecks.Config(settings);
            var clock = Stopwatch.StartNew();
            AccelSyncResult full = Synchronizer.Sync(ns.Session, c, new SyncOptions(), CancellationToken.None);
            double fullSeconds = clock.Elapsed.TotalSeconds;
            SyncChecks.Same(report, ns, c, $"Scale: {v4} + {v6} peer Pod CIDRs synced ({fullSeconds:0.0} s under emulation) and listed by nft -j exactly");

            settings["PeerPodCidr"] = peers.Skip(1).Append(V4(v4)).ToArray();
            AccelConfiguration changed = SyncChecks.Config(settings);
            clock.Restart();
            AccelSyncResult one = Synchronizer.Sync(ns.Session, changed, new SyncOptions(), CancellationToken.None);
            double oneSeconds = clock.Elapsed.TotalSeconds;
            List<string> statements = one.Changes.SelectMany(d => d.Statements).ToList();
            // The removal also replaces the flowtable (and the rules that feed it) to evict flows the removed prefix
            // had offloaded; the set itself gets one delete and one add, never a rewrite of its elements.
            List<string> elements = statements.Where(s => s.Contains(" element ", StringComparison.Ordinal)).Order().ToList();
            bool evictionOnly = statements.Except(elements).All(s => s.StartsWith("delete flowtable ", StringComparison.Ordinal) || s.StartsWith("add flowtable ", StringComparison.Ordinal)
                || s.StartsWith("delete rule ", StringComparison.Ordinal) || s.StartsWith("add rule ", StringComparison.Ordinal) || s.StartsWith("insert rule ", StringComparison.Ordinal));
            report.Check(full.Applied && one.Applied && evictionOnly && elements.SequenceEqual([$"add element ip antrea peer-pod-cidr {{ {V4(v4)} }}", $"delete element ip antrea peer-pod-cidr {{ {V4(0)} }}"]),
                $"Scale: at {v4} + {v6}, a one-change sync sends one delete and one add of elements, and the flowtable's replacement that evicts the removed prefix's flows ({oneSeconds:0.00} s under emulation)", string.Join(" | ", statements));
        }
    }

    /// <summary>Disjoint /26s from 10.0.0.0 up: 262 144 of them fit in 10/8.</summary>
    private static string V4(int i) => $"10.{64 + (i >> 10)}.{(i >> 2) & 255}.{(i & 3) << 6}/26";

    private static string V6(int i) => $"fd00:5000:{i:x}::/48";
}
