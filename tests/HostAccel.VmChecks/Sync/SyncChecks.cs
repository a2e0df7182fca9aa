using System.Collections;
using System.Diagnostics;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;

namespace HostAccel.VmChecks.Sync;

/// <summary>
/// Sync-, Get- and Test-AccelConfiguration through the engine, on a kernel with flowtables: every traffic type of
/// seed 001 in both families, checked against `nft -j list ruleset` and an independent rendering of the
/// configuration; the no-op second sync; exact removals; export and re-import; scale.
/// </summary>
internal static class SyncChecks
{
    public static AccelConfiguration Config(Hashtable settings) => ConfigurationReader.Read(settings, "check");

    public static Hashtable Full() => new()
    {
        ["TransportInterface"] = "eth0",
        ["Devices"] = new[] { "eth1" },
        ["LocalPodCidr"] = new[] { "10.10.0.0/24", "fd00:10::/64" },
        ["PeerPodCidr"] = new[] { "10.10.1.0/24", "10.10.2.0/24", "fd00:11::/64" },
        ["Traffic"] = "All",
        ["ExternalIP"] = new[] { "172.18.0.151", "2001:db8::151" },
        ["PeerNodeIP"] = new[] { "172.18.0.2", "172.18.0.3", "2001:db8:1::2" },
        ["Counter"] = true,
    };

    public static void Run(Report report)
    {
        using var ns = new SyncNamespace();
        AccelConfiguration full = Config(Full());

        AccelSyncResult first = Synchronizer.Sync(ns.Session, full, new SyncOptions(), CancellationToken.None);
        report.Check(first is { Applied: true, Attempts: 1 } && first.Changes.Count > 0, "Sync: a dual-stack configuration with every traffic type is applied in one transaction", first.ToString());
        Same(report, ns, full, "Sync: nft -j list ruleset shows exactly the configuration (all seed 001 rules, both families)");
        report.Check(Sh.In(ns.Name, "nft", "list", "flowtable", "ip", "antrea", "fastpath").Contains("counter", StringComparison.Ordinal), "Sync: the flowtable has the counter flag");

        uint generation = ns.Session.Nft.GetGeneration();
        AccelSyncResult second = Synchronizer.Sync(ns.Session, full, new SyncOptions(), CancellationToken.None);
        report.Check(second is { Applied: false, Changes.Count: 0 } && ns.Session.Nft.GetGeneration() == generation,
            "Sync: a second sync with the same input sends nothing (generation unchanged)", second.ToString());
        report.Check(Synchronizer.Test(ns.Session, full, force: false).InDesiredState, "Test-AccelConfiguration: the kernel matches");

        AccelConfiguration exported = ConfigurationExport.Read(ns.Session, "antrea", includeForeign: false);
        report.Check(Equivalent(exported, full), "Get-AccelConfiguration: reads back the configuration that was synced", $"{exported} vs {full}");
        AccelSyncResult back = Synchronizer.Sync(ns.Session, exported, new SyncOptions(), CancellationToken.None);
        report.Check(!back.Applied && back.Changes.Count == 0, "Get-AccelConfiguration: its output syncs back with no change", back.ToString());

        Adoption(report);
        ChainReplaced(report);
        ExactRemovals(report, ns, full);
        Drift(report, ns, full);

        AccelSyncResult off = Synchronizer.Sync(ns.Session, Config([]), new SyncOptions(), CancellationToken.None);
        report.Check(off.Applied && Sh.In(ns.Name, "nft", "list", "ruleset").Trim().Length == 0, "Sync: an empty configuration removes every owned table", off.ToString());
    }

    /// <summary>
    /// Seed 000 and seed 001's NodePort rule written by nft, with the seed's comment: not HostAccel's (only its mark
    /// makes a table its own), so Get reads it only with -IncludeForeign and Sync needs -Force to adopt it, which
    /// then changes nothing. The same tables as HostAccel's own: Get reads them, and refuses what no one
    /// configuration describes.
    /// </summary>
    private static void Adoption(Report report)
    {
        using var ns = new SyncNamespace();
        const string ip = """
            table ip antrea {
                comment "Rules for Antrea"
                set peer-pod-cidr { type ipv4_addr; flags interval; comment "Set for storing IPv4 peer Pods CIDRs"; elements = { 10.10.1.0/24 }; }
                flowtable fastpath { hook ingress priority filter; devices = { antrea-gw0, eth0, eth1 }; }
                chain forward {
                    comment "Forward chain for storing rules"
                    type filter hook forward priority filter; policy accept;
                    iif "antrea-gw0" ip saddr 10.10.0.0/24 oif "eth0" ip daddr @peer-pod-cidr flow add @fastpath counter comment "Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs"
                    iif "eth0" ip saddr @peer-pod-cidr oif "antrea-gw0" ip daddr 10.10.0.0/24 flow add @fastpath counter comment "Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR"
                    oif "antrea-gw0" ip daddr 169.254.0.252 flow add @fastpath counter comment "Accelerate IPv4 connections: External-to-NodePort after DNAT"
                }
            }
            """;
        ns.NftLoad(ip);
        string written = Sh.In(ns.Name, "nft", "-j", "list", "ruleset");
        AccelConfiguration own = ConfigurationExport.Read(ns.Session, "antrea", includeForeign: false);
        report.Check(own.Family.Count == 0 && own.Traffic == AccelTraffic.None,
            "Get-AccelConfiguration: a table nft wrote with the seed's comment is not HostAccel's", own.ToString());
        AccelConfiguration read = ConfigurationExport.Read(ns.Session, "antrea", includeForeign: true);
        report.Check(read.Traffic == (AccelTraffic.PodToPod | AccelTraffic.ExternalToNodePort) && read.LocalPodCidr.SequenceEqual(["10.10.0.0/24"])
                && read.TransportInterface == "eth0" && read.Devices.SequenceEqual(["eth1"]) && read.PeerPodCidr.SequenceEqual(["10.10.1.0/24"]),
            "Get-AccelConfiguration -IncludeForeign: reads seed 000 and the NodePort rule as nft wrote them", read.ToString());
        report.Throws<HostAccelException>(() => Synchronizer.Sync(ns.Session, read, new SyncOptions(), CancellationToken.None),
            ex => ex.ErrorId == ErrorIds.TableNotOwned, "Sync: the table nft wrote is refused without -Force");
        AccelSyncResult result = Synchronizer.Sync(ns.Session, read, new SyncOptions { Force = true }, CancellationToken.None);
        report.Check(!result.Applied && result.Changes.Count == 0 && Sh.In(ns.Name, "nft", "-j", "list", "ruleset") == written,
            "Sync -Force: the configuration read from nft's ruleset adopts it with no change", string.Join("; ", result.Changes));

        // The same, as HostAccel's own tables. An IPv6 table that accelerates only NodePort traffic next to the IPv4
        // Pod-to-Pod one: no one configuration says both, and Get refuses rather than return one that would strip a
        // family's acceleration.
        Sh.In(ns.Name, "nft", "flush", "ruleset");
        ns.NftLoadOwned(ip);
        AccelConfiguration owned = ConfigurationExport.Read(ns.Session, "antrea", includeForeign: false);
        report.Check(Equivalent(owned, read) && !Synchronizer.Sync(ns.Session, owned, new SyncOptions(), CancellationToken.None).Applied,
            "Get-AccelConfiguration: reads HostAccel's own seed 000 tables, which sync back with no change", owned.ToString());
        LoadIp6Table(ns, """
            oif "antrea-gw0" ip6 daddr fc01::aabb:ccdd:eefe flow add @fastpath counter comment "Accelerate IPv6 connections: External-to-NodePort after DNAT"
            """);
        report.Throws<HostAccelException>(() => ConfigurationExport.Read(ns.Session, "antrea", includeForeign: false),
            ex => ex.ErrorId == ErrorIds.StateNotExpressible && ex.Message.Contains("ip: PodToPod, ExternalToNodePort; ip6: ExternalToNodePort", StringComparison.Ordinal),
            "Get-AccelConfiguration: families that accelerate different traffic are refused, not flattened");

        // The IPv6 table with Pod-to-Pod alone: one configuration with both traffic types is valid, but synced back it
        // would add the NodePort rule to ip6. Get refuses that too, naming the rule, and changes nothing.
        Sh.In(ns.Name, "nft", "delete", "table", "ip6", "antrea");
        LoadIp6Table(ns, """
            iif "antrea-gw0" ip6 saddr fd00:10::/64 oif "eth0" ip6 daddr @peer-pod-cidr flow add @fastpath counter comment "Accelerate IPv6 connections: local Pod CIDR to remote Pod CIDRs"
            iif "eth0" ip6 saddr @peer-pod-cidr oif "antrea-gw0" ip6 daddr fd00:10::/64 flow add @fastpath counter comment "Accelerate IPv6 connections: remote Pod CIDRs to local Pod CIDR"
            """);
        string before = Sh.In(ns.Name, "nft", "-j", "list", "ruleset");
        report.Throws<HostAccelException>(() => ConfigurationExport.Read(ns.Session, "antrea", includeForeign: false),
            ex => ex.ErrorId == ErrorIds.StateNotExpressible && ex.Message.Contains("Missing", StringComparison.Ordinal) && ex.Message.Contains("ip6 antrea forward", StringComparison.Ordinal),
            "Get-AccelConfiguration: a union of the families' traffic that a sync would add to one of them is refused, naming the rule");
        report.Check(Sh.In(ns.Name, "nft", "-j", "list", "ruleset") == before, "Get-AccelConfiguration: the refusal changed nothing");
    }

    /// <summary>
    /// A forward chain nft wrote without the seed's comment, with a rule of its own, in HostAccel's table: the sync
    /// replaces the chain and its rules in the one transaction and ends in the desired state.
    /// </summary>
    private static void ChainReplaced(Report report)
    {
        using var ns = new SyncNamespace();
        ns.NftLoadOwned("""
            table ip antrea {
                comment "Rules for Antrea"
                set peer-pod-cidr { type ipv4_addr; flags interval; comment "Set for storing IPv4 peer Pods CIDRs"; elements = { 10.10.1.0/24 }; }
                chain forward { type filter hook forward priority filter; policy accept; counter; }
            }
            """);
        AccelConfiguration c = Config(new Hashtable
        {
            ["TransportInterface"] = "eth0",
            ["LocalPodCidr"] = "10.10.0.0/24",
            ["PeerPodCidr"] = "10.10.1.0/24",
        });
        AccelSyncResult result = Synchronizer.Sync(ns.Session, c, new SyncOptions(), CancellationToken.None);
        report.Check(result.Applied && result.Changes.Any(d => d is { Kind: AccelDriftKind.Different, Object: "chain ip antrea forward" }),
            "Sync: a forward chain nft wrote without the seed's comment is replaced with its rules", string.Join("; ", result.Changes));
        Same(report, ns, c, "Sync: after replacing the chain, nft -j shows the configuration");
    }

    /// <summary>An ip6 antrea table as nft writes it, seed 000's objects with the given forward rules, loaded as HostAccel's.</summary>
    private static void LoadIp6Table(SyncNamespace ns, string rules) => ns.NftLoadOwned($$"""
        table ip6 antrea {
            comment "Rules for Antrea"
            set peer-pod-cidr { type ipv6_addr; flags interval; comment "Set for storing IPv6 peer Pods CIDRs"; }
            flowtable fastpath { hook ingress priority filter; devices = { antrea-gw0, eth0, eth1 }; }
            chain forward {
                comment "Forward chain for storing rules"
                type filter hook forward priority filter; policy accept;
        {{rules}}
            }
        }
        """);

    /// <summary>Removing one peer CIDR, one device, one traffic type changes exactly its objects; other rules keep their handles.</summary>
    private static void ExactRemovals(Report report, SyncNamespace ns, AccelConfiguration full)
    {
        Hashtable fewerPeers = Full();
        fewerPeers["PeerPodCidr"] = new[] { "10.10.1.0/24", "fd00:11::/64" };
        Removal(report, ns, Config(fewerPeers), ["delete element ip antrea peer-pod-cidr { 10.10.2.0/24 }"], "a peer Pod CIDR");

        Hashtable fewerDevices = fewerPeers;
        fewerDevices["Devices"] = Array.Empty<string>();
        // A device taken out evicts the flows through it: the flowtable is replaced without it (nothing else changes;
        // Same checks the devices nft -j lists).
        Removal(report, ns, Config(fewerDevices), [], "a flowtable device");

        Hashtable fewerTraffic = fewerDevices;
        fewerTraffic["Traffic"] = "PodToPod, ExternalToPod, ExternalToNodePort, FullPath";
        fewerTraffic.Remove("ExternalIP");
        List<string> rules = RuleLines(ns).Where(l => l.Contains("@external-ip", StringComparison.Ordinal)).ToList();
        IReadOnlyList<string> planned = Synchronizer.Plan(ns.Session, Config(fewerTraffic), force: false).Statements;
        (List<string> statements, bool evicted) = WithoutEviction(planned);
        report.Check(rules.Count == 1 && evicted && statements.Count == 4 && statements.Count(s => s.StartsWith("delete rule ", StringComparison.Ordinal)) == 2
                && statements.Count(s => s.StartsWith("delete set ", StringComparison.Ordinal) && s.EndsWith(" external-ip", StringComparison.Ordinal)) == 2,
            "Sync: removing a traffic type plans exactly its rule and set in each family, and the flowtables' replacement that evicts its flows", string.Join(" | ", planned));
        Removal(report, ns, Config(fewerTraffic), statements, "a traffic type");

        Hashtable moreDevices = fewerTraffic;
        moreDevices["Devices"] = new[] { "eth1", "eth2" };
        Removal(report, ns, Config(moreDevices),
            ["add flowtable ip antrea fastpath { hook ingress priority filter; devices = { eth1, eth2 }; counter; }",
             "add flowtable ip6 antrea fastpath { hook ingress priority filter; devices = { eth1, eth2 }; counter; }"], "two flowtable devices (added)");
        Synchronizer.Sync(ns.Session, full, new SyncOptions(), CancellationToken.None);
        Same(report, ns, full, "Sync: back to the full configuration");
    }

    private static void Removal(Report report, SyncNamespace ns, AccelConfiguration next, IReadOnlyList<string> expected, string what)
    {
        HashSet<ulong> before = Handles(ns);
        AccelSyncResult result = Synchronizer.Sync(ns.Session, next, new SyncOptions(), CancellationToken.None);
        List<string> all = result.Changes.SelectMany(c => c.Statements).ToList();
        (List<string> applied, bool evicted) = WithoutEviction(all);
        HashSet<ulong> after = Handles(ns);
        // A removal replaces the flowtable with the rules that feed it (their handles change: that is the eviction);
        // otherwise every rule keeps its handle. Either way nft -j must show the configuration (Same, below).
        bool rulesKept = evicted || after.IsSubsetOf(before) || before.IsSubsetOf(after);
        report.Check(result.Applied && applied.Order().SequenceEqual(expected.Order()) && rulesKept,
            $"Sync: changing {what} sends exactly its statements and keeps the other rules", string.Join(" | ", all));
        Same(report, ns, next, $"Sync: after changing {what}, nft -j shows the configuration");
    }

    /// <summary>
    /// A plan's statements without the flowtable replacement that evicts offloaded flows: for each family with a bare
    /// "delete flowtable … fastpath", that statement, the flowtable's re-add, the rules added back, and as many of the
    /// family's rule deletes as rules were added back (what is left of the deletes is what the change itself removes).
    /// </summary>
    private static (List<string> Others, bool Evicted) WithoutEviction(IReadOnlyList<string> statements)
    {
        var families = statements.Where(st => st is "delete flowtable ip antrea fastpath" or "delete flowtable ip6 antrea fastpath")
            .Select(st => st.Split(' ')[2]).ToList();
        var others = statements.ToList();
        foreach (string f in families)
        {
            others.Remove($"delete flowtable {f} antrea fastpath");
            others.RemoveAll(st => st.StartsWith($"add flowtable {f} antrea fastpath {{ hook ", StringComparison.Ordinal));
            int readded = others.RemoveAll(st => st.StartsWith($"add rule {f} antrea forward ", StringComparison.Ordinal)
                || st.StartsWith($"insert rule {f} antrea forward ", StringComparison.Ordinal));
            for (int i = 0; i < readded; i++)
            {
                others.Remove(others.First(st => st.StartsWith($"delete rule {f} antrea forward ", StringComparison.Ordinal)));
            }
        }

        return (others, families.Count > 0);
    }

    /// <summary>Objects added by hand into an owned table are drift; the sync removes exactly them.</summary>
    private static void Drift(Report report, SyncNamespace ns, AccelConfiguration full)
    {
        Sh.In(ns.Name, "nft", "add", "rule", "ip", "antrea", "forward", "meta", "l4proto", "tcp", "counter");
        Sh.In(ns.Name, "nft", "add", "set", "ip", "antrea", "stray", "{ type ipv4_addr; }");
        Sh.In(ns.Name, "nft", "delete", "element", "ip6", "antrea", "peer-pod-cidr", "{ fd00:11::/64 }");
        AccelConfigurationTest test = Synchronizer.Test(ns.Session, full, force: false);
        report.Check(!test.InDesiredState && test.Drift.Count == 3
                && test.Drift.Any(d => d.Kind == AccelDriftKind.Extra && d.Object.StartsWith("rule ip antrea forward handle", StringComparison.Ordinal))
                && test.Drift.Any(d => d.Kind == AccelDriftKind.Extra && d.Object == "set ip antrea stray")
                && test.Drift.Any(d => d.Kind == AccelDriftKind.Different && d.Object == "set ip6 antrea peer-pod-cidr"),
            "Test-AccelConfiguration: a stray rule, a stray set and a missing element are the drift", test.ToString());
        Synchronizer.Sync(ns.Session, full, new SyncOptions(), CancellationToken.None);
        Same(report, ns, full, "Sync: drift removed");
    }

    public static bool Same(Report report, SyncNamespace ns, AccelConfiguration c, string what)
    {
        List<string> expected = ExpectedRuleset.For(c);
        List<string> actual = RulesetJson.Actual(ns.Name);
        return report.Check(expected.SequenceEqual(actual), what, Diff(expected, actual));
    }

    public static string Diff(List<string> expected, List<string> actual)
    {
        int at = expected.Zip(actual).TakeWhile(p => p.First == p.Second).Count();
        return $"{expected.Count} objects expected, {actual.Count} listed; first difference at {at}:\n  expected: {expected.ElementAtOrDefault(at)}\n  listed:   {actual.ElementAtOrDefault(at)}";
    }

    private static List<string> RuleLines(SyncNamespace ns) => Sh.In(ns.Name, "nft", "-a", "list", "chain", "ip", "antrea", "forward").Split('\n').ToList();

    private static HashSet<ulong> Handles(SyncNamespace ns) =>
        ns.Session.Nft.ListRules(HostAccel.Native.Nftables.NftFamily.Ip, "antrea").Concat(ns.Session.Nft.ListRules(HostAccel.Native.Nftables.NftFamily.Ip6, "antrea")).Select(r => r.Handle).ToHashSet();

    public static bool Equivalent(AccelConfiguration a, AccelConfiguration b) => Differences(a, b).Count == 0;

    /// <summary>The settings in which two configurations differ (NetworkNamespace and the object names aside).</summary>
    public static List<string> Differences(AccelConfiguration a, AccelConfiguration b)
    {
        var differences = new List<string>();
        void Compare<T>(string name, IEnumerable<T> x, IEnumerable<T> y)
        {
            if (!x.SequenceEqual(y))
            {
                differences.Add($"{name}: {string.Join(",", x)} vs {string.Join(",", y)}");
            }
        }

        Compare(nameof(a.TableName), [a.TableName], [b.TableName]);
        Compare(nameof(a.Family), a.Family, b.Family);
        Compare(nameof(a.GatewayInterface), [a.GatewayInterface], [b.GatewayInterface]);
        Compare(nameof(a.TransportInterface), [a.TransportInterface], [b.TransportInterface]);
        Compare(nameof(a.Traffic), [a.Traffic], [b.Traffic]);
        Compare(nameof(a.Devices), a.Devices, b.Devices);
        Compare(nameof(a.LocalPodCidr), a.LocalPodCidr, b.LocalPodCidr);
        Compare(nameof(a.PeerPodCidr), a.PeerPodCidr, b.PeerPodCidr);
        Compare(nameof(a.ExternalIP), a.ExternalIP, b.ExternalIP);
        Compare(nameof(a.PeerNodeIP), a.PeerNodeIP, b.PeerNodeIP);
        Compare(nameof(a.ServiceSnatAddress), a.ServiceSnatAddress, b.ServiceSnatAddress);
        Compare(nameof(a.NodePortDnatAddress), a.NodePortDnatAddress, b.NodePortDnatAddress);
        Compare(nameof(a.Priority), [a.Priority], [b.Priority]);
        Compare(nameof(a.Counter), [a.Counter], [b.Counter]);
        Compare(nameof(a.HardwareOffload), [a.HardwareOffload], [b.HardwareOffload]);
        return differences;
    }
}
