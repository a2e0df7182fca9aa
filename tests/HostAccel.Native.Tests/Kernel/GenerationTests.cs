using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>The ruleset generation: moved by every commit, anyone's, and the guard against lost updates.</summary>
public sealed class GenerationTests : NamespaceTest
{

    [Fact]
    public void TheGenerationChangesWithEveryCommitOfAnyoneAndOnlyThen()
    {
        var seen = new List<uint> { Nft.GetGeneration() };

        Commit(tx => tx.AddTable(new NftTable(NftFamily.Ip, "mine")));
        seen.Add(Nft.GetGeneration());

        Ns.Nft("add", "table", "ip", "theirs");
        seen.Add(Nft.GetGeneration());

        // Another connection's commit counts as much as nft's.
        using (NftConnection other = NftConnection.Open(Ns.Name))
        {
            var tx = new NftTransaction();
            tx.AddChain(new NftChain(NftFamily.Ip, "theirs", "c"));
            other.Commit(tx);
        }

        seen.Add(Nft.GetGeneration());

        Ns.Nft("delete", "table", "ip", "theirs");
        seen.Add(Nft.GetGeneration());

        Assert.Equal(seen.Count, seen.Distinct().Count());

        // Reads, an empty transaction and a refused batch leave it where it was.
        uint now = seen[^1];
        Nft.ListTables();
        Ns.Nft("list", "ruleset");
        Nft.Commit(new NftTransaction());
        var failing = new NftTransaction();
        failing.AddTable(new NftTable(NftFamily.Ip, "never"));
        failing.DeleteTable(new NftTable(NftFamily.Ip, "missing"));
        Assert.Throws<NetlinkException>(() => Nft.Commit(failing));
        Assert.Equal(now, Nft.GetGeneration());
    }

    [Fact]
    public void ACommitPinnedToAStaleGenerationThrowsErestartAndChangesNothing()
    {
        Ns.NftLoad("table ip antrea { set s { type ipv4_addr; elements = { 10.0.0.1 }; }; }");
        uint planned = Nft.GetGeneration();

        // Someone else commits between our read and our write.
        Ns.Nft("add", "element", "ip", "antrea", "s", "{ 10.0.0.2 }");
        string before = NftOracle.Ruleset(Ns);
        uint current = Nft.GetGeneration();
        Assert.NotEqual(planned, current);

        var set = new NftSet(NftFamily.Ip, "antrea", "s", SetKeyType.Ipv4Address);
        var tx = new NftTransaction();
        tx.AddTable(new NftTable(NftFamily.Ip, "hostaccel"));
        tx.AddElements(set, [IpPrefix.Parse("10.0.0.3")]);
        NetlinkException error = Assert.Throws<NetlinkException>(() => Nft.Commit(tx, planned));
        Assert.Equal(Errno.ERESTART, error.Errno);
        Assert.Contains($"generation {planned}", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, NftOracle.Ruleset(Ns));
        Assert.Equal(current, Nft.GetGeneration());

        // Planned again against what is there now, the same transaction goes through.
        Nft.Commit(tx, Nft.GetGeneration());
        Assert.NotNull(Nft.GetTable(NftFamily.Ip, "hostaccel"));
        Assert.Equal(["10.0.0.1", "10.0.0.2", "10.0.0.3"], NftOracle.Elements(Ns, set));
        Assert.NotEqual(current, Nft.GetGeneration());
    }

    [Fact]
    public void ACommitPinnedToTheCurrentGenerationSucceedsAndMovesIt()
    {
        uint generation = Nft.GetGeneration();
        Commit(tx => tx.AddTable(new NftTable(NftFamily.Inet, "hostaccel")), generation);
        Assert.NotEqual(generation, Nft.GetGeneration());
        Assert.Equal("inet", Assert.Single(NftOracle.Objects(Ns, "table")).GetProperty("family").GetString());

        // The generation it was planned against is now stale: the same guard refuses a second use.
        NetlinkException error = Assert.Throws<NetlinkException>(() => Commit(tx => tx.AddTable(new NftTable(NftFamily.Ip, "late")), generation));
        Assert.Equal(Errno.ERESTART, error.Errno);
        Assert.Null(Nft.GetTable(NftFamily.Ip, "late"));
    }

    private void Commit(Action<NftTransaction> build, uint? generation = null)
    {
        var tx = new NftTransaction();
        build(tx);
        Nft.Commit(tx, generation);
    }
}
