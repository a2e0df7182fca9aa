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
            plan.Transaction.Statements);
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
        Ns.NftLoad("""
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
        Assert.NotEmpty(Synchronizer.Plan(Session, PodToPod(), force: true).Transaction.Statements);

        // Not desired and not HostAccel's: left alone.
        Assert.Empty(Synchronizer.Plan(Session, Config([]), force: false).Transaction.Statements);
    }

    [Fact]
    public void AnUnknownGatewayIsAnErrorNamingItBeforeAnythingIsRead()
    {
        Hashtable settings = new() { ["GatewayInterface"] = "nosuchdev0", ["TransportInterface"] = "eth0", ["LocalPodCidr"] = "10.10.0.0/24" };
        HostAccelException failure = FailsAndChangesNothing(() => Synchronizer.Plan(Session, Config(settings), force: false), ErrorIds.UnknownInterface, FailureKind.ObjectNotFound);
        Assert.Equal("nosuchdev0", failure.TargetObject);
    }

    [Fact]
    public void ACommitRefusedBecauseAnotherWriterCommittedIsPlannedAgainAndSaysSo()
    {
        Ns.NftLoad("table ip antrea { comment \"Rules for Antrea\"; }");
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
        Ns.NftLoad("table ip antrea { comment \"Rules for Antrea\"; }");
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
        Ns.NftLoad("""
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
        Ns.NftLoad("""
            table ip antrea {
                comment "Rules for Antrea"
                set peer-pod-cidr { type ipv4_addr; flags interval; elements = { 10.10.1.0/24 }; }
                chain forward { type filter hook forward priority filter; policy accept;
                    iif "antrea-gw0" ip saddr 10.10.0.0/24 oif "eth0" ip daddr @peer-pod-cidr counter
                }
            }
            """);
        AccelConfiguration read = ConfigurationExport.Read(Session, "antrea", includeForeign: false);
        Assert.Empty(read.LocalPodCidr);
        Assert.Equal(AccelTraffic.None, read.Traffic);
    }
}
