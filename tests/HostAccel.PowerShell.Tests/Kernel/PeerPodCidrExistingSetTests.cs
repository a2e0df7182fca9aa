using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Planning;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// Prefixes planned for a set that already exists go to that set as the kernel holds it (its handle, its comment or
/// none), not to the set HostAccel would have created: the plan's element changes name it as it is.
/// </summary>
public sealed class PeerPodCidrExistingSetTests : EngineTest
{
    [Fact]
    public void QueuedAdditionsAndRemovalsNameTheExistingSetAsTheKernelHoldsIt()
    {
        NftLoadOwned("""
            table ip antrea {
                set peer-pod-cidr { type ipv4_addr; flags interval; elements = { 10.244.9.0/24 } }
            }
            """);
        NftSet existing = Assert.Single(Session.Nft.ListSets(NftFamily.Ip, "antrea"));
        Assert.Null(existing.Comment);

        var add = new AddPeerPodCidrPlan(Session);
        add.Queue("10.244.1.0/24", null, "antrea", "peer-pod-cidr", null, false);
        var remove = new RemovePeerPodCidrPlan(Session);
        remove.Queue("10.244.9.0/24", null, "antrea", "peer-pod-cidr", false);

        foreach (Plan plan in new[] { add.Plan, remove.Plan })
        {
            ElementsChange elements = Assert.IsType<ElementsChange>(Assert.Single(plan.Changes));
            Assert.Equal(existing, elements.Set);
            Assert.Equal("set ip antrea peer-pod-cidr { type ipv4_addr; flags interval; }", elements.Subject);
        }
    }

    /// <summary>A prefix given twice to one removal is removed once: the second input plans nothing, and the call commits.</summary>
    [Fact]
    public void APrefixRemovedTwiceInOneCallIsPlannedOnceAndCommits()
    {
        NftLoadOwned("""
            table ip antrea {
                set peer-pod-cidr { type ipv4_addr; flags interval; elements = { 10.244.8.0/24, 10.244.9.0/24 } }
            }
            """);
        var plan = new RemovePeerPodCidrPlan(Session);
        PlannedChange<PeerPodCidr> first = plan.Prepare("10.244.9.0/24", null, "antrea", "peer-pod-cidr", false);
        plan.Accept(first);
        PlannedChange<PeerPodCidr> second = plan.Prepare("10.244.9.0/24", null, "antrea", "peer-pod-cidr", false);
        plan.Accept(second);

        Assert.IsType<ElementsChange>(Assert.Single(first.Changes));
        Assert.Empty(second.Changes);
        Assert.Equal(("set ip antrea peer-pod-cidr", "10.244.9.0/24"), (second.Target, second.Result.Cidr));
        Assert.True(plan.Commit(CancellationToken.None));
        Assert.Equal(["10.244.8.0/24"], PeerPodCidrs.Get(Session, null, "antrea", "peer-pod-cidr").Select(c => c.Cidr));
    }
}
