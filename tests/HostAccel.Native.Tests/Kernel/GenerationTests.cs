using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>The ruleset generation: moved by every commit, anyone's, and the guard against lost updates.</summary>
public sealed class GenerationTests : IDisposable
{
    private readonly TestNamespace _ns = new();
    private readonly NftConnection _nft;

    public GenerationTests()
    {
        _nft = NftConnection.Open(_ns.Name);
    }

    public void Dispose()
    {
        _nft.Dispose();
        _ns.Dispose();
    }

    [Fact]
    public void TheGenerationChangesWithEveryCommitOfAnyoneAndOnlyThen()
    {
        var seen = new List<uint> { _nft.GetGeneration() };

        Commit(tx => tx.AddTable(new NftTable(NftFamily.Ip, "mine")));
        seen.Add(_nft.GetGeneration());

        _ns.Nft("add", "table", "ip", "theirs");
        seen.Add(_nft.GetGeneration());

        // Another connection's commit counts as much as nft's.
        using (NftConnection other = NftConnection.Open(_ns.Name))
        {
            var tx = new NftTransaction();
            tx.AddChain(new NftChain(NftFamily.Ip, "theirs", "c"));
            other.Commit(tx);
        }

        seen.Add(_nft.GetGeneration());

        _ns.Nft("delete", "table", "ip", "theirs");
        seen.Add(_nft.GetGeneration());

        Assert.Equal(seen.Count, seen.Distinct().Count());

        // Reads, an empty transaction and a refused batch leave it where it was.
        uint now = seen[^1];
        _nft.ListTables();
        _ns.Nft("list", "ruleset");
        _nft.Commit(new NftTransaction());
        var failing = new NftTransaction();
        failing.AddTable(new NftTable(NftFamily.Ip, "never"));
        failing.DeleteTable(new NftTable(NftFamily.Ip, "missing"));
        Assert.Throws<NetlinkException>(() => _nft.Commit(failing));
        Assert.Equal(now, _nft.GetGeneration());
    }

    [Fact]
    public void ACommitPinnedToAStaleGenerationThrowsErestartAndChangesNothing()
    {
        _ns.NftLoad("table ip antrea { set s { type ipv4_addr; elements = { 10.0.0.1 }; }; }");
        uint planned = _nft.GetGeneration();

        // Someone else commits between our read and our write.
        _ns.Nft("add", "element", "ip", "antrea", "s", "{ 10.0.0.2 }");
        string before = NftOracle.Ruleset(_ns);
        uint current = _nft.GetGeneration();
        Assert.NotEqual(planned, current);

        var set = new NftSet(NftFamily.Ip, "antrea", "s", SetKeyType.Ipv4Address);
        var tx = new NftTransaction();
        tx.AddTable(new NftTable(NftFamily.Ip, "hostaccel"));
        tx.AddElements(set, [IpPrefix.Parse("10.0.0.3")]);
        NetlinkException error = Assert.Throws<NetlinkException>(() => _nft.Commit(tx, planned));
        Assert.Equal(Errno.ERESTART, error.Errno);
        Assert.Contains($"generation {planned}", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, NftOracle.Ruleset(_ns));
        Assert.Equal(current, _nft.GetGeneration());

        // Planned again against what is there now, the same transaction goes through.
        _nft.Commit(tx, _nft.GetGeneration());
        Assert.NotNull(_nft.GetTable(NftFamily.Ip, "hostaccel"));
        Assert.Equal(["10.0.0.1", "10.0.0.2", "10.0.0.3"], NftOracle.Elements(_ns, set));
        Assert.NotEqual(current, _nft.GetGeneration());
    }

    [Fact]
    public void ACommitPinnedToTheCurrentGenerationSucceedsAndMovesIt()
    {
        uint generation = _nft.GetGeneration();
        Commit(tx => tx.AddTable(new NftTable(NftFamily.Inet, "hostaccel")), generation);
        Assert.NotEqual(generation, _nft.GetGeneration());
        Assert.Equal("inet", Assert.Single(NftOracle.Objects(_ns, "table")).GetProperty("family").GetString());

        // The generation it was planned against is now stale: the same guard refuses a second use.
        NetlinkException error = Assert.Throws<NetlinkException>(() => Commit(tx => tx.AddTable(new NftTable(NftFamily.Ip, "late")), generation));
        Assert.Equal(Errno.ERESTART, error.Errno);
        Assert.Null(_nft.GetTable(NftFamily.Ip, "late"));
    }

    private void Commit(Action<NftTransaction> build, uint? generation = null)
    {
        var tx = new NftTransaction();
        build(tx);
        _nft.Commit(tx, generation);
    }
}
