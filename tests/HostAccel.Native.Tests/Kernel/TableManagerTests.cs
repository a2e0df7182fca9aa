using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

public sealed class TableManagerTests : NamespaceTest
{
    [Fact]
    public void TheManagerMarkRoundTripsAndNftStillShowsTheCommentAndNothingElse()
    {
        var tx = new NftTransaction();
        tx.AddTable(new NftTable(NftFamily.Ip, "antrea") { Comment = "Rules for Antrea", Manager = "hostaccel" });
        tx.AddTable(new NftTable(NftFamily.Ip6, "antrea") { Manager = "hostaccel" });
        Nft.Commit(tx);

        Assert.Equal(
            [new NftTable(NftFamily.Ip, "antrea") { Comment = "Rules for Antrea", Manager = "hostaccel" }, new NftTable(NftFamily.Ip6, "antrea") { Manager = "hostaccel" }],
            Nft.ListTables().Select(t => t with { Handle = 0 }));
        Assert.Equal("table ip antrea { comment \"Rules for Antrea\" } table ip6 antrea { }", Seed.Fold(Ns.Nft("list", "ruleset")));
        // nft 1.0.6's JSON leaves table comments out; it must still read both tables.
        Assert.Equal(2, NftOracle.Objects(Ns, "table").Count);
    }

    [Fact]
    public void ATableNftMadeWithTheSameCommentHasNoManager()
    {
        Ns.NftLoad("table ip antrea { comment \"Rules for Antrea\"; }");
        NftTable table = Assert.Single(Nft.ListTables());
        Assert.Equal("Rules for Antrea", table.Comment);
        Assert.Null(table.Manager);
    }
}
