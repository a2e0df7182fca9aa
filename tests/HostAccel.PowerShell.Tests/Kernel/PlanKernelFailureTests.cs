using HostAccel.Native;
using HostAccel.Native.Interop;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;
using static HostAccel.Native.Nftables.NfTablesConstants;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// What the plans say when the kernel's socket fails under them (recv failing as EIO, injected into the real reply
/// stream), or when the namespace is gone: the errno's failure (KernelError, ObjectNotFound, …) naming the object the
/// plan was working on, with the kernel's error inside, and nothing changed.
/// </summary>
public sealed class PlanKernelFailureTests : EngineTest
{
    private const string Owned = """
        table ip antrea {
            set peer-pod-cidr { type ipv4_addr; flags interval; elements = { 10.244.0.0/24 }; }
        }
        """;

    private readonly SystemCallException _fault = new("recv", Errno.EIO);

    /// <summary>Every datagram received fails as recv would, until the hook is taken away.</summary>
    private void FailEveryReceive() => Session.Nft.Socket.OnReceive = _ => throw _fault;

    /// <summary>
    /// Runs <paramref name="action"/> with every receive failing: the failure is the errno's, naming
    /// <paramref name="target"/>. A read changes nothing; a commit whose reply is lost was applied by the kernel all the same.
    /// </summary>
    private HostAccelException FailsWithTheSocket(Action action, object? target, bool reads = true)
    {
        string before = Ruleset();
        FailEveryReceive();
        HostAccelException failure;
        try
        {
            failure = Assert.Throws<HostAccelException>(action);
        }
        finally
        {
            Session.Nft.Socket.OnReceive = null;
        }

        Assert.Equal((ErrorIds.KernelError, FailureKind.NotSpecified, Errno.EIO, target), (failure.ErrorId, failure.Kind, failure.Errno, failure.TargetObject));
        Assert.Same(_fault, failure.InnerException);
        Assert.Equal(_fault.Message, failure.Message);
        Assert.Equal(reads, before == Ruleset());
        return failure;
    }

    [Fact]
    public void APlanThatCannotReadTheGenerationFailsNamingTheNamespace()
    {
        FailsWithTheSocket(() => Assert.NotNull(new AddPeerPodCidrPlan(Session)), Ns.Name);
    }

    [Fact]
    public void ListingTablesThatCannotBeReadFailsNamingTheTableAskedFor()
    {
        FailsWithTheSocket(() => Tables.Get(Session, null, "antrea", includeForeign: true), "antrea");
    }

    [Fact]
    public void NewAndRemoveTableFailNamingTheirTableWhenItCannotBeRead()
    {
        var create = Tables.PlanNew(Session);
        FailsWithTheSocket(() => create.Prepare(AccelFamily.Ip, "antrea", null), Design.Table(Native.Nftables.NftFamily.Ip, "antrea").ToString());
        var remove = Tables.PlanRemove(Session);
        FailsWithTheSocket(() => remove.Prepare(null, "antrea", false), "antrea");
    }

    [Fact]
    public void APeerPodCidrPlanFailsNamingTheSetWhenItCannotReadItsTableOrTheFlowtablesTheSetFeeds()
    {
        NftLoadOwned(Owned);
        var add = new AddPeerPodCidrPlan(Session);
        FailsWithTheSocket(() => add.Prepare("10.244.1.0/24", null, "antrea", "peer-pod-cidr", null, false), "set ip antrea peer-pod-cidr");

        // The set was read by the first removal; the second reads the flowtables its removal must replace.
        var remove = new RemovePeerPodCidrPlan(Session);
        remove.Accept(remove.Prepare("10.244.0.0/24", null, "antrea", "peer-pod-cidr", false));
        Ns.Nft("add", "element", "ip", "antrea", "peer-pod-cidr", "{ 10.244.7.0/24 }");
        FailsWithTheSocket(() => remove.Prepare("10.244.7.0/24", null, "antrea", "peer-pod-cidr", false), "set ip antrea peer-pod-cidr");
    }

    [Fact]
    public void ACommitThatFailsOtherwiseThanByTheElementsIsTheErrnosFailureUnexplained()
    {
        NftLoadOwned(Owned);
        var add = new AddPeerPodCidrPlan(Session);
        add.Accept(add.Prepare("10.244.1.0/24", null, "antrea", "peer-pod-cidr", null, false));
        FailsWithTheSocket(() => add.Commit(CancellationToken.None, "call"), "call", reads: false);

        var remove = new RemovePeerPodCidrPlan(Session);
        remove.Accept(remove.Prepare("10.244.0.0/24", null, "antrea", "peer-pod-cidr", false));
        FailsWithTheSocket(() => remove.Commit(CancellationToken.None, "call"), "call", reads: false);
        Assert.Contains("elements = { 10.244.1.0/24 }", Ns.Nft("list", "set", "ip", "antrea", "peer-pod-cidr"), StringComparison.Ordinal);
    }

    /// <summary>The kernel refused an overlapping prefix, and the set cannot be read to say which held prefix is in the way.</summary>
    [Fact]
    public void AnOverlapTheSetCannotBeReadToExplainSaysAPrefixOverlaps()
    {
        NftLoadOwned(Owned);
        var add = new AddPeerPodCidrPlan(Session);
        add.Accept(add.Prepare("10.244.0.0/25", null, "antrea", "peer-pod-cidr", null, false));
        FailDumpsOfElements();

        HostAccelException failure = FailsAndChangesNothing(() => add.Commit(CancellationToken.None), ErrorIds.OverlappingCidr, FailureKind.ResourceExists);

        Assert.Equal("10.244.0.0/25 overlaps a prefix, which set ip antrea peer-pod-cidr already holds; nothing was applied", failure.Message);
        Assert.Equal("10.244.0.0/25", failure.TargetObject);
        Assert.IsType<Native.Netlink.NetlinkException>(failure.InnerException);
    }

    /// <summary>The kernel holds no such element, and the set cannot be read: neither split as a range nor explained.</summary>
    [Fact]
    public void AMissingPrefixTheSetCannotBeReadForIsNotFoundWithoutWhatItHolds()
    {
        NftLoadOwned(Owned);
        var remove = new RemovePeerPodCidrPlan(Session);
        remove.Accept(remove.Prepare("10.244.0.0/25", null, "antrea", "peer-pod-cidr", false));
        FailDumpsOfElements();

        HostAccelException failure = FailsAndChangesNothing(() => remove.Commit(CancellationToken.None), ErrorIds.CidrNotFound, FailureKind.ObjectNotFound);

        Assert.Equal("set ip antrea peer-pod-cidr does not hold 10.244.0.0/25; nothing was applied", failure.Message);
        Assert.Equal("10.244.0.0/25", failure.TargetObject);
    }

    /// <summary>
    /// The removal of a prefix listed from a range is planned again as the range split; the reply to that second commit
    /// is lost (the kernel applied it): the failure is the errno's, not an explanation of the first refusal.
    /// </summary>
    [Fact]
    public void ASplitOfARangeWhoseCommitFailsIsTheErrnosFailure()
    {
        NftLoadOwned(Owned);
        Ns.Nft("add", "element", "ip", "antrea", "peer-pod-cidr", "{ 10.20.0.3-10.20.0.9 }");
        var remove = new RemovePeerPodCidrPlan(Session);
        remove.Queue("10.20.0.4/30", null, "antrea", "peer-pod-cidr", false);
        bool ranges = false;
        int commits = 0;
        Session.Nft.Socket.OnReceive = datagram =>
        {
            List<(int Offset, ushort Type)> messages = ReplyTypes.Messages(datagram);
            ranges |= messages.Any(m => m.Type == ReplyTypes.Nft(NFT_MSG_NEWSETELEM));
            if (ranges && messages.Any(m => m.Type == ReplyTypes.NlmsgError))
            {
                commits++;
                throw _fault;
            }

            return datagram.Length;
        };
        HostAccelException failure;
        try
        {
            failure = Assert.Throws<HostAccelException>(() => remove.Commit(CancellationToken.None, "call"));
        }
        finally
        {
            Session.Nft.Socket.OnReceive = null;
        }

        Assert.Equal(1, commits);
        Assert.Equal((ErrorIds.KernelError, FailureKind.NotSpecified, Errno.EIO, (object?)"call"), (failure.ErrorId, failure.Kind, failure.Errno, failure.TargetObject));
        Assert.Same(_fault, failure.InnerException);
        Assert.Contains("10.20.0.3, 10.20.0.8/31", Fold(Ns.Nft("list", "set", "ip", "antrea", "peer-pod-cidr")), StringComparison.Ordinal);
    }

    [Fact]
    public void EnableFastpathFailsNamingTheTableWhenItCannotBeRead()
    {
        var plan = new EnableFastpathPlan(Session);
        FailsWithTheSocket(() => plan.Prepare(Request()), "table ip antrea");
    }

    [Fact]
    public void WhenTheNamespaceIsGoneEnableFastpathFailsOnTheGatewayAndFlowsOnTheNamespace()
    {
        var plan = new EnableFastpathPlan(Session);
        HostAccel.Native.Tests.Support.Shell.Run("ip", "netns", "del", Ns.Name);

        HostAccelException device = Assert.Throws<HostAccelException>(() => plan.Prepare(Request()));
        Assert.Equal((ErrorIds.NetworkNamespaceNotFound, FailureKind.ObjectNotFound, Errno.ENOENT, (object?)"antrea-gw0"), (device.ErrorId, device.Kind, device.Errno, device.TargetObject));

        HostAccelException flows = Assert.Throws<HostAccelException>(() => Flows.Get(Session, null, includeSlowPath: true));
        Assert.Equal((ErrorIds.NetworkNamespaceNotFound, FailureKind.ObjectNotFound, Errno.ENOENT, (object?)Ns.Name), (flows.ErrorId, flows.Kind, flows.Errno, flows.TargetObject));
    }

    private static EnableFastpathRequest Request() => new()
    {
        LocalPodCidr = ["10.244.2.0/24"],
        GatewayInterface = "antrea-gw0",
        TransportInterface = "eth0",
    };

    /// <summary>Dumps of set elements (replies of NFT_MSG_NEWSETELEM) fail as recv would; the commit's own replies pass.</summary>
    private void FailDumpsOfElements() => Session.Nft.Socket.OnReceive = datagram =>
        ReplyTypes.Messages(datagram).Any(m => m.Type == ReplyTypes.Nft(NFT_MSG_NEWSETELEM)) ? throw _fault : datagram.Length;
}
