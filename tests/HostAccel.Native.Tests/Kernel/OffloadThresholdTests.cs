using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>
/// The offload threshold's statement, <c>ct packets &gt; N</c>, in a real kernel: written by HostAccel, nft reads the
/// statement back; written by nft, HostAccel reads the same expressions and statement. (<c>flow add</c> itself needs a
/// flowtable, which this host's kernel lacks: the whole threshold rule is checked in the VM.)
/// </summary>
public sealed class OffloadThresholdTests : NamespaceTest
{
    private const string Setup = "table ip antrea { chain forward { type filter hook forward priority filter; policy accept; }; }";

    [Fact]
    public void HostAccelsCtPacketsCompareIsWhatNftListsAsCtPacketsGreaterThanAndTurnsAccountingOn()
    {
        Ns.NftLoad(Setup);
        // Without accounting every count would stay 0 and nothing would ever be offloaded; nft_ct turns it on.
        Ns.Exec("sysctl", "-qw", "net.netfilter.nf_conntrack_acct=0");
        var tx = new NftTransaction();
        tx.AddRule(new RuleBuilder(NftFamily.Ip, "antrea", "forward").CtPacketsGreaterThan(20).Counter().Build());
        Nft.Commit(tx);

        Assert.Contains("ct packets > 20 counter packets 0 bytes 0", Ns.Nft("list", "chain", "ip", "antrea", "forward"), StringComparison.Ordinal);
        NftRule read = Assert.Single(Nft.ListRules(NftFamily.Ip, "antrea", "forward"));
        Assert.Equal(new CtPacketsStatement(CmpOp.Gt, 20), RuleStatements.Parse(read)[0]);
        Assert.Equal("ct packets > 20 counter packets 0 bytes 0", RuleText.Body(read, _ => null));
        Assert.Equal("1", Ns.Exec("sysctl", "-n", "net.netfilter.nf_conntrack_acct").Trim());
    }

    [Theory]
    [InlineData("ct packets > 20", CmpOp.Gt, 20UL)]
    [InlineData("ct packets >= 4294967296", CmpOp.Gte, 4294967296UL)]
    [InlineData("ct packets < 3", CmpOp.Lt, 3UL)]
    public void NftsCtPacketsComparesReadAsTheirStatement(string statement, CmpOp op, ulong packets)
    {
        Ns.NftLoad(Setup);
        Ns.Nft("add", "rule", "ip", "antrea", "forward", statement, "counter");

        NftRule read = Assert.Single(Nft.ListRules(NftFamily.Ip, "antrea", "forward"));
        Assert.Equal(new CtPacketsStatement(op, packets), RuleStatements.Parse(read)[0]);
        Assert.StartsWith(statement + " counter", RuleText.Body(read, _ => null), StringComparison.Ordinal);
    }

    [Fact]
    public void ThePrintedStatementPastedIntoNftMakesTheSameRule()
    {
        Ns.NftLoad(Setup);
        var tx = new NftTransaction();
        tx.AddRule(new RuleBuilder(NftFamily.Ip, "antrea", "forward").CtPacketsGreaterThan(7).Counter().Build());
        Nft.Commit(tx);
        NftRule ours = Assert.Single(Nft.ListRules(NftFamily.Ip, "antrea", "forward"));

        Ns.Nft("add", "rule", "ip", "antrea", "forward", RuleText.Body(ours with { Expressions = ours.Expressions.AsSpan()[..^1].ToArray() }, _ => null), "counter");
        NftRule theirs = Nft.ListRules(NftFamily.Ip, "antrea", "forward")[1];
        Assert.Equal(ours.Expressions, theirs.Expressions);
    }
}
