using HostAccel.Native.Nftables;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Planning;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// Add-PeerPodCidr's plan as data: a missing set is created once per call (by the first input, whether prepared or
/// queued), an existing one never; each change names its set or input; the inputs of one gathering are not carried into
/// the next; a call's own overlaps name the later input as typed; and the exact words of what it refuses.
/// </summary>
public sealed class PeerPodCidrPlanContentTests : EngineTest
{
    /// <summary>ip antrea holds the set; ip6 antrea is HostAccel's but has no set yet.</summary>
    private const string IpSetOnly = """
        table ip antrea {
            set peer-pod-cidr { type ipv4_addr; flags interval; }
        }
        table ip6 antrea {
        }
        """;

    [Fact]
    public void QueuedPrefixesCreateAMissingSetOnceAndNeverAnExistingOne()
    {
        NftLoadOwned(IpSetOnly);
        var plan = new AddPeerPodCidrPlan(Session);
        plan.Queue("10.244.1.0/24", null, "antrea", "peer-pod-cidr", null, false);
        plan.Queue("fd00:10:244:1::/64", null, "antrea", "peer-pod-cidr", null, false);
        plan.Queue("10.244.2.0/24", null, "antrea", "peer-pod-cidr", null, false);

        IReadOnlyList<IGrouping<string, PlannedChange<PeerPodCidr>>> first = plan.ByTarget;

        Assert.Equal(["set ip antrea peer-pod-cidr", "set ip6 antrea peer-pod-cidr"], first.Select(g => g.Key));
        ElementsChange ip = Assert.IsType<ElementsChange>(Assert.Single(Assert.Single(first[0]).Changes));
        Assert.Equal(["10.244.1.0/24", "10.244.2.0/24"], ip.Subjects);
        PlannedChange<PeerPodCidr> ip6 = Assert.Single(first[1]);
        Assert.Equal([typeof(SetChange), typeof(ElementsChange)], ip6.Changes.Select(c => c.GetType()));
        Assert.Equal(["set ip6 antrea peer-pod-cidr", "set ip6 antrea peer-pod-cidr"], ip6.Changes.Select(c => c.Subject));

        // A later input of the call, gathered on its own: the set is already planned, the earlier inputs are not repeated.
        plan.Queue("fd00:10:244:2::/64", null, "antrea", "peer-pod-cidr", null, false);
        PlannedChange<PeerPodCidr> later = plan.ByTarget[1].Last();
        ElementsChange added = Assert.IsType<ElementsChange>(Assert.Single(later.Changes));
        Assert.Equal(["fd00:10:244:2::/64"], added.Subjects);
        Assert.Equal(["fd00:10:244:2::/64"], added.Prefixes.Select(p => p.ToString()));

        Assert.True(plan.Commit(CancellationToken.None));
        Assert.Equal(["10.244.1.0/24", "10.244.2.0/24", "fd00:10:244:1::/64", "fd00:10:244:2::/64"],
            PeerPodCidrs.Get(Session, null, "antrea", "peer-pod-cidr").Select(c => c.Cidr));
    }

    [Fact]
    public void APreparedPrefixCreatesAMissingSetNamingTheSetAndItsElementNamingTheInput()
    {
        NftLoadOwned(IpSetOnly);
        var plan = new AddPeerPodCidrPlan(Session);

        PlannedChange<PeerPodCidr> first = plan.Prepare("fd00:10:244:1::/64", null, "antrea", "peer-pod-cidr", null, false);
        plan.Accept(first);
        PlannedChange<PeerPodCidr> second = plan.Prepare("fd00:10:244:2::/64", null, "antrea", "peer-pod-cidr", null, false);

        Assert.Equal(("set ip6 antrea peer-pod-cidr", "Add peer Pod CIDR"), (first.Target, first.Action));
        Assert.Equal([(typeof(SetChange), (object?)"set ip6 antrea peer-pod-cidr"), (typeof(ElementsChange), "fd00:10:244:1::/64")],
            first.Changes.Select(c => (c.GetType(), c.Subject)));
        Assert.Equal([(typeof(ElementsChange), (object?)"fd00:10:244:2::/64")], second.Changes.Select(c => (c.GetType(), c.Subject)));
    }

    public static TheoryData<string[], string[]> Overlaps() => new()
    {
        // The outer prefix first: each prefix inside it that follows is refused, naming it.
        {
            ["10.244.0.0/24", "10.244.0.64/26", "10.244.0.128/26"],
            ["10.244.0.64/26 overlaps 10.244.0.0/24", "10.244.0.128/26 overlaps 10.244.0.0/24"]
        },

        // The last address of the outer prefix overlaps it.
        { ["10.244.0.0/24", "10.244.0.255/32"], ["10.244.0.255/32 overlaps 10.244.0.0/24"] },

        // The inner prefix first: the outer one, later, is the one refused.
        { ["10.244.0.128/25", "10.244.0.0/24"], ["10.244.0.0/24 overlaps 10.244.0.128/25"] },
    };

    [Theory]
    [MemberData(nameof(Overlaps))]
    public void TheLaterOfTwoOverlappingInputsIsRefusedNamingTheEarlier(string[] inputs, string[] refused)
    {
        NftLoadOwned(IpSetOnly);
        var plan = new AddPeerPodCidrPlan(Session);
        foreach (string input in inputs)
        {
            plan.Accept(plan.Prepare(input, null, "antrea", "peer-pod-cidr", null, false));
        }

        IReadOnlyList<HostAccelException> conflicts = plan.Conflicts();

        Assert.Equal(refused.Select(r => r + ", which set ip antrea peer-pod-cidr already holds (added earlier in this call)"), conflicts.Select(c => c.Message));
        Assert.All(conflicts, c => Assert.Equal((ErrorIds.OverlappingCidr, FailureKind.ResourceExists), (c.ErrorId, c.Kind)));
        Assert.Equal(refused.Select(r => r.Split(' ')[0]), conflicts.Select(c => (string)c.TargetObject!));
    }

    [Fact]
    public void AnOverlapIsReportedAgainstTheInputAsItWasTyped()
    {
        NftLoadOwned(IpSetOnly);
        var plan = new AddPeerPodCidrPlan(Session);
        plan.Accept(plan.Prepare("fd00:10:244::/48", null, "antrea", "peer-pod-cidr", null, false));
        plan.Accept(plan.Prepare("FD00:10:244:1::/64", null, "antrea", "peer-pod-cidr", null, false));

        HostAccelException conflict = Assert.Single(plan.Conflicts());
        Assert.Equal("FD00:10:244:1::/64", conflict.TargetObject);
        Assert.StartsWith("fd00:10:244:1::/64 overlaps fd00:10:244::/48, which set ip6 antrea", conflict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void APrefixTheKernelRefusesAsOverlappingAHeldOneIsExplainedWithTheHeldPrefixAndItsSet()
    {
        NftLoadOwned("""
            table ip antrea {
                set peer-pod-cidr { type ipv4_addr; flags interval; elements = { 10.244.0.0/24 }; }
            }
            """);
        string before = Ruleset();
        var plan = new AddPeerPodCidrPlan(Session);
        plan.Accept(plan.Prepare("10.244.0.0/25", [AccelFamily.Ip], "antrea", "peer-pod-cidr", null, false));

        HostAccelException failure = Assert.Throws<HostAccelException>(() => plan.Commit(CancellationToken.None));

        Assert.Equal((ErrorIds.OverlappingCidr, FailureKind.ResourceExists, (object)"10.244.0.0/25"), (failure.ErrorId, failure.Kind, failure.TargetObject));
        Assert.Equal("10.244.0.0/25 overlaps 10.244.0.0/24, which set ip antrea peer-pod-cidr already holds; nothing was applied", failure.Message);
        Assert.Equal(before, Ruleset());
    }

    [Fact]
    public void TheWholeAddressSpaceAsAPeerPodCidrIsRefusedInTheWordsOfAPeerPodCidr()
    {
        NftLoadOwned(IpSetOnly);
        HostAccelException failure = FailsAndChangesNothing(() => new AddPeerPodCidrPlan(Session).Prepare("::/0", null, "antrea", "peer-pod-cidr", null, false),
            ErrorIds.InvalidCidr, FailureKind.InvalidArgument);
        Assert.Equal(
            "::/0 is the whole IPv6 address space: as a peer Pod CIDR it would accelerate every forwarded connection; give the Pod CIDRs themselves",
            failure.Message);
    }

    /// <summary>A set comment nft cannot keep is refused before the names are looked at.</summary>
    [Fact]
    public void ASetCommentTooLongIsRefusedBeforeTheNames()
    {
        string comment = new('x', 129);
        HostAccelException failure = FailsAndChangesNothing(() => new AddPeerPodCidrPlan(Session).Prepare("10.244.1.0/24", null, "", "peer-pod-cidr", comment, false),
            ErrorIds.InvalidArgument, FailureKind.InvalidArgument);
        Assert.Equal("SetComment is 129 bytes; nft keeps comments of at most 128 bytes", failure.Message);
    }

    [Fact]
    public void ANamedSetThatNeitherTableHasIsNotFoundAndOneThatExistsIsRead()
    {
        NftLoadOwned(IpSetOnly);
        Assert.Empty(PeerPodCidrs.Get(Session, null, "antrea", "peer-pod-cidr", setNamed: true));

        HostAccelException failure = Assert.Throws<HostAccelException>(() => PeerPodCidrs.Get(Session, null, "antrea", "other", setNamed: true).ToList());
        Assert.Equal((ErrorIds.SetNotFound, FailureKind.ObjectNotFound, (object)"other"), (failure.ErrorId, failure.Kind, failure.TargetObject));
        Assert.Equal("neither table ip antrea nor ip6 antrea has a set other", failure.Message);
        Assert.Equal("session", Assert.Throws<ArgumentNullException>(() => PeerPodCidrs.Get(null!, null, "antrea", "peer-pod-cidr").ToList()).ParamName);
    }
}
