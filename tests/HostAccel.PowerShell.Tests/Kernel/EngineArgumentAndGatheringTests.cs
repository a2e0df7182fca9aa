using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Planning;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// The engine's entry points refuse a missing argument by its name; a plan's conflicts are found again when inputs
/// arrive after they were asked for, and queued inputs are accepted when the accepted ones are read first.
/// </summary>
public sealed class EngineArgumentAndGatheringTests : EngineTest
{
    [Fact]
    public void EntryPointsRefuseANullArgumentByName()
    {
        NftLoadOwned("""
            table ip antrea {
                chain forward { ip saddr 10.0.0.0/8 counter; }
            }
            """);
        NftRule rule = Assert.Single(Session.Nft.ListRules(NftFamily.Ip, "antrea", "forward"));
        var plan = new Plan(1, []);

        Assert.Equal("session", Assert.Throws<ArgumentNullException>(() => Counters.Get(null!, null, "antrea", "forward")).ParamName);
        Assert.Equal("session", Assert.Throws<ArgumentNullException>(() => Counters.ResetWarning(null!)).ParamName);
        Assert.Equal("session", Assert.Throws<ArgumentNullException>(() => Fastpaths.Get(null!, null, "antrea", "fastpath", "forward")).ParamName);
        Assert.Equal("session", Assert.Throws<ArgumentNullException>(() => Flows.Get(null!, null, true)).ParamName);
        Assert.Equal("session", Assert.Throws<ArgumentNullException>(() => PlanCommit.Apply(null!, plan, CancellationToken.None)).ParamName);
        Assert.Equal("plan", Assert.Throws<ArgumentNullException>(() => PlanCommit.Apply(Session, null!, CancellationToken.None)).ParamName);
        Assert.Equal("session", Assert.Throws<ArgumentNullException>(() => new AddressMatch(null!, rule)).ParamName);
        Assert.Equal("rule", Assert.Throws<ArgumentNullException>(() => new AddressMatch(Session, null!)).ParamName);
        Assert.Equal("flow", Assert.Throws<ArgumentNullException>(() => new AddressMatch(Session, rule).Matches(null!)).ParamName);
        Assert.Equal("change", Assert.Throws<ArgumentNullException>(() => Tables.PlanNew(Session).Accept(null!)).ParamName);
    }

    [Fact]
    public void AnOverlapQueuedAfterTheConflictsWereAskedForIsFound()
    {
        NftLoadOwned("""
            table ip antrea {
                set peer-pod-cidr { type ipv4_addr; flags interval; }
            }
            """);
        var plan = new AddPeerPodCidrPlan(Session);
        plan.Queue("10.244.0.0/24", null, "antrea", "peer-pod-cidr", null, false);
        Assert.Empty(plan.Conflicts());

        plan.Queue("10.244.0.0/25", null, "antrea", "peer-pod-cidr", null, false);

        HostAccelException conflict = Assert.Single(plan.Conflicts());
        Assert.Equal("10.244.0.0/25", conflict.TargetObject);
        Assert.Equal(["10.244.0.0/24", "10.244.0.0/25"], plan.Accepted.Select(c => c.Cidr));
    }

    [Fact]
    public void QueuedPrefixesAreAcceptedWhenTheAcceptedAreReadFirst()
    {
        NftLoadOwned("""
            table ip antrea {
                set peer-pod-cidr { type ipv4_addr; flags interval; }
            }
            """);
        var plan = new AddPeerPodCidrPlan(Session);
        plan.Queue("10.244.0.0/24", null, "antrea", "peer-pod-cidr", null, false);
        plan.Queue("10.244.1.0/24", null, "antrea", "peer-pod-cidr", null, false);

        Assert.Equal(["10.244.0.0/24", "10.244.1.0/24"], plan.Accepted.Select(c => c.Cidr));
    }

    /// <summary>
    /// The queued inputs are counted (gathered at commit) among those held back, each one: several queued prefixes of
    /// one set are one change but as many inputs.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void ACommitWithARejectedInputCountsEveryQueuedInput(int queued)
    {
        NftLoadOwned("""
            table ip antrea {
                set peer-pod-cidr { type ipv4_addr; flags interval; }
            }
            """);
        string before = Ruleset();
        var plan = new AddPeerPodCidrPlan(Session);
        for (int i = 0; i < queued; i++)
        {
            plan.Queue($"10.244.{i}.0/24", null, "antrea", "peer-pod-cidr", null, false);
        }

        plan.Reject();

        HostAccelException failure = Assert.Throws<HostAccelException>(() => plan.Commit(CancellationToken.None));
        Assert.Equal((ErrorIds.NothingApplied, FailureKind.InvalidOperation), (failure.ErrorId, failure.Kind));
        Assert.Equal($"nothing was applied: 1 of {queued + 1} inputs were rejected, and the changes are all or nothing", failure.Message);
        Assert.Equal(before, Ruleset());
    }
}
