using System.Collections;
using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;

namespace HostAccel.VmChecks.Sync;

/// <summary>
/// The property of issue 5, on the real kernel: for random sequences of random desired states (families, traffic
/// types including none, Pod CIDRs, external and Node IPs, devices, the gateway, flags, priority) synced in turn, after each sync
/// `nft -j list ruleset` equals the independent rendering of the state, a second sync sends nothing,
/// Test-AccelConfiguration agrees, and Get-AccelConfiguration reads the same configuration back. Each sequence starts from an empty namespace.
/// </summary>
internal static class SyncProperty
{
    private static readonly string[] Peers4 = [.. Enumerable.Range(0, 12).Select(i => $"10.20.{i}.0/24"), "10.30.0.0/16", "192.168.7.128/25"];
    private static readonly string[] Peers6 = [.. Enumerable.Range(0, 6).Select(i => $"fd00:20:{i}::/48"), "fd00:21::/32"];
    private static readonly string[] Externals = ["172.18.0.150", "172.18.0.151", "172.18.0.152", "172.18.2.0/28", "2001:db8::150", "2001:db8::151"];
    private static readonly string[] Nodes = ["172.18.1.1", "172.18.1.2", "172.18.1.3", "172.18.1.4", "2001:db8:1::1", "2001:db8:1::2"];

    public static void Run(Report report)
    {
        int cases = int.TryParse(Environment.GetEnvironmentVariable("HOSTACCEL_SYNC_CASES"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) ? n : 12;
        using var ns = new SyncNamespace();
        int syncs = 0;
        string? failure = null;
        Gen<Hashtable[]> sequences = Configuration().ArrayOf().Where(a => a.Length is > 0 and <= 4);
        try
        {
            Prop.ForAll(sequences.ToArbitrary(), sequence =>
            {
                Synchronizer.Sync(ns.Session, SyncChecks.Config([]), new SyncOptions(), CancellationToken.None);
                foreach (Hashtable settings in sequence)
                {
                    AccelConfiguration c = SyncChecks.Config(settings);
                    Synchronizer.Sync(ns.Session, c, new SyncOptions(), CancellationToken.None);
                    syncs++;
                    List<string> expected = ExpectedRuleset.For(c);
                    List<string> actual = RulesetJson.Actual(ns.Name);
                    uint generation = ns.Session.Nft.GetGeneration();
                    AccelSyncResult again = Synchronizer.Sync(ns.Session, c, new SyncOptions(), CancellationToken.None);
                    bool wroteNothing = ns.Session.Nft.GetGeneration() == generation;
                    AccelConfiguration read = ConfigurationExport.Read(ns.Session, "antrea", includeForeign: false);
                    if (!expected.SequenceEqual(actual) || again.Applied || again.Changes.Count > 0 || !wroteNothing || !Synchronizer.Test(ns.Session, c, force: false).InDesiredState
                        || !SyncChecks.Equivalent(read, c))
                    {
                        failure = $"after syncing {c}: {SyncChecks.Diff(expected, actual)}\n  second sync: {again} {string.Join("; ", again.Changes)}{(wroteNothing ? "" : ", and it committed")}\n  read back: {read} ({string.Join("; ", SyncChecks.Differences(read, c))})";
                        return false;
                    }
                }

                return true;
            }).Check(Config.QuickThrowOnFailure.WithMaxTest(cases).WithQuietOnSuccess(true));
            report.Check(true, $"Sync property: {cases} random sequences ({syncs} syncs) match nft -j, re-sync as no-ops and read back");
        }
        catch (Exception ex)
        {
            report.Check(false, "Sync property: random sequences match nft -j and re-sync as no-ops", $"{failure}\n{ex.Message}");
        }
    }

    private static Gen<Hashtable> Configuration() =>
        from families in Gen.Elements(new[] { "4" }, new[] { "6" }, new[] { "4", "6" }, new[] { "4", "6" }, Array.Empty<string>())
        from traffic in Gen.Choose(0, (int)AccelTraffic.All)
        from explicitFamily in Gen.Elements(true, false)
        from peers4 in Gen.SubListOf(Peers4)
        from peers6 in Gen.SubListOf(Peers6)
        from externals in Gen.SubListOf(Externals)
        from nodes in Gen.SubListOf(Nodes)
        from devices in Gen.SubListOf(new[] { "eth1", "eth2" })
        from gateway in Gen.Elements("antrea-gw0", "antrea-gw0", "eth2")
        from counter in Gen.Elements(true, false)
        from priority in Gen.Elements(0, 0, 10)
        select Settings(families, explicitFamily, (AccelTraffic)traffic, peers4.Concat(peers6), externals, nodes, devices, gateway, counter, priority);

    private static Hashtable Settings(string[] families, bool explicitFamily, AccelTraffic traffic, IEnumerable<string> peers, IEnumerable<string> externals, IEnumerable<string> nodes,
        IEnumerable<string> devices, string gateway, bool counter, int priority)
    {
        bool Has(string p) => families.Contains(p.Contains(':', StringComparison.Ordinal) ? "6" : "4");
        var settings = new Hashtable
        {
            ["LocalPodCidr"] = families.Select(f => f == "4" ? "10.10.0.0/24" : "fd00:10::/64").ToArray(),
            ["GatewayInterface"] = gateway,
            ["TransportInterface"] = "eth0",
            ["Devices"] = devices.ToArray(),
            ["Traffic"] = traffic,
            ["PeerPodCidr"] = peers.Where(Has).ToArray(),
            ["ExternalIP"] = (traffic & AccelTraffic.ExternalIP) != 0 ? externals.Where(Has).ToArray() : Array.Empty<string>(),
            ["PeerNodeIP"] = (traffic & AccelTraffic.FullPath) != 0 ? nodes.Where(Has).ToArray() : Array.Empty<string>(),
            ["Counter"] = counter,
            ["Priority"] = priority,
        };

        // The families named, or left to follow from the local Pod CIDRs.
        if (explicitFamily)
        {
            settings["Family"] = families.Select(f => f == "4" ? "ip" : "ip6").ToArray();
        }

        return settings;
    }
}
