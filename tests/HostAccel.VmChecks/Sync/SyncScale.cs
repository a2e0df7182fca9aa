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
            report.Check(full.Applied && one.Applied && statements.Order().SequenceEqual([$"add element ip antrea peer-pod-cidr {{ {V4(v4)} }}", $"delete element ip antrea peer-pod-cidr {{ {V4(0)} }}"]),
                $"Scale: at {v4} + {v6}, a one-change sync sends one delete and one add ({oneSeconds:0.00} s under emulation)", string.Join(" | ", statements));
        }
    }

    /// <summary>Disjoint /26s from 10.0.0.0 up: 262 144 of them fit in 10/8.</summary>
    private static string V4(int i) => $"10.{64 + (i >> 10)}.{(i >> 2) & 255}.{(i & 3) << 6}/26";

    private static string V6(int i) => $"fd00:5000:{i:x}::/48";
}
