using HostAccel.Native.Interop;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Planning;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// What the peer Pod CIDR plans remember within one call: the overlaps among a call's own prefixes (each refused
/// input named once), that the flowtables a set feeds are replaced once per call, and that a removal planned again as a
/// range split keeps the call's other changes.
/// </summary>
public sealed class PeerPodCidrPlanBookkeepingTests : EngineTest
{
    private const string Owned = """
        table ip antrea {
            set peer-pod-cidr { type ipv4_addr; flags interval; elements = { 10.244.0.0/24 }; }
        }
        """;

    /// <summary>
    /// A /16 given after a /25 inside it is refused naming the /25; a /24 given later, inside the /16 but not the /25,
    /// overlaps nothing that stays, so it is not refused too.
    /// </summary>
    [Fact]
    public void AnOuterPrefixGivenLaterIsRefusedOnceAndPrefixesInsideItThatFollowAreNot()
    {
        NftLoadOwned(Owned);
        var plan = new AddPeerPodCidrPlan(Session);
        plan.Queue("10.245.1.0/25", null, "antrea", "peer-pod-cidr", null, false);
        plan.Queue("10.245.0.0/16", null, "antrea", "peer-pod-cidr", null, false);
        plan.Queue("10.245.2.0/24", null, "antrea", "peer-pod-cidr", null, false);

        HostAccelException conflict = Assert.Single(plan.Conflicts());

        Assert.Equal((ErrorIds.OverlappingCidr, FailureKind.ResourceExists, (object?)"10.245.0.0/16"), (conflict.ErrorId, conflict.Kind, conflict.TargetObject));
        Assert.Equal("10.245.0.0/16 overlaps 10.245.1.0/25, which set ip antrea peer-pod-cidr already holds (added earlier in this call)", conflict.Message);
        Assert.Same(conflict, FailsAndChangesNothing(() => plan.Commit(CancellationToken.None), ErrorIds.OverlappingCidr, FailureKind.ResourceExists));
    }

    /// <summary>
    /// Once an accepted change of the call replaces the flowtables a set feeds (what a removal plans where the kernel
    /// has flowtables), later removals from that set neither read nor replace them again: nothing is read from the
    /// kernel for them, so a socket that fails every read does not stop them.
    /// </summary>
    [Fact]
    public void RemovalsFromASetWhoseFlowtablesAreReplacedAlreadyInTheCallDoNotReplaceThemAgain()
    {
        NftLoadOwned(Owned);
        var remove = new RemovePeerPodCidrPlan(Session);
        PlannedChange<PeerPodCidr> first = remove.Prepare("10.244.0.0/24", null, "antrea", "peer-pod-cidr", false);
        var fastpath = new NftFlowtable(NftFamily.Ip, "antrea", "fastpath") { Handle = 4 };
        remove.Accept(new PlannedChange<PeerPodCidr>(first.Target, first.Action, first.Result, [.. first.Changes, .. FlowEviction.Replace(fastpath, [], first.Target)]));

        Session.Nft.Socket.OnReceive = _ => throw new Native.SystemCallException("recv", Errno.EIO);
        Plan plan;
        PlannedChange<PeerPodCidr> second;
        try
        {
            second = remove.Prepare("10.244.7.0/24", null, "antrea", "peer-pod-cidr", false);
            remove.Queue("10.244.8.0/24", null, "antrea", "peer-pod-cidr", false);
            plan = remove.Plan;
        }
        finally
        {
            Session.Nft.Socket.OnReceive = null;
        }

        Assert.Equal(["delete element ip antrea peer-pod-cidr { 10.244.7.0/24 }"], second.Statements);
        Assert.Equal(
        [
            "delete element ip antrea peer-pod-cidr { 10.244.0.0/24 }",
            "delete flowtable ip antrea fastpath",
            $"add {fastpath with { Handle = 0 }}",
            "delete element ip antrea peer-pod-cidr { 10.244.8.0/24 }",
        ], plan.Statements());
    }

    /// <summary>A removal the kernel refused, planned again as a range split: the call's other changes go along unchanged.</summary>
    [Fact]
    public void ARangeSplitKeepsTheCallsOtherChanges()
    {
        NftLoadOwned(Owned);
        Ns.Nft("add", "element", "ip", "antrea", "peer-pod-cidr", "{ 10.20.0.3-10.20.0.9 }");
        var remove = new RemovePeerPodCidrPlan(Session);
        PlannedChange<PeerPodCidr> other = remove.Prepare("10.244.0.0/24", null, "antrea", "peer-pod-cidr", false);
        NftChain extra = Design.ForwardChain(NftFamily.Ip, "antrea", "extra");
        remove.Accept(new PlannedChange<PeerPodCidr>(other.Target, other.Action, other.Result, [new ChainChange(ChangeAction.Add, extra) { Subject = other.Target }]));
        remove.Queue("10.20.0.4/30", null, "antrea", "peer-pod-cidr", false);

        Assert.True(remove.Commit(CancellationToken.None));

        string ruleset = Fold(Ruleset());
        Assert.Contains("chain extra {", ruleset, StringComparison.Ordinal);
        Assert.Contains("elements = { 10.20.0.3, 10.20.0.8/31, 10.244.0.0/24 }", ruleset, StringComparison.Ordinal);
    }
}
