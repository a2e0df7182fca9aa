using System.Collections;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// Sync-, Test- and Get-AccelConfiguration's engine on this host's kernel, which has no flowtables: planning (what
/// -WhatIf shows), refusals that change nothing, removal, retries after a concurrent commit, and reading back
/// tables written by nft. Applying states with flowtables, the property tests and the writer race run in tests/vm.
/// </summary>
public sealed class SyncTests : EngineTest
{
    private static AccelConfiguration Config(Hashtable settings) => ConfigurationReader.Read(settings, "test");

    private static AccelConfiguration PodToPod() => Config(new Hashtable
    {
        ["TransportInterface"] = "eth0",
        ["LocalPodCidr"] = new[] { "10.10.0.0/24" },
        ["PeerPodCidr"] = new[] { "10.10.1.0/24", "10.10.2.0/24" },
    });

    private string Json() => Ns.Nft("-j", "list", "ruleset");

    [Fact]
    public void PlanningFromAnEmptyKernelListsSeed000AsNftStatementsInOneTransaction()
    {
        SyncPlan plan = Synchronizer.Plan(Session, PodToPod(), force: false);
        Assert.Equal(
            [
                "add table ip antrea { comment \"Rules for Antrea\"; }",
                "add set ip antrea peer-pod-cidr { type ipv4_addr; flags interval; comment \"Set for storing IPv4 peer Pods CIDRs\"; }",
                "add element ip antrea peer-pod-cidr { 10.10.1.0/24, 10.10.2.0/24 }",
                "add flowtable ip antrea fastpath { hook ingress priority filter; devices = { antrea-gw0, eth0 }; }",
                "add chain ip antrea forward { comment \"Forward chain for storing rules\"; type filter hook forward priority filter; policy accept; }",
                "add rule ip antrea forward iif \"antrea-gw0\" ip saddr 10.10.0.0/24 oif \"eth0\" ip daddr @peer-pod-cidr flow add @fastpath counter packets 0 bytes 0 comment \"Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs\"",
                "add rule ip antrea forward iif \"eth0\" ip saddr @peer-pod-cidr oif \"antrea-gw0\" ip daddr 10.10.0.0/24 flow add @fastpath counter packets 0 bytes 0 comment \"Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR\"",
            ],
            plan.Statements);
        AccelDrift table = Assert.Single(plan.Drift());
        Assert.Equal((AccelFamily.Ip, AccelDriftKind.Missing), (table.Family, table.Kind));
        Assert.Equal(7, table.Statements.Count);
    }

    [Fact]
    public void SyncOnAKernelWithoutFlowtablesFailsWithThatErrorAndChangesNothing()
    {
        string before = Json();
        HostAccelException failure = Assert.Throws<HostAccelException>(() => Synchronizer.Sync(Session, PodToPod(), new SyncOptions(), CancellationToken.None));
        Assert.Equal(ErrorIds.FlowtableNotSupported, failure.ErrorId);
        Assert.Equal(before, Json());
    }

    [Fact]
    public void AnEmptyConfigurationRemovesHostAccelsTablesAndLeavesOthers()
    {
        NftLoadOwned("""
            table ip antrea { comment "Rules for Antrea"; set peer-pod-cidr { type ipv4_addr; flags interval; elements = { 10.1.0.0/16 }; }; }
            table ip6 antrea { comment "Rules for Antrea"; }
            table ip other { chain c { type filter hook forward priority 0; }; }
            """);
        var log = new List<string>();
        AccelSyncResult result = Synchronizer.Sync(Session, Config([]), new SyncOptions { Log = log.Add }, CancellationToken.None);
        Assert.True(result.Applied);
        Assert.Equal(["delete table ip antrea", "delete table ip6 antrea"], result.Changes.SelectMany(c => c.Statements));
        Assert.Equal("table ip other", Ns.Nft("list", "tables").Trim());

        uint generation = Session.Nft.GetGeneration();
        AccelSyncResult again = Synchronizer.Sync(Session, Config([]), new SyncOptions { Log = log.Add }, CancellationToken.None);
        Assert.False(again.Applied);
        Assert.Empty(again.Changes);
        Assert.Equal(generation, Session.Nft.GetGeneration());
        Assert.Contains(log, l => l.Contains("nothing sent", StringComparison.Ordinal));
    }

    [Fact]
    public void ATableHostAccelDoesNotOwnIsRefusedWithoutForceAndChangesNothing()
    {
        Ns.NftLoad("table ip antrea { comment \"someone else's\"; }");
        HostAccelException failure = FailsAndChangesNothing(() => Synchronizer.Plan(Session, PodToPod(), force: false), ErrorIds.TableNotOwned, FailureKind.InvalidOperation);
        Assert.Contains("table ip antrea", failure.Message, StringComparison.Ordinal);
        Assert.NotEmpty(Synchronizer.Plan(Session, PodToPod(), force: true).Statements);

        // Not desired and not HostAccel's: left alone.
        Assert.Empty(Synchronizer.Plan(Session, Config([]), force: false).Statements);
    }

    [Fact]
    public void AMissingGatewayIsPendingAndLeftOutOfTheFlowtableAndTheRulesNamingIt()
    {
        Hashtable settings = new() { ["GatewayInterface"] = "nosuchdev0", ["TransportInterface"] = "eth0", ["LocalPodCidr"] = "10.10.0.0/24", ["PeerPodCidr"] = "10.11.0.0/24" };
        SyncPlan plan = Synchronizer.Plan(Session, Config(settings), force: false);

        PendingDevice pending = Assert.Single(plan.Pending);
        Assert.Equal(("nosuchdev0", "gateway"), (pending.Device, pending.Role));
        Assert.DoesNotContain(plan.Statements, s => s.Contains("nosuchdev0", StringComparison.Ordinal) || s.StartsWith("add rule", StringComparison.Ordinal));
        Assert.Contains(plan.Statements, s => s.StartsWith("add flowtable", StringComparison.Ordinal) && s.Contains("devices = { eth0 }", StringComparison.Ordinal));
        Assert.Contains("add element ip antrea peer-pod-cidr { 10.11.0.0/24 }", plan.Statements);
    }

    [Fact]
    public void InTheTrafficControlModeAMissingDeviceIsPendingAndTheRestIsApplied()
    {
        // Every redirect names both devices: none can be made, and nothing needs flower (so this runs on any kernel).
        Hashtable settings = new() { ["Mode"] = "TrafficControl", ["GatewayInterface"] = "eth0", ["TransportInterface"] = "nosuchdev1", ["LocalPodCidr"] = "10.10.0.0/24", ["PeerPodCidr"] = "10.11.0.0/24" };
        AccelSyncResult result = Synchronizer.Sync(Session, Config(settings), new SyncOptions(), CancellationToken.None);

        Assert.True(result.Applied);
        Assert.Equal("transport device 'nosuchdev1' does not exist: the Traffic Control redirects of PodToPod are left out until it appears", Assert.Single(result.Pending));
        Assert.Contains("10.11.0.0/24", Ns.Nft("list", "set", "ip", "antrea", "peer-pod-cidr"), StringComparison.Ordinal);
        Assert.DoesNotContain("clsact", Ns.Exec("tc", "qdisc", "show", "dev", "eth0"), StringComparison.Ordinal);

        // Not drift: a second plan has nothing to do and still says what waits.
        SyncPlan again = Synchronizer.Plan(Session, Config(settings), force: false);
        Assert.True(again.IsEmpty);
        Assert.Equal(("nosuchdev1", "transport", AccelMode.TrafficControl), (Assert.Single(again.Pending).Device, again.Pending[0].Role, again.Pending[0].Mode));
    }

    [Fact]
    public void ACommitRefusedBecauseAnotherWriterCommittedIsPlannedAgainAndSaysSo()
    {
        NftLoadOwned("table ip antrea { comment \"Rules for Antrea\"; }");
        var log = new List<string>();
        int asked = 0;
        var options = new SyncOptions
        {
            Log = log.Add,
            ShouldApply = _ =>
            {
                // Between the read and the commit, another writer changes the ruleset: the stale batch must be refused.
                if (asked++ == 0)
                {
                    Ns.Nft("add", "table", "ip", "elsewhere");
                }

                return true;
            },
        };
        AccelSyncResult result = Synchronizer.Sync(Session, Config([]), options, CancellationToken.None);
        Assert.True(result.Applied);
        Assert.Equal(2, result.Attempts);
        Assert.Contains(log, l => l.Contains("refused the stale transaction", StringComparison.Ordinal));
        Assert.Equal("table ip elsewhere", Ns.Nft("list", "tables").Trim());
    }

    [Fact]
    public void AWriterThatNeverLetsUpIsReportedAsBusyAfterTheAttemptsAndNothingApplies()
    {
        NftLoadOwned("table ip antrea { comment \"Rules for Antrea\"; }");
        int n = 0;
        var options = new SyncOptions { MaxAttempts = 3, ShouldApply = _ => { Ns.Nft("add", "table", "ip", $"busy{n++}"); return true; } };
        string before = Ns.Nft("list", "table", "ip", "antrea");
        HostAccelException failure = Assert.Throws<HostAccelException>(() => Synchronizer.Sync(Session, Config([]), options, CancellationToken.None));
        Assert.Equal((ErrorIds.RulesetChanged, FailureKind.ResourceBusy), (failure.ErrorId, failure.Kind));
        Assert.Contains("3 attempts", failure.Message, StringComparison.Ordinal);
        Assert.Equal(before, Ns.Nft("list", "table", "ip", "antrea"));
    }

    [Fact]
    public void TestReportsDriftOfATableWrittenByNftWithoutTheFlowtable()
    {
        NftLoadOwned("""
            table ip antrea {
                comment "Rules for Antrea"
                set peer-pod-cidr { type ipv4_addr; flags interval; comment "Set for storing IPv4 peer Pods CIDRs"; elements = { 10.10.1.0/24, 10.10.9.0/24 }; }
                set leftover { type ipv4_addr; }
                chain forward { comment "Forward chain for storing rules"; type filter hook forward priority filter; policy accept; }
            }
            """);
        AccelConfigurationTest test = Synchronizer.Test(Session, PodToPod(), force: false);
        Assert.False(test.InDesiredState);
        Assert.Equal(
            [
                "Extra set ip antrea leftover",
                "Different set ip antrea peer-pod-cidr",
                "Missing flowtable ip antrea fastpath",
                "Missing rule ip antrea forward \"Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs\"",
                "Missing rule ip antrea forward \"Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR\"",
            ],
            test.Drift.Select(d => $"{d.Kind} {d.Object}"));
        AccelDrift elements = test.Drift.Single(d => d.Object == "set ip antrea peer-pod-cidr");
        Assert.Equal(["delete element ip antrea peer-pod-cidr { 10.10.9.0/24 }", "add element ip antrea peer-pod-cidr { 10.10.2.0/24 }"], elements.Statements);
    }

    [Fact]
    public void GetReadsTheTrafficTypesFromTheRulesExpressions()
    {
        // Rules in the shapes HostAccel writes, minus `flow add` (no flowtables here): Get must not take them for
        // acceleration rules, because without `flow add` they accelerate nothing.
        const string Ruleset = """
            table ip antrea {
                comment "Rules for Antrea"
                set peer-pod-cidr { type ipv4_addr; flags interval; comment "Set for storing IPv4 peer Pods CIDRs"; elements = { 10.10.1.0/24 }; }
                chain forward { type filter hook forward priority filter; policy accept;
                    iif "antrea-gw0" ip saddr 10.10.0.0/24 oif "eth0" ip daddr @peer-pod-cidr counter
                }
            }
            """;
        NftLoadOwned(Ruleset);

        // The chain and its rule are what a configuration has no words for: the closest configuration (no traffic
        // accelerated) synced back would delete them, so Get refuses, naming them, rather than answer it.
        HostAccelException refused = Assert.Throws<HostAccelException>(() => ConfigurationExport.Read(Session, "antrea", includeForeign: false));
        Assert.Equal(ErrorIds.StateNotExpressible, refused.ErrorId);
        Assert.Contains("chain ip antrea forward (Extra", refused.Message, StringComparison.Ordinal);

        // The same tables written by someone else, read to be adopted: the configuration that accelerates nothing.
        Ns.Nft("delete", "table", "ip", "antrea");
        Ns.NftLoad(Ruleset);
        AccelConfiguration read = ConfigurationExport.Read(Session, "antrea", includeForeign: true);
        Assert.Empty(read.LocalPodCidr);
        Assert.Equal(AccelTraffic.None, read.Traffic);
        Assert.Equal(["10.10.1.0/24"], read.PeerPodCidr);
        Assert.Equal(["Extra chain ip antrea forward"], Synchronizer.Test(Session, read, force: true).Drift.Select(d => $"{d.Kind} {d.Object}"));
    }

    /// <summary>
    /// A forward chain nft wrote without the seed's comment must be replaced, its rules first: the plan deletes them
    /// and the chain, then adds the chain and the desired rules. (This kernel cannot commit it: no
    /// flowtables; the VM applies it.)
    /// </summary>
    [Fact]
    public void AChainThatDiffersIsReplacedTogetherWithItsRules()
    {
        NftLoadOwned("""
            table ip antrea {
                comment "Rules for Antrea"
                set peer-pod-cidr { type ipv4_addr; flags interval; comment "Set for storing IPv4 peer Pods CIDRs"; elements = { 10.10.1.0/24, 10.10.2.0/24 }; }
                chain forward { type filter hook forward priority filter; policy accept; counter; }
            }
            """);
        ulong rule = Session.Nft.ListRules(HostAccel.Native.Nftables.NftFamily.Ip, "antrea", "forward").Single().Handle;
        string before = Json();

        AccelDrift replaced = Assert.Single(Synchronizer.Test(Session, PodToPod(), force: false).Drift, d => d.Object == "chain ip antrea forward");
        Assert.Equal(AccelDriftKind.Different, replaced.Kind);
        Assert.Equal(
            [
                $"delete rule ip antrea forward handle {rule}",
                "delete chain ip antrea forward",
                "add chain ip antrea forward { comment \"Forward chain for storing rules\"; type filter hook forward priority filter; policy accept; }",
            ],
            replaced.Statements.Take(3));
        Assert.Equal(before, Json());
    }

    /// <summary>
    /// Get's answer must sync back to the tables it was read from. A set with a comment of its own cannot be said
    /// in a configuration: synced back, the set would be replaced. Get refuses, naming it, and changes nothing.
    /// </summary>
    [Fact]
    public void GetRefusesTablesThatNoConfigurationDescribesNamingWhatASyncWouldChange()
    {
        NftLoadOwned("""
            table ip antrea {
                comment "Rules for Antrea"
                set peer-pod-cidr { type ipv4_addr; flags interval; comment "written by hand"; elements = { 10.10.1.0/24 }; }
            }
            """);
        string before = Json();
        HostAccelException refused = Assert.Throws<HostAccelException>(() => ConfigurationExport.Read(Session, "antrea", includeForeign: false));
        Assert.Equal((ErrorIds.StateNotExpressible, FailureKind.InvalidOperation), (refused.ErrorId, refused.Kind));
        Assert.Contains("set ip antrea peer-pod-cidr (Different", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, Json());

        Ns.Nft("delete", "table", "ip", "antrea");
        NftLoadOwned("""
            table ip antrea {
                comment "Rules for Antrea"
                set peer-pod-cidr { type ipv4_addr; flags interval; comment "Set for storing IPv4 peer Pods CIDRs"; elements = { 10.10.1.0/24 }; }
            }
            """);
        AccelConfiguration read = ConfigurationExport.Read(Session, "antrea", includeForeign: false);
        Assert.False(Synchronizer.Sync(Session, read, new SyncOptions(), CancellationToken.None).Applied);
    }

    private static string[] V4(int count, int offset = 0) => Enumerable.Range(offset, count).Select(i => $"10.{64 + (i >> 10)}.{(i >> 2) & 255}.{(i & 3) << 6}/26").ToArray();

    private static string[] V6(int count) => Enumerable.Range(0, count).Select(i => HostAccel.Native.Nftables.IpPrefix.Parse($"fd00:{0x5000 + (i >> 16):x}:{i & 0xffff:x}::/48").ToString()).ToArray();

    private List<string> Elements(string family, string set = "peer-pod-cidr")
    {
        System.Text.Json.JsonElement body = Ns.NftJson("list", "set", family, "antrea", set).EnumerateArray().Single(e => e.TryGetProperty("set", out _)).GetProperty("set");
        var elements = body.TryGetProperty("elem", out System.Text.Json.JsonElement list)
            ? list.EnumerateArray().Select(e => e.ValueKind == System.Text.Json.JsonValueKind.String ? e.GetString()! : $"{e.GetProperty("prefix").GetProperty("addr").GetString()}/{e.GetProperty("prefix").GetProperty("len").GetInt32()}").ToList()
            : [];
        elements.Sort(StringComparer.Ordinal);
        return elements;
    }

    private static List<string> Sorted(IEnumerable<string> items) => items.Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void APreparedStateOf5000CidrsPerFamilySyncsExactlyAndOneChangeIsOneAddAndOneDelete()
    {
        string[] v4 = V4(5_000), v6 = V6(5_000);
        AccelConfiguration prepared = Config(new Hashtable { ["Family"] = new[] { "ip", "ip6" }, ["Traffic"] = "None", ["PeerPodCidr"] = v4.Concat(v6).ToArray() });
        AccelSyncResult first = Synchronizer.Sync(Session, prepared, new SyncOptions(), CancellationToken.None);
        Assert.True(first.Applied);
        Assert.Equal(Sorted(v4), Elements("ip"));
        Assert.Equal(Sorted(v6), Elements("ip6"));
        Assert.DoesNotContain("chain", Ns.Nft("list", "ruleset"), StringComparison.Ordinal);

        uint generation = Session.Nft.GetGeneration();
        AccelSyncResult second = Synchronizer.Sync(Session, prepared, new SyncOptions(), CancellationToken.None);
        Assert.False(second.Applied);
        Assert.Empty(second.Changes);
        Assert.Equal(generation, Session.Nft.GetGeneration());

        string[] changedV4 = [.. v4.Skip(1), .. V4(1, 5_000)];
        AccelConfiguration changed = prepared with { PeerPodCidr = [.. changedV4, .. v6] };
        AccelSyncResult one = Synchronizer.Sync(Session, Config(new Hashtable { ["Family"] = new[] { "ip", "ip6" }, ["Traffic"] = "None", ["PeerPodCidr"] = changed.PeerPodCidr.ToArray() }), new SyncOptions(), CancellationToken.None);
        Assert.Equal([$"delete element ip antrea peer-pod-cidr {{ {v4[0]} }}", $"add element ip antrea peer-pod-cidr {{ {V4(1, 5_000)[0]} }}"], one.Changes.SelectMany(c => c.Statements));
        Assert.Equal(Sorted(changedV4), Elements("ip"));

        AccelConfiguration read = ConfigurationExport.Read(Session, "antrea", includeForeign: false);
        Assert.Equal([AccelFamily.Ip, AccelFamily.Ip6], read.Family);
        Assert.Equal(AccelTraffic.None, read.Traffic);
        Assert.Equal(10_000, read.PeerPodCidr.Count);
        Assert.False(Synchronizer.Sync(Session, read, new SyncOptions(), CancellationToken.None).Applied);
    }

    [Fact]
    public void ADormantTableIsDriftAndTheSyncWakesItUp()
    {
        NftLoadOwned("""
            table ip antrea {
                flags dormant
                comment "Rules for Antrea"
                set peer-pod-cidr { type ipv4_addr; flags interval; comment "Set for storing IPv4 peer Pods CIDRs"; elements = { 10.1.0.0/16 }; }
            }
            """);
        AccelConfiguration prepared = Config(new Hashtable { ["Family"] = "ip", ["Traffic"] = "None", ["PeerPodCidr"] = "10.1.0.0/16" });
        AccelDrift dormant = Assert.Single(Synchronizer.Test(Session, prepared, force: false).Drift);
        Assert.Equal((AccelDriftKind.Different, "table ip antrea"), (dormant.Kind, dormant.Object));
        Assert.True(Synchronizer.Sync(Session, prepared, new SyncOptions(), CancellationToken.None).Applied);
        Assert.DoesNotContain("dormant", Ns.Nft("list", "table", "ip", "antrea"), StringComparison.Ordinal);
        Assert.True(Synchronizer.Test(Session, prepared, force: false).InDesiredState);
    }

    [Theory]
    [InlineData("ip")]
    [InlineData("ip6")]
    public void OneHundredThousandCidrsSyncInOneTransactionAndReadBack(string family)
    {
        string[] cidrs = family == "ip" ? V4(100_000) : V6(100_000);
        AccelConfiguration prepared = Config(new Hashtable { ["Family"] = family, ["Traffic"] = "None", ["PeerPodCidr"] = cidrs });
        uint generation = Session.Nft.GetGeneration();
        Assert.True(Synchronizer.Sync(Session, prepared, new SyncOptions(), CancellationToken.None).Applied);
        Assert.Equal(generation + 1, Session.Nft.GetGeneration());
        Assert.Equal(Sorted(cidrs), Elements(family));
        Assert.True(Synchronizer.Test(Session, prepared, force: false).InDesiredState);
    }

    /// <summary>
    /// Two writers, each with its own socket, sync two different prepared states for a bounded time while nft
    /// changes the ruleset under them. Every sync applies or retries; only the library's busy-ruleset error may come
    /// out; the final ruleset is the state of the sync that applied last (the highest planned generation).
    /// </summary>
    [Fact]
    public void TwoWritersRacingLoseNoUpdate()
    {
        AccelConfiguration[] states =
        [
            Config(new Hashtable { ["Family"] = new[] { "ip", "ip6" }, ["Traffic"] = "None", ["PeerPodCidr"] = V4(300).Concat(V6(10)).ToArray() }),
            Config(new Hashtable { ["Family"] = "ip", ["Traffic"] = "None", ["PeerPodCidr"] = V4(200, 1_000) }),
        ];
        var applied = new System.Collections.Concurrent.ConcurrentBag<(uint Generation, int Writer)>();
        var unexpected = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        int retries = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan duration = TimeSpan.FromSeconds(4);
        Thread[] writers = states.Select((state, writer) => new Thread(() =>
        {
            using AccelSession session = AccelSession.Open(Ns.Name);
            while (clock.Elapsed < duration)
            {
                try
                {
                    AccelSyncResult result = Synchronizer.Sync(session, state, new SyncOptions { MaxAttempts = 20 }, CancellationToken.None);
                    Interlocked.Add(ref retries, result.Attempts - 1);
                    if (result.Applied)
                    {
                        applied.Add((result.Generation, writer));
                    }
                }
                catch (HostAccelException ex) when (ex.ErrorId == ErrorIds.RulesetChanged)
                {
                    // Reported as busy after its attempts: allowed, nothing of it applied.
                }
                catch (Exception ex)
                {
                    unexpected.Add(ex);
                }
            }
        })).ToArray();
        var other = new Thread(() =>
        {
            for (int i = 0; clock.Elapsed < duration; i++)
            {
                HostAccel.Native.Tests.Support.Shell.TryRun("ip", "netns", "exec", Ns.Name, "nft", "add", "table", "ip", $"other{i % 50}");
            }
        });
        foreach (Thread t in writers.Append(other))
        {
            t.Start();
        }

        foreach (Thread t in writers.Append(other))
        {
            t.Join();
        }

        Assert.Empty(unexpected);
        Assert.Equal(2, applied.Select(a => a.Writer).Distinct().Count());
        Assert.True(retries > 0, "the writers never had to retry: the race did not happen");
        AccelConfiguration last = states[applied.MaxBy(a => a.Generation).Writer];
        Assert.Equal(Sorted(last.PeerPodCidr.Where(p => !p.Contains(':', StringComparison.Ordinal))), Elements("ip"));
        Assert.Equal(last.Family.Contains(AccelFamily.Ip6), Ns.Nft("list", "tables").Contains("table ip6 antrea", StringComparison.Ordinal));
        Assert.True(Synchronizer.Test(Session, last, force: false).InDesiredState);
    }
}
