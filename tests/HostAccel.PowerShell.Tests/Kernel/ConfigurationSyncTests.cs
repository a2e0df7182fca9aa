using System.Reflection;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// What Sync-, Test- and Get-AccelConfiguration add to the engine paths SyncTests covers: the samples they document,
/// a plan declined by ShouldProcess (-WhatIf, -Confirm answered No), and Get-AccelConfiguration's output piped back.
/// </summary>
public sealed class ConfigurationSyncTests : EngineTest
{
    private static readonly string SampleJson = Path.Combine(
        typeof(ConfigurationSyncTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!,
        "samples", "node.json");

    public ConfigurationSyncTests() => Ns.AddDevice("eth1", "eth1-peer");

    private static AccelConfiguration Sample() => ConfigurationReader.ReadFile(SampleJson);

    [Fact]
    public void TheSampleNodeIsPlannedAsOneTransactionForBothFamilies()
    {
        SyncPlan plan = Synchronizer.Plan(Session, Sample(), force: false);
        IReadOnlyList<string> statements = plan.Statements;
        Assert.Equal(["add table ip antrea { comment \"Rules for Antrea\"; }", "add table ip6 antrea { comment \"Rules for Antrea\"; }"], statements.Take(2));
        Assert.Contains("add element ip6 antrea peer-pod-cidr { fd00:10:244::/64, fd00:10:244:1::/64 }", statements);
        Assert.Contains("add element ip antrea external-ip { 192.0.2.10/32, 192.0.2.11/32 }", statements);
        Assert.Contains("add flowtable ip antrea fastpath { hook ingress priority filter; devices = { antrea-gw0, eth0, eth1 }; counter; }", statements);
        Assert.Contains("add rule ip6 antrea forward ip6 saddr @peer-node-ip ip6 daddr fd00:10:244:2::/64 flow add @fastpath counter packets 0 bytes 0 comment \"Accelerate IPv6 connections: remote Node transport IPs to local Pod CIDR (full path)\"", statements);
        Assert.Equal(30, statements.Count);
        Assert.Equal(12, statements.Count(s => s.StartsWith("add rule ", StringComparison.Ordinal)));
        Assert.Equal([(AccelFamily.Ip, AccelDriftKind.Missing), (AccelFamily.Ip6, AccelDriftKind.Missing)], plan.Drift().Select(d => (d.Family, d.Kind)));
    }

    [Fact]
    public void ADeclinedPlanChangesNothingAndIsStillReported()
    {
        int asked = 0;
        AccelSyncResult result = Synchronizer.Sync(Session, Sample(), new SyncOptions { ShouldApply = _ => ++asked < 0 }, CancellationToken.None);
        Assert.Equal((false, 1, 1), (result.Applied, result.Attempts, asked));
        Assert.Equal(2, result.Changes.Count);
        Assert.Equal(30, result.Changes.Sum(c => c.Statements.Count));
        Assert.Equal(Ns.Name, result.NetworkNamespace);
        Assert.Equal("", Ruleset().Trim());
    }

    [Fact]
    public void AnEmptyKernelReadsBackAsNoAccelerationWhichSyncsBackWithoutAsking()
    {
        AccelConfiguration exported = ConfigurationExport.Read(Session, "antrea", includeForeign: false);
        Assert.Equal((AccelTraffic.None, Ns.Name), (exported.Traffic, exported.NetworkNamespace));
        Assert.Empty(exported.LocalPodCidr);
        Assert.True(Synchronizer.Test(Session, exported, force: false).InDesiredState);
        AccelSyncResult result = Synchronizer.Sync(Session, exported, new SyncOptions { ShouldApply = _ => throw new InvalidOperationException("an empty plan is not offered") }, CancellationToken.None);
        Assert.Equal((false, 1, 0), (result.Applied, result.Attempts, result.Changes.Count));
    }
}
