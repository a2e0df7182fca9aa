using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

public sealed class DeleteByHandleTests : NamespaceTest
{

    [Fact]
    public void AnObjectReadFromTheKernelIsDeletedByHandleSoASameNamedReplacementSurvives()
    {
        Ns.NftLoad("table ip antrea { set s { type ipv4_addr; }; chain c { }; }");
        NftTable table = Nft.GetTable(NftFamily.Ip, "antrea")!;
        NftSet set = Assert.Single(Nft.ListSets(NftFamily.Ip, "antrea"));
        NftChain chain = Assert.Single(Nft.ListChains(NftFamily.Ip, "antrea"));

        // Someone replaces the set and the chain after we read them.
        Ns.Nft("delete", "set", "ip", "antrea", "s");
        Ns.Nft("add", "set", "ip", "antrea", "s", "{ type ipv4_addr; }");
        var stale = new NftTransaction();
        stale.DeleteSet(set);
        NetlinkException error = Assert.Throws<NetlinkException>(() => Nft.Commit(stale));
        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.Single(Nft.ListSets(NftFamily.Ip, "antrea"));

        var fresh = new NftTransaction();
        fresh.DeleteChain(chain);
        fresh.DeleteSet(Assert.Single(Nft.ListSets(NftFamily.Ip, "antrea")));
        fresh.DeleteTable(table);
        Nft.Commit(fresh);
        Assert.Empty(Nft.ListTables());
    }

    [Fact]
    public void ADryRunNamesDevicesWhenGivenTheirNames()
    {
        Ns.AddDevice("antrea-gw0", "gw-peer");
        Ns.AddDevice("eth0", "eth0-peer");
        NftRule rule = Seed.ForwardRules(Ns.IfIndex("antrea-gw0"), Ns.IfIndex("eth0"), flowAdd: true)[0];

        Assert.StartsWith($"add rule ip antrea forward iif {Ns.IfIndex("antrea-gw0")} ", NftStatements.AddRule(rule, null), StringComparison.Ordinal);
        IReadOnlyDictionary<uint, string> devices = Nft.Interfaces();
        Assert.Equal(
            $"add rule ip antrea forward iif \"antrea-gw0\" ip saddr 10.244.2.0/24 oif \"eth0\" ip daddr @peer-pod-cidr flow add @fastpath counter packets 0 bytes 0 comment \"{Seed.LocalToRemote}\"",
            NftStatements.AddRule(rule, devices.GetValueOrDefault));
    }
}
