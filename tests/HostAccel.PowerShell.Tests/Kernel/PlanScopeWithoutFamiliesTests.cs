using HostAccel.Native.Nftables;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Planning;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// Disable-Fastpath and Reset-FlowtableCounter without -Family: a family whose table lacks the objects is skipped,
/// but when neither has them the call fails naming the table; a withdrawn target's queued inputs stay withdrawn; and
/// Enable-Fastpath's refusal of a local Pod CIDR outside several asked-for families lists them all.
/// </summary>
public sealed class PlanScopeWithoutFamiliesTests : EngineTest
{
    [Fact]
    public void DisablingWithoutFamiliesWhereNeitherTableHasTheFlowtableOrChainFailsNamingTheTable()
    {
        NftLoadOwned("""
            table ip antrea {
                chain other { type filter hook forward priority 0; }
            }
            """);
        var plan = new DisableFastpathPlan(Session);

        HostAccelException failure = FailsAndChangesNothing(() => plan.Prepare(null, "antrea", "fastpath", "forward", false), ErrorIds.FastpathNotFound, FailureKind.ObjectNotFound);

        Assert.Equal(("acceleration is not enabled in table ip antrea or ip6 antrea", (object)"antrea"), (failure.Message, failure.TargetObject));
    }

    [Fact]
    public void DisablingWithoutFamiliesDeletesTheChainOfTheOneTableThatHasIt()
    {
        NftLoadOwned("""
            table ip antrea { }
            table ip6 antrea {
                chain forward { type filter hook forward priority 0; policy accept; ip6 saddr fd00::/8 counter; }
            }
            """);

        PlannedChange<Fastpath> change = Assert.Single(new DisableFastpathPlan(Session).Prepare(null, "antrea", "fastpath", "forward", false));

        Assert.Equal("table ip6 antrea", change.Target);
        Assert.Equal([(typeof(RuleChange), ChangeAction.Delete), (typeof(ChainChange), ChangeAction.Delete)], change.Changes.Select(c => (c.GetType(), c.Action)));
    }

    [Fact]
    public void ResettingWithoutFamiliesWhereNeitherTableHasTheChainFailsNamingTheTable()
    {
        NftLoadOwned("""
            table ip antrea {
                chain other { ip saddr 10.0.0.0/8 counter; }
            }
            """);
        var plan = new ResetCountersPlan(Session);

        HostAccelException failure = FailsAndChangesNothing(() => plan.Prepare(null, "antrea", "forward", false), ErrorIds.FastpathNotFound, FailureKind.ObjectNotFound);

        Assert.Equal(("neither table ip antrea nor ip6 antrea has a chain forward", (object)"antrea"), (failure.Message, failure.TargetObject));
    }

    [Fact]
    public void ResettingWithoutFamiliesPlansTheChainOfTheOneTableThatHasIt()
    {
        NftLoadOwned("""
            table ip antrea {
                chain forward { ip saddr 10.0.0.0/8 counter; ip saddr 10.1.0.0/16; }
            }
            table ip6 antrea { }
            """);

        PlannedChange<FlowtableCounter> change = Assert.Single(new ResetCountersPlan(Session).Prepare(null, "antrea", "forward", false));

        Assert.Equal("chain ip antrea forward", change.Target);
        Assert.Equal(new CounterResetChange(NftFamily.Ip, "antrea", "forward"), Assert.Single(change.Changes) with { Subject = null });
    }

    /// <summary>Inputs queued for a set and then withdrawn (-WhatIf) are gathered first, so they are withdrawn too: the plan is empty.</summary>
    [Fact]
    public void QueuedPrefixesOfAWithdrawnSetAreNotPlanned()
    {
        NftLoadOwned("""
            table ip antrea {
                set peer-pod-cidr { type ipv4_addr; flags interval; }
            }
            """);
        string before = Ruleset();
        var plan = new AddPeerPodCidrPlan(Session);
        plan.Queue("10.244.1.0/24", null, "antrea", "peer-pod-cidr", null, false);
        plan.Queue("10.244.2.0/24", null, "antrea", "peer-pod-cidr", null, false);

        plan.Withdraw("set ip antrea peer-pod-cidr");

        Assert.Empty(plan.ByTarget);
        Assert.True(plan.Plan.IsEmpty);
        Assert.Empty(plan.Accepted);
        Assert.False(plan.Commit(CancellationToken.None));
        Assert.Equal(before, Ruleset());
    }

    [Theory]
    [InlineData("10.244.2.0/24", new[] { AccelFamily.Ip6, AccelFamily.Inet }, "10.244.2.0/24 is an IPv4 prefix, but only ip6, inet was asked for")]
    [InlineData("fd00:10:244:2::/64", new[] { AccelFamily.Ip, AccelFamily.Inet }, "fd00:10:244:2::/64 is an IPv6 prefix, but only ip, inet was asked for")]
    public void ALocalPodCidrOutsideSeveralFamiliesAskedForIsRefusedListingThemAll(string cidr, AccelFamily[] families, string message)
    {
        var request = new EnableFastpathRequest { LocalPodCidr = [cidr], TransportInterface = "eth0", Family = families };

        HostAccelException failure = FailsAndChangesNothing(() => new EnableFastpathPlan(Session).Prepare(request), ErrorIds.WrongFamily, FailureKind.InvalidArgument);

        Assert.Equal((message, (object)cidr), (failure.Message, failure.TargetObject));
    }
}
