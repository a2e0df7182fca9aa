using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// Enable-, Disable- and Get-Fastpath's engine paths. This host's kernel has no flowtable support, so enabling is
/// asserted to fail with that error and leave nothing behind; the flowtable success path runs in tests/vm.
/// </summary>
public sealed class FastpathTests : EngineTest
{
    /// <summary>Seed 000's IPv4 table as Enable-Fastpath would leave it, less what needs flowtable support.</summary>
    private const string SeedWithoutFlowtable = """
        table ip antrea {
            comment "Rules for Antrea"
            set peer-pod-cidr { type ipv4_addr; flags interval; comment "Set for storing IPv4 peer Pods CIDRs"; elements = { 10.244.0.0/24, 10.244.1.0/24 }; }
            chain forward {
                comment "Forward chain for storing rules"
                type filter hook forward priority filter; policy accept;
                iif "antrea-gw0" ip saddr 10.244.2.0/24 oif "eth0" ip daddr @peer-pod-cidr counter packets 0 bytes 0 comment "Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs"
                iif "eth0" ip saddr @peer-pod-cidr oif "antrea-gw0" ip daddr 10.244.2.0/24 counter packets 0 bytes 0 comment "Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR"
            }
        }
        """;

    private static EnableFastpathRequest Request(params string[] local) => new() { TransportInterface = "eth0", LocalPodCidr = local };

    [Fact]
    public void EnablePlansSeed000InOneTransactionWithDeviceNamesInTheStatements()
    {
        IReadOnlyList<PlannedChange<Fastpath>> changes = new EnableFastpathPlan(Session).Prepare(Request("10.244.2.0/24", "fd00:10:244:2::/64"));
        Assert.Equal(["table ip antrea", "table ip6 antrea"], changes.Select(c => c.Target));
        Assert.Equal(
            [
                "add table ip antrea { comment \"Rules for Antrea\"; }",
                "add set ip antrea peer-pod-cidr { type ipv4_addr; flags interval; comment \"Set for storing IPv4 peer Pods CIDRs\"; }",
                "add flowtable ip antrea fastpath { hook ingress priority filter; devices = { antrea-gw0, eth0 }; }",
                "add chain ip antrea forward { comment \"Forward chain for storing rules\"; type filter hook forward priority filter; policy accept; }",
                "add rule ip antrea forward iif \"antrea-gw0\" ip saddr 10.244.2.0/24 oif \"eth0\" ip daddr @peer-pod-cidr flow add @fastpath counter packets 0 bytes 0 comment \"Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs\"",
                "add rule ip antrea forward iif \"eth0\" ip saddr @peer-pod-cidr oif \"antrea-gw0\" ip daddr 10.244.2.0/24 flow add @fastpath counter packets 0 bytes 0 comment \"Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR\"",
            ],
            changes[0].Statements);
        Assert.Contains("add rule ip6 antrea forward iif \"antrea-gw0\" ip6 saddr fd00:10:244:2::/64 oif \"eth0\" ip6 daddr @peer-pod-cidr flow add @fastpath counter packets 0 bytes 0 comment \"Accelerate IPv6 connections: local Pod CIDR to remote Pod CIDRs\"",
            changes[1].Statements);
        Fastpath planned = changes[0].Result;
        Assert.Equal((AccelFamily.Ip, "antrea", "fastpath", "forward", true), (planned.Family, planned.TableName, planned.FlowtableName, planned.ChainName, planned.Enabled));
        Assert.Equal(["antrea-gw0", "eth0"], planned.Devices);
        Assert.Equal("flowtable ip antrea fastpath { hook ingress priority filter; devices = { antrea-gw0, eth0 }; }", planned.ToString());
    }

    [Fact]
    public void EnableOnAKernelWithoutFlowtablesFailsWithThatErrorAndChangesNothing()
    {
        var plan = new EnableFastpathPlan(Session);
        foreach (PlannedChange<Fastpath> change in plan.Prepare(Request("10.244.2.0/24", "fd00:10:244:2::/64")))
        {
            plan.Accept(change);
        }

        HostAccelException failure = FailsAndChangesNothing(() => plan.Commit(CancellationToken.None), ErrorIds.FlowtableNotSupported, FailureKind.NotImplemented);
        Assert.Contains("CONFIG_NF_FLOW_TABLE", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Test-HostAccelSupport", failure.Message, StringComparison.Ordinal);
        Assert.Equal("", Ruleset().Trim());
    }

    [Fact]
    public void HardwareOffloadAndCounterBecomeFlowtableFlags()
    {
        PlannedChange<Fastpath> change = Assert.Single(new EnableFastpathPlan(Session).Prepare(new EnableFastpathRequest
        {
            TransportInterface = "eth0",
            LocalPodCidr = ["10.244.2.0/24"],
            HardwareOffload = true,
            Counter = true,
            Priority = -10,
        }));
        Assert.Contains("add flowtable ip antrea fastpath { hook ingress priority filter - 10; devices = { antrea-gw0, eth0 }; flags offload; counter; }", change.Statements);
        Assert.True(change.Result.HardwareOffload && change.Result.Counter);
    }

    [Fact]
    public void AnUnknownInterfaceIsObjectNotFoundNamingIt()
    {
        HostAccelException failure = FailsAndChangesNothing(
            () => new EnableFastpathPlan(Session).Prepare(new EnableFastpathRequest { TransportInterface = "eth9", LocalPodCidr = ["10.244.2.0/24"] }),
            ErrorIds.UnknownInterface, FailureKind.ObjectNotFound);
        Assert.Equal("eth9", failure.TargetObject);
        Assert.Contains(Ns.Name, failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.244.2.1/24", "HostBitsSet")]
    [InlineData("10.244.2/24", "InvalidCidr")]
    public void ABadLocalPodCidrIsInvalidArgument(string cidr, string errorId)
    {
        HostAccelException failure = FailsAndChangesNothing(() => new EnableFastpathPlan(Session).Prepare(Request(cidr)), errorId, FailureKind.InvalidArgument);
        Assert.Equal(cidr, failure.TargetObject);
    }

    [Fact]
    public void ALocalPodCidrOutsideTheFamiliesAskedForIsWrongFamily()
    {
        FailsAndChangesNothing(
            () => new EnableFastpathPlan(Session).Prepare(new EnableFastpathRequest { TransportInterface = "eth0", LocalPodCidr = ["10.244.2.0/24"], Family = [AccelFamily.Ip6] }),
            ErrorIds.WrongFamily, FailureKind.InvalidArgument);
        FailsAndChangesNothing(() => new EnableFastpathPlan(Session).Prepare(Request("10.244.2.0/24", "10.244.3.0/24")), ErrorIds.InvalidArgument, FailureKind.InvalidArgument);
    }

    [Fact]
    public void EnablingInATableHostAccelDidNotCreateNeedsForce()
    {
        Ns.NftLoad("table ip antrea { comment \"someone else's\"; }");
        FailsAndChangesNothing(() => new EnableFastpathPlan(Session).Prepare(Request("10.244.2.0/24")), ErrorIds.TableNotOwned, FailureKind.InvalidOperation);
        PlannedChange<Fastpath> forced = Assert.Single(new EnableFastpathPlan(Session).Prepare(new EnableFastpathRequest { TransportInterface = "eth0", LocalPodCidr = ["10.244.2.0/24"], Force = true }));
        Assert.DoesNotContain(forced.Statements, s => s.StartsWith("add table", StringComparison.Ordinal));
    }

    [Fact]
    public void AChainWithOtherRulesIsAConflictUnlessForced()
    {
        NftLoadOwned(SeedWithoutFlowtable);
        HostAccelException failure = FailsAndChangesNothing(() => new EnableFastpathPlan(Session).Prepare(Request("10.244.2.0/24")), ErrorIds.FastpathConflict, FailureKind.ResourceExists);
        Assert.Contains("Disable-Fastpath", failure.Message, StringComparison.Ordinal);

        PlannedChange<Fastpath> forced = Assert.Single(new EnableFastpathPlan(Session).Prepare(new EnableFastpathRequest { TransportInterface = "eth0", LocalPodCidr = ["10.244.2.0/24"], Force = true }));
        Assert.Equal(2, forced.Statements.Count(s => s.StartsWith("delete rule ip antrea forward handle", StringComparison.Ordinal)));
        Assert.Equal(2, forced.Statements.Count(s => s.StartsWith("add rule", StringComparison.Ordinal)));
        Assert.DoesNotContain(forced.Statements, s => s.StartsWith("add set", StringComparison.Ordinal) || s.StartsWith("add chain", StringComparison.Ordinal));
    }

    [Fact]
    public void GetShowsTheChainAndItsRulesAndThatNoFlowtableIsThere()
    {
        NftLoadOwned(SeedWithoutFlowtable);
        Fastpath fastpath = Assert.Single(Fastpaths.Get(Session, null, "antrea", "fastpath", "forward"));
        Assert.False(fastpath.FlowtablePresent);
        Assert.False(fastpath.Enabled);
        Assert.Equal(
            [
                "iif \"antrea-gw0\" ip saddr 10.244.2.0/24 oif \"eth0\" ip daddr @peer-pod-cidr counter packets 0 bytes 0 comment \"Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs\"",
                "iif \"eth0\" ip saddr @peer-pod-cidr oif \"antrea-gw0\" ip daddr 10.244.2.0/24 counter packets 0 bytes 0 comment \"Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR\"",
            ],
            fastpath.Rules);
        Assert.Equal("chain ip antrea forward (2 rules, no flowtable fastpath)", fastpath.ToString());
        Assert.Empty(Fastpaths.Get(Session, null, "other", "fastpath", "forward"));
        FailsAndChangesNothing(() => Fastpaths.Get(Session, [AccelFamily.Ip6], "antrea", "fastpath", "forward"), ErrorIds.TableNotFound, FailureKind.ObjectNotFound);
    }

    [Fact]
    public void DisableRemovesTheRulesAndChainAndKeepsTheTableAndPeerSet()
    {
        NftLoadOwned(SeedWithoutFlowtable);
        var plan = new DisableFastpathPlan(Session);
        PlannedChange<Fastpath> change = Assert.Single(plan.Prepare(null, "antrea", "fastpath", "forward", force: false));
        Assert.Equal(3, change.Statements.Count);
        Assert.Equal("delete chain ip antrea forward", change.Statements[^1]);
        plan.Accept(change);
        plan.Commit(CancellationToken.None);

        string table = Fold(Ns.Nft("list", "table", "ip", "antrea"));
        Assert.DoesNotContain("chain forward", table, StringComparison.Ordinal);
        Assert.Contains("elements = { 10.244.0.0/24, 10.244.1.0/24 }", table, StringComparison.Ordinal);
        Assert.Empty(Fastpaths.Get(Session, null, "antrea", "fastpath", "forward"));
    }

    [Fact]
    public void DisableWhereNothingIsEnabledIsObjectNotFound()
    {
        NftLoadOwned("table ip antrea { comment \"Rules for Antrea\"; }");
        FailsAndChangesNothing(() => new DisableFastpathPlan(Session).Prepare(null, "antrea", "fastpath", "forward", false), ErrorIds.FastpathNotFound, FailureKind.ObjectNotFound);
        FailsAndChangesNothing(() => new DisableFastpathPlan(Session).Prepare([AccelFamily.Ip], "antrea", "fastpath", "forward", false), ErrorIds.FastpathNotFound, FailureKind.ObjectNotFound);
        FailsAndChangesNothing(() => new DisableFastpathPlan(Session).Prepare([AccelFamily.Ip6], "antrea", "fastpath", "forward", false), ErrorIds.TableNotFound, FailureKind.ObjectNotFound);
    }

    [Fact]
    public void DisablingInATableHostAccelDidNotCreateNeedsForce()
    {
        Ns.NftLoad(SeedWithoutFlowtable.Replace("comment \"Rules for Antrea\"", "comment \"mine\"", StringComparison.Ordinal));
        FailsAndChangesNothing(() => new DisableFastpathPlan(Session).Prepare(null, "antrea", "fastpath", "forward", false), ErrorIds.TableNotOwned, FailureKind.InvalidOperation);
        Assert.Single(new DisableFastpathPlan(Session).Prepare(null, "antrea", "fastpath", "forward", force: true));
    }
}
