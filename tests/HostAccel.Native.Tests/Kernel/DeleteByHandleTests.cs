using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

public sealed class DeleteByHandleTests : IDisposable
{
    private readonly TestNamespace _ns = new();
    private readonly NftConnection _nft;

    public DeleteByHandleTests()
    {
        _nft = NftConnection.Open(_ns.Name);
    }

    public void Dispose()
    {
        _nft.Dispose();
        _ns.Dispose();
    }

    [Fact]
    public void AnObjectReadFromTheKernelIsDeletedByHandleSoASameNamedReplacementSurvives()
    {
        _ns.NftLoad("table ip antrea { set s { type ipv4_addr; }; chain c { }; }");
        NftTable table = _nft.GetTable(NftFamily.Ip, "antrea")!;
        NftSet set = Assert.Single(_nft.ListSets(NftFamily.Ip, "antrea"));
        NftChain chain = Assert.Single(_nft.ListChains(NftFamily.Ip, "antrea"));

        // Someone replaces the set and the chain after we read them.
        _ns.Nft("delete", "set", "ip", "antrea", "s");
        _ns.Nft("add", "set", "ip", "antrea", "s", "{ type ipv4_addr; }");
        var stale = new NftTransaction();
        stale.DeleteSet(set);
        NetlinkException error = Assert.Throws<NetlinkException>(() => _nft.Commit(stale));
        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.Single(_nft.ListSets(NftFamily.Ip, "antrea"));

        var fresh = new NftTransaction();
        fresh.DeleteChain(chain);
        fresh.DeleteSet(Assert.Single(_nft.ListSets(NftFamily.Ip, "antrea")));
        fresh.DeleteTable(table);
        _nft.Commit(fresh);
        Assert.Empty(_nft.ListTables());
    }

    [Fact]
    public void ADryRunNamesDevicesWhenGivenTheirNames()
    {
        _ns.AddDevice("antrea-gw0", "gw-peer");
        _ns.AddDevice("eth0", "eth0-peer");
        var tx = new NftTransaction();
        foreach (NftRule rule in Seed.ForwardRules(_ns.IfIndex("antrea-gw0"), _ns.IfIndex("eth0"), flowAdd: true))
        {
            tx.AddRule(rule);
        }

        Assert.StartsWith($"add rule ip antrea forward iif {_ns.IfIndex("antrea-gw0")} ", tx.Statements[0], StringComparison.Ordinal);
        IReadOnlyDictionary<uint, string> devices = _nft.Interfaces();
        tx.InterfaceNames = devices.GetValueOrDefault;
        Assert.Equal(
            $"add rule ip antrea forward iif \"antrea-gw0\" ip saddr 10.244.2.0/24 oif \"eth0\" ip daddr @peer-pod-cidr flow add @fastpath counter packets 0 bytes 0 comment \"{Seed.LocalToRemote}\"",
            tx.Statements[0]);
    }
}
