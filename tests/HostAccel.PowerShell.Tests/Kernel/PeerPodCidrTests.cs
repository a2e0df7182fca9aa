using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>Add-, Get- and Remove-PeerPodCidr's engine paths: seed 000's interval sets, and every bad input.</summary>
public sealed class PeerPodCidrTests : EngineTest
{
    private const string Tables = """
        table ip antrea { comment "Rules for Antrea"; }
        table ip6 antrea { comment "Rules for Antrea"; }
        """;

    private void Add(params string[] cidrs)
    {
        var plan = new AddPeerPodCidrPlan(Session);
        foreach (string cidr in cidrs)
        {
            plan.Accept(plan.Prepare(cidr, null, "antrea", "peer-pod-cidr", null, force: false));
        }

        plan.Commit(CancellationToken.None);
    }

    [Fact]
    public void AddCreatesTheSeedSetsWithTheirCommentsAndElementsInOneTransaction()
    {
        NftLoadOwned(Tables);
        var plan = new AddPeerPodCidrPlan(Session);
        PlannedChange<PeerPodCidr> first = plan.Prepare("10.244.0.0/24", null, "antrea", "peer-pod-cidr", null, false);
        Assert.Equal(
            [
                "add set ip antrea peer-pod-cidr { type ipv4_addr; flags interval; comment \"Set for storing IPv4 peer Pods CIDRs\"; }",
                "add element ip antrea peer-pod-cidr { 10.244.0.0/24 }",
            ],
            first.Statements);
        plan.Accept(first);
        PlannedChange<PeerPodCidr> second = plan.Prepare("10.244.1.0/24", null, "antrea", "peer-pod-cidr", null, false);
        Assert.Equal(["add element ip antrea peer-pod-cidr { 10.244.1.0/24 }"], second.Statements);
        plan.Accept(second);
        plan.Accept(plan.Prepare("fd00:10:244::/64", null, "antrea", "peer-pod-cidr", null, false));
        plan.Accept(plan.Prepare("fd00:10:244:1::/64", [AccelFamily.Ip6], "antrea", "peer-pod-cidr", null, false));
        plan.Commit(CancellationToken.None);

        Assert.Equal(Fold("""
            table ip antrea {
                comment "Rules for Antrea"
                set peer-pod-cidr {
                    type ipv4_addr
                    flags interval
                    comment "Set for storing IPv4 peer Pods CIDRs"
                    elements = { 10.244.0.0/24, 10.244.1.0/24 }
                }
            }
            """), Fold(Ns.Nft("list", "table", "ip", "antrea")));
        Assert.Contains("comment \"Set for storing IPv6 peer Pods CIDRs\" elements = { fd00:10:244::/64, fd00:10:244:1::/64 }",
            Fold(Ns.Nft("list", "table", "ip6", "antrea")), StringComparison.Ordinal);

        IReadOnlyList<PeerPodCidr> read = PeerPodCidrs.Get(Session, null, "antrea", "peer-pod-cidr").ToList();
        Assert.Equal(["10.244.0.0/24", "10.244.1.0/24", "fd00:10:244::/64", "fd00:10:244:1::/64"], read.Select(c => c.Cidr));
        Assert.Equal("element ip antrea peer-pod-cidr { 10.244.0.0/24 }", read[0].ToString());
        Assert.Equal((AccelFamily.Ip6, "fd00:10:244::", 64, Ns.Name), (read[2].Family, read[2].Address, read[2].PrefixLength, read[2].NetworkNamespace));
        Assert.Equal(["10.244.0.0/24", "10.244.1.0/24"], PeerPodCidrs.Get(Session, [AccelFamily.Ip], "antrea", "peer-pod-cidr").Select(c => c.Cidr));
    }

    [Theory]
    [InlineData("10.244.0/24", "InvalidCidr")]
    [InlineData("10.244.0.0/33", "InvalidCidr")]
    [InlineData("not-a-cidr", "InvalidCidr")]
    [InlineData("10.244.0.1/24", "HostBitsSet")]
    [InlineData("fd00:10:244::1/64", "HostBitsSet")]
    public void BadCidrsAreInvalidArgumentsNamingTheValueAndChangeNothing(string cidr, string errorId)
    {
        NftLoadOwned(Tables);
        HostAccelException failure = FailsAndChangesNothing(
            () => new AddPeerPodCidrPlan(Session).Prepare(cidr, null, "antrea", "peer-pod-cidr", null, false), errorId, FailureKind.InvalidArgument);
        Assert.Equal(cidr, failure.TargetObject);
        if (errorId == ErrorIds.HostBitsSet)
        {
            Assert.Contains("did you mean", failure.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ACidrOfTheOtherFamilyThanAskedIsWrongFamily()
    {
        NftLoadOwned(Tables);
        HostAccelException failure = FailsAndChangesNothing(
            () => new AddPeerPodCidrPlan(Session).Prepare("fd00:10:244::/64", [AccelFamily.Ip], "antrea", "peer-pod-cidr", null, false),
            ErrorIds.WrongFamily, FailureKind.InvalidArgument);
        Assert.Equal("fd00:10:244::/64", failure.TargetObject);
        FailsAndChangesNothing(
            () => new RemovePeerPodCidrPlan(Session).Prepare("10.244.0.0/24", [AccelFamily.Inet], "antrea", "peer-pod-cidr", false),
            ErrorIds.WrongFamily, FailureKind.InvalidArgument);
    }

    [Fact]
    public void AddingToAMissingTableIsTableNotFound()
    {
        FailsAndChangesNothing(
            () => new AddPeerPodCidrPlan(Session).Prepare("10.244.0.0/24", null, "antrea", "peer-pod-cidr", null, false),
            ErrorIds.TableNotFound, FailureKind.ObjectNotFound);
        FailsAndChangesNothing(() => _ = PeerPodCidrs.Get(Session, [AccelFamily.Ip], "antrea", "peer-pod-cidr").ToList(), ErrorIds.TableNotFound, FailureKind.ObjectNotFound);
        Assert.Empty(PeerPodCidrs.Get(Session, null, "antrea", "peer-pod-cidr"));

        // A table or set the caller named must exist in one family at least: an explicit name is never silently empty.
        FailsAndChangesNothing(() => _ = PeerPodCidrs.Get(Session, null, "antrea", "peer-pod-cidr", named: true).ToList(), ErrorIds.TableNotFound, FailureKind.ObjectNotFound);
        NftLoadOwned("table ip antrea { comment \"Rules for Antrea\"; }");
        FailsAndChangesNothing(() => _ = PeerPodCidrs.Get(Session, null, "antrea", "nope", setNamed: true).ToList(), ErrorIds.SetNotFound, FailureKind.ObjectNotFound);
        Assert.Empty(PeerPodCidrs.Get(Session, null, "antrea", "peer-pod-cidr", named: true));
    }

    [Fact]
    public void AddingToATableHostAccelDidNotCreateNeedsForce()
    {
        Ns.NftLoad("table ip antrea { comment \"someone else's\"; }");
        FailsAndChangesNothing(
            () => new AddPeerPodCidrPlan(Session).Prepare("10.244.0.0/24", null, "antrea", "peer-pod-cidr", null, false),
            ErrorIds.TableNotOwned, FailureKind.InvalidOperation);
        var plan = new AddPeerPodCidrPlan(Session);
        plan.Accept(plan.Prepare("10.244.0.0/24", null, "antrea", "peer-pod-cidr", null, force: true));
        plan.Commit(CancellationToken.None);
        Assert.Single(PeerPodCidrs.Get(Session, null, "antrea", "peer-pod-cidr"));
    }

    [Fact]
    public void AnOverlappingCidrIsRefusedAndAnExistingOneIsNothingToDo()
    {
        NftLoadOwned(Tables);
        Add("10.244.0.0/16");
        // The kernel's own interval check refuses the overlap at commit; the set is read only then, to name the holder.
        var refused = new AddPeerPodCidrPlan(Session);
        refused.Accept(refused.Prepare("10.244.1.0/24", null, "antrea", "peer-pod-cidr", null, false));
        HostAccelException overlap = FailsAndChangesNothing(() => refused.Commit(CancellationToken.None), ErrorIds.OverlappingCidr, FailureKind.ResourceExists);
        Assert.Equal("10.244.1.0/24", overlap.TargetObject);
        Assert.Contains("10.244.0.0/16", overlap.Message, StringComparison.Ordinal);

        string before = Ns.Nft("list", "ruleset");
        var plan = new AddPeerPodCidrPlan(Session);
        PlannedChange<PeerPodCidr> again = plan.Prepare("10.244.0.0/16", null, "antrea", "peer-pod-cidr", null, false);
        plan.Accept(again);
        plan.Commit(CancellationToken.None);
        Assert.Equal(before, Ns.Nft("list", "ruleset"));
        Assert.Equal("10.244.0.0/16", again.Result.Cidr);

        var batch = new AddPeerPodCidrPlan(Session);
        batch.Accept(batch.Prepare("10.10.0.0/24", null, "antrea", "peer-pod-cidr", null, false));
        batch.Accept(batch.Prepare("10.10.0.128/25", null, "antrea", "peer-pod-cidr", null, false));
        HostAccelException conflict = Assert.Single(batch.Conflicts());
        Assert.Equal((ErrorIds.OverlappingCidr, "10.10.0.128/25"), (conflict.ErrorId, conflict.TargetObject));
        Assert.Equal(ErrorIds.OverlappingCidr, FailsAndChangesNothing(() => batch.Commit(CancellationToken.None), ErrorIds.OverlappingCidr, FailureKind.ResourceExists).ErrorId);
    }

    [Fact]
    public void OneBadCidrAmongManyMeansNoneIsAdded()
    {
        NftLoadOwned(Tables);
        var plan = new AddPeerPodCidrPlan(Session);
        plan.Accept(plan.Prepare("10.244.0.0/24", null, "antrea", "peer-pod-cidr", null, false));
        Assert.Throws<HostAccelException>(() => plan.Prepare("10.244.1.1/24", null, "antrea", "peer-pod-cidr", null, false));
        plan.Reject();
        plan.Accept(plan.Prepare("10.244.2.0/24", null, "antrea", "peer-pod-cidr", null, false));
        FailsAndChangesNothing(() => plan.Commit(CancellationToken.None), ErrorIds.NothingApplied, FailureKind.InvalidOperation);
        Assert.Empty(PeerPodCidrs.Get(Session, null, "antrea", "peer-pod-cidr"));
    }

    [Fact]
    public void RemoveTakesOutExactlyThePrefixesGiven()
    {
        NftLoadOwned(Tables);
        Add("10.244.0.0/24", "10.244.1.0/24", "fd00:10:244::/64");
        var plan = new RemovePeerPodCidrPlan(Session);
        PlannedChange<PeerPodCidr> change = plan.Prepare("10.244.0.0/24", null, "antrea", "peer-pod-cidr", false);
        Assert.Equal(["delete element ip antrea peer-pod-cidr { 10.244.0.0/24 }"], change.Statements);
        plan.Accept(change);
        plan.Accept(plan.Prepare("fd00:10:244::/64", [AccelFamily.Ip6], "antrea", "peer-pod-cidr", false));
        plan.Commit(CancellationToken.None);
        Assert.Equal(["10.244.1.0/24"], PeerPodCidrs.Get(Session, null, "antrea", "peer-pod-cidr").Select(c => c.Cidr));
        Assert.Contains("elements = { 10.244.1.0/24 }", Fold(Ns.Nft("list", "set", "ip", "antrea", "peer-pod-cidr")), StringComparison.Ordinal);
    }

    [Fact]
    public void RemovingAPrefixTheSetDoesNotHoldIsCidrNotFound()
    {
        NftLoadOwned(Tables);
        Add("10.244.0.0/16");
        var plan = new RemovePeerPodCidrPlan(Session);
        plan.Accept(plan.Prepare("10.244.1.0/24", null, "antrea", "peer-pod-cidr", false));
        HostAccelException failure = FailsAndChangesNothing(() => plan.Commit(CancellationToken.None), ErrorIds.CidrNotFound, FailureKind.ObjectNotFound);
        Assert.Equal("10.244.1.0/24", failure.TargetObject);
        Assert.Contains("10.244.0.0/16", failure.Message, StringComparison.Ordinal);
        FailsAndChangesNothing(
            () => new RemovePeerPodCidrPlan(Session).Prepare("fd00::/64", null, "antrea", "peer-pod-cidr", false),
            ErrorIds.SetNotFound, FailureKind.ObjectNotFound);
    }

    /// <summary>
    /// The kernel refuses one element of a batch (its interval overlaps one the set holds): the error names that
    /// prefix, as the caller typed it, found from where in which message the kernel pointed — here in the third of the
    /// batch's element messages — and nothing of the batch is applied.
    /// </summary>
    [Fact]
    public void AKernelRefusalOfOneCidrInABatchNamesThatCidr()
    {
        NftLoadOwned(Tables);
        Add("10.200.0.0/16");
        string[] batch = Enumerable.Range(0, 5_000).Select(i => $"10.{100 + (i >> 8)}.{i & 0xff}.0/24").ToArray();
        batch[3_600] = "10.200.7.0/24";
        var plan = new AddPeerPodCidrPlan(Session);
        foreach (string cidr in batch)
        {
            plan.Queue(cidr, null, "antrea", "peer-pod-cidr", null, false);
        }

        Assert.True(Engine.Planning.PlanEncoder.Encode(plan.Plan.Changes).Count >= 3);
        HostAccelException failure = FailsAndChangesNothing(() => plan.Commit(CancellationToken.None), ErrorIds.OverlappingCidr, FailureKind.ResourceExists);
        Assert.Equal("10.200.7.0/24", failure.TargetObject);
        Assert.Contains("overlaps 10.200.0.0/16", failure.Message, StringComparison.Ordinal);
        Assert.Equal(["10.200.0.0/16"], PeerPodCidrs.Get(Session, null, "antrea", "peer-pod-cidr").Select(c => c.Cidr));
    }

    /// <summary>
    /// What the cmdlets do with a call's many prefixes: each checked as it comes, then one change per set with each
    /// prefix's input as its subject (not a change, a model and a record per prefix); a prefix given twice is planned
    /// once; the objects are made only when read; the statements and the kernel's result are those of the per-input path.
    /// </summary>
    [Fact]
    public void QueuedPrefixesArePlannedAsOneChangePerSet()
    {
        NftLoadOwned(Tables);
        var plan = new AddPeerPodCidrPlan(Session);
        foreach (string cidr in new[] { "10.244.1.0/24", "fd00:10:244::/64", "10.244.0.0/24", "10.244.1.0/24", "fd00:10:244:1::/64" })
        {
            plan.Queue(cidr, null, "antrea", "peer-pod-cidr", null, false);
        }

        Assert.Equal(ErrorIds.InvalidCidr, Assert.Throws<HostAccelException>(() => plan.Queue("10.244.2.0/33", null, "antrea", "peer-pod-cidr", null, false)).ErrorId);
        Assert.Equal(
            [
                "add set ip antrea peer-pod-cidr { type ipv4_addr; flags interval; comment \"Set for storing IPv4 peer Pods CIDRs\"; }",
                "add element ip antrea peer-pod-cidr { 10.244.1.0/24, 10.244.0.0/24 }",
                "add set ip6 antrea peer-pod-cidr { type ipv6_addr; flags interval; comment \"Set for storing IPv6 peer Pods CIDRs\"; }",
                "add element ip6 antrea peer-pod-cidr { fd00:10:244::/64, fd00:10:244:1::/64 }",
            ],
            plan.Statements);
        Assert.Equal(["set ip antrea peer-pod-cidr", "set ip6 antrea peer-pod-cidr"], plan.ByTarget.Select(g => g.Key));
        Engine.Planning.ElementsChange ip = plan.Plan.Changes.OfType<Engine.Planning.ElementsChange>().First();
        Assert.Equal(["10.244.1.0/24", "10.244.0.0/24"], ip.Subjects);
        Assert.Equal(["10.244.1.0/24", "10.244.0.0/24", "fd00:10:244::/64", "fd00:10:244:1::/64"], plan.Accepted.Select(c => c.Cidr));
        Assert.IsNotType<List<PeerPodCidr>>(plan.Accepted);
        Assert.Empty(plan.Conflicts());

        plan.Commit(CancellationToken.None);
        Assert.Equal(["10.244.0.0/24", "10.244.1.0/24", "fd00:10:244::/64", "fd00:10:244:1::/64"], PeerPodCidrs.Get(Session, null, "antrea", "peer-pod-cidr").Select(c => c.Cidr));

        // Overlaps among queued prefixes are found once all are in, naming the later input; removal queues the same way.
        var overlapping = new AddPeerPodCidrPlan(Session);
        overlapping.Queue("10.10.0.0/16", null, "antrea", "peer-pod-cidr", null, false);
        overlapping.Queue("10.10.4.0/24", null, "antrea", "peer-pod-cidr", null, false);
        Assert.Equal("10.10.4.0/24", Assert.Single(overlapping.Conflicts()).TargetObject);

        var remove = new RemovePeerPodCidrPlan(Session);
        remove.Queue("10.244.0.0/24", null, "antrea", "peer-pod-cidr", false);
        remove.Queue("fd00:10:244::/64", null, "antrea", "peer-pod-cidr", false);
        Assert.Equal(["delete element ip antrea peer-pod-cidr { 10.244.0.0/24 }", "delete element ip6 antrea peer-pod-cidr { fd00:10:244::/64 }"], remove.Statements);
        remove.Commit(CancellationToken.None);
        Assert.Equal(["10.244.1.0/24", "fd00:10:244:1::/64"], PeerPodCidrs.Get(Session, null, "antrea", "peer-pod-cidr").Select(c => c.Cidr));

        // A prefix the set does not hold: the kernel's ENOENT comes back on that input, saying what overlaps it.
        var missing = new RemovePeerPodCidrPlan(Session);
        missing.Queue("10.244.1.0/25", null, "antrea", "peer-pod-cidr", false);
        HostAccelException failure = FailsAndChangesNothing(() => missing.Commit(CancellationToken.None), ErrorIds.CidrNotFound, FailureKind.ObjectNotFound);
        Assert.Equal("10.244.1.0/25", failure.TargetObject);
        Assert.Contains("it holds 10.244.1.0/24", failure.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A range nft wrote first-last is listed as the prefixes that cover it; each of those can be removed: the range
    /// is deleted and the rest of it added back as prefixes, in one transaction. A prefix inside the range that is not
    /// one of those listed is still CidrNotFound, naming it, and changes nothing.
    /// </summary>
    [Fact]
    public void WhateverIsListedOfARangeNftWroteCanBeRemoved()
    {
        NftLoadOwned(Tables);
        Add("10.244.0.0/24", "fd00:10:244::/64");
        Ns.Nft("add", "element", "ip", "antrea", "peer-pod-cidr", "{ 10.20.0.3-10.20.0.9 }");
        Ns.Nft("add", "element", "ip6", "antrea", "peer-pod-cidr", "{ fd00::1-fd00::6 }");
        IReadOnlyList<string> Listed() => PeerPodCidrs.Get(Session, null, "antrea", "peer-pod-cidr").Select(c => c.Cidr).ToList();
        Assert.Equal(["10.20.0.3/32", "10.20.0.4/30", "10.20.0.8/31", "10.244.0.0/24", "fd00::1/128", "fd00::2/127", "fd00::4/127", "fd00::6/128", "fd00:10:244::/64"], Listed());

        HostAccelException notListed = FailsAndChangesNothing(() => Remove("10.20.0.4/31"), ErrorIds.CidrNotFound, FailureKind.ObjectNotFound);
        Assert.Equal("10.20.0.4/31", notListed.TargetObject);

        // One call: a prefix held as itself, one from each family's range.
        Remove("10.244.0.0/24", "10.20.0.3/32", "fd00::2/127");
        Assert.Equal(["10.20.0.4/30", "10.20.0.8/31", "fd00::1/128", "fd00::4/127", "fd00::6/128", "fd00:10:244::/64"], Listed());
        Assert.Contains("10.20.0.4/30, 10.20.0.8/31", Fold(Ns.Nft("list", "set", "ip", "antrea", "peer-pod-cidr")), StringComparison.Ordinal);

        // What was added back is HostAccel's own prefixes now: each removable as it is.
        Remove("10.20.0.8/31", "10.20.0.4/30", "fd00::1/128", "fd00::4/127", "fd00::6/128");
        Assert.Equal(["fd00:10:244::/64"], Listed());
    }

    private void Remove(params string[] cidrs)
    {
        var plan = new RemovePeerPodCidrPlan(Session);
        foreach (string cidr in cidrs)
        {
            plan.Queue(cidr, null, "antrea", "peer-pod-cidr", false);
        }

        plan.Commit(CancellationToken.None);
    }
}
