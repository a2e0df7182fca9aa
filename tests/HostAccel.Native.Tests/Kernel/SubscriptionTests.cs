using System.Reflection;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>Multicast notifications as the kernel sends them, in a throwaway namespace; `nft` and `ip` are the other process.</summary>
public sealed class SubscriptionTests : NamespaceTest
{
    private static List<NetlinkNotice> Collect(NetlinkSubscription subscription, Func<List<NetlinkNotice>, bool> enough)
    {
        var notices = new List<NetlinkNotice>();
        DateTime deadline = DateTime.UtcNow.AddSeconds(5);
        while (!enough(notices) && DateTime.UtcNow < deadline)
        {
            notices.AddRange(subscription.Wait(TimeSpan.FromMilliseconds(200)));
        }

        return notices;
    }

    [Fact]
    public void AnotherProcessDeletingATableIsNotifiedWithItsNameThenTheGenerationAndTheCommittingProcess()
    {
        Ns.NftLoad("table ip watched { set s { type ipv4_addr; }; }");
        using NetlinkSubscription subscription = NetlinkSubscription.Open(Ns.Name);

        Ns.Nft("delete", "table", "ip", "watched");
        List<NetlinkNotice> notices = Collect(subscription, n => n.Any(x => x.Kind == NetlinkNoticeKind.Generation));

        NetlinkNotice deleted = Assert.Single(notices, n => n.Kind == NetlinkNoticeKind.Ruleset && n.Message == NfTablesConstants.NFT_MSG_DELTABLE);
        Assert.Equal(("watched", (byte)2, true), (deleted.Table, deleted.Family, deleted.Deleted));
        NetlinkNotice generation = notices.Last();
        Assert.Equal(NetlinkNoticeKind.Generation, generation.Kind);
        Assert.NotNull(generation.Pid);
        Assert.NotEqual((uint)Environment.ProcessId, generation.Pid);
        Assert.Equal(Nft.GetGeneration(), generation.Generation);
    }

    [Fact]
    public void ACommitOfThisProcessCarriesOneOfItsThreadsAsTheCommittingTask()
    {
        using NetlinkSubscription subscription = NetlinkSubscription.Open(Ns.Name);
        var tx = new NftTransaction();
        tx.AddTable(new Nftables.Objects.NftTable(NftFamily.Ip, "mine"));
        Nft.Commit(tx);

        List<NetlinkNotice> notices = Collect(subscription, n => n.Any(x => x.Kind == NetlinkNoticeKind.Generation));

        Assert.Contains(notices, n => n.Kind == NetlinkNoticeKind.Ruleset && n.Table == "mine" && !n.Deleted);
        uint pid = Assert.Single(notices, n => n.Kind == NetlinkNoticeKind.Generation).Pid!.Value;
        Assert.True(Directory.Exists($"/proc/self/task/{pid}"), $"task {pid} is not a thread of this process");
    }

    [Fact]
    public void ADeviceAddedAndDeletedIsNotifiedByName()
    {
        using NetlinkSubscription subscription = NetlinkSubscription.Open(Ns.Name);
        Ns.AddDevice("antrea-gw0", "gw-peer");
        Ns.Exec("ip", "link", "del", "antrea-gw0");

        List<NetlinkNotice> notices = Collect(subscription, n => n.Any(x => x.Kind == NetlinkNoticeKind.Link && x.Link == "antrea-gw0" && x.Deleted));

        Assert.Contains(notices, n => n.Kind == NetlinkNoticeKind.Link && n.Link == "antrea-gw0" && !n.Deleted);
        Assert.Contains(notices, n => n.Kind == NetlinkNoticeKind.Link && n.Link == "antrea-gw0" && n.Deleted);
        Assert.All(notices.Where(n => n.Kind == NetlinkNoticeKind.Link), n => Assert.Equal(n.Message == 17 /* RTM_DELLINK */, n.Deleted));
    }

    [Fact]
    public void NothingChangedIsNoNoticeWithinTheTimeout()
    {
        using NetlinkSubscription subscription = NetlinkSubscription.Open(Ns.Name);

        Assert.Empty(subscription.Wait(TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public void DisposingClosesBothSockets()
    {
        NetlinkSubscription subscription = NetlinkSubscription.Open(Ns.Name);
        // The sockets are private to the subscription: reached by reflection only to see that each is closed.
        NetlinkSocket[] sockets = new[] { "_nftables", "_links" }
            .Select(name => (NetlinkSocket)typeof(NetlinkSubscription).GetField(name, BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(subscription)!)
            .ToArray();
        Assert.All(sockets, socket => Assert.False(socket.Handle.IsClosed));

        subscription.Dispose();

        Assert.All(sockets, socket => Assert.True(socket.Handle.IsClosed));
    }
}
