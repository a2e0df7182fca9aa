using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Tests.Support;
using Xunit;
using static HostAccel.Native.Netlink.NetlinkConstants;

namespace HostAccel.Native.Tests.Fuzz;

/// <summary>
/// What the decoder fuzzer found, kept: the minimized input of each finding, the same bug written plainly, and, where
/// a real kernel can produce it, the kernel doing so. A finding whose fix is pending goes in
/// <see cref="DecoderFuzzTests.KnownBugs"/> with its test skipped; all of them are fixed now.
/// </summary>
public sealed class DecoderFuzzRegressionTests
{
    [Fact]
    public void TwoIntervalStartsAtAddressZeroAreAMalformedReplyNotAnArgumentException()
    {
        // NEWSETELEM whose element list holds (among padding) two elements keyed 0.0.0.0, neither an interval end.
        byte[] minimized = Convert.FromHexString(
            "C0000000000000000000000000000000000000000B000000000000000000000012000000000000000000000000000000000000008C00030018000000000000000000" +
            "000000000000000000000000000010000000000000000000000000000000180000000000000000000000000000000000000000000000100000000000000000000000" +
            "000000001C0001000C00010008000100000000000C00000000000000000000001C0001000C00010008000100000000000C0000000000000000000000");
        Assert.Null(DecoderHarness.Run(minimized));

        Exception? plain = Record.Exception(() => IntervalCodec.Decode([new SetElement(0, false), new SetElement(0, false)], isV6: false));
        Assert.True(plain is null or NetlinkDecodeException, plain?.ToString());
    }

    [Fact]
    public void AnErrorEchoingASequenceOutsideTheBatchIsAMalformedReply()
    {
        // NLMSG_ERROR for sequence 1002 (in the batch), errno -16777216, echoed header all zeros (sequence 0).
        byte[] minimized = Convert.FromHexString("3C00000002000000EA03000000000000000000FF20000000000000000000000000000000000000000000000000000000000000000000000000000000");
        Assert.Null(DecoderHarness.Run(minimized));

        byte[] plain = FuzzCorpus.Error(-2, capped: true, "No such file or directory", 20, sequence: DecoderHarness.BatchFirst + 1, originalSequence: 3);
        Assert.Null(DecoderHarness.Run(plain));
    }

    [Fact]
    public void ARuleWithTwoCountersHasNoSingleCounter()
    {
        byte[] minimized = Convert.FromHexString(
            "00020000000000000000000000000000000000000B00000000000000000000000C00000000000000000000000C0000000000000000000000C8010400240000000000" +
            "0000000000000000000000000000000000000000000000000000000000000000002C000000000000000000000000000000000000000000000000000000000000000000" +
            "0000000000000000000000340000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000002C0000" +
            "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000240000000000000000000000000000000000000000000000" +
            "00000000000000000000002C000000000000000000000000000000000000000000000000000000000000000000000000000000000000003400000000000000000000" +
            "000000000000000000000000000000000000000000000000000000000000000000000000000000000038000000000000000000000000000000000000000000000000" +
            "000000000000000000000000000000000000000000000000000000000000002C0001000C000100636F756E746572001C00000000000000000000000000000000000000" +
            "00000000000000002C0001000C000100636F756E746572001C00000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
            "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000");
        Assert.Null(DecoderHarness.Run(minimized));

        NftRule rule = NftRule.Decode(Message(NfTablesConstants.NFT_MSG_NEWRULE, w =>
            new NftRule(NftFamily.Ip, "t", "c", new Expression[] { new CounterExpression(1, 60), new CounterExpression(2, 120) }).Encode(w)));
        Assert.Null(rule.Counter);
    }

    [Fact]
    public void AChainAtTheLowestPriorityRendersAsNumber()
    {
        byte[] minimized = Convert.FromHexString(
            "8C000000000000000000000000000000000000000C00000000000000000000000C0000000000000000000000140004000800010000000000080002008000000008" +
            "000000000000000B00000000000000000000000800000000000000080000000000000026000000000000000000000000000000000000000000000000000000000000" +
            "000000000000000000");
        Assert.Null(DecoderHarness.Run(minimized));

        NftChain chain = NftChain.Decode(Message(NfTablesConstants.NFT_MSG_NEWCHAIN, w =>
            new NftChain(NftFamily.Ip, "t", "c") { Base = new BaseChain("filter", ChainHook.Forward, int.MinValue) }.Encode(w)));
        Assert.Equal("chain ip t c { type filter hook forward priority -2147483648; policy accept; }", chain.ToString());
        NftFlowtable flowtable = NftFlowtable.Decode(Message(NfTablesConstants.NFT_MSG_NEWFLOWTABLE, w =>
            new NftFlowtable(NftFamily.Ip, "t", "f") { Priority = int.MinValue }.Encode(w)));
        Assert.Contains("priority -2147483648;", flowtable.ToString(), StringComparison.Ordinal);
    }

    private static NetlinkMessage Message(ushort type, Action<NetlinkWriter> attributes)
    {
        var writer = new NetlinkWriter();
        int start = writer.BeginMessage((ushort)((NFNL_SUBSYS_NFTABLES << 8) | type), NLM_F_MULTI, 1);
        writer.WriteNfGenMsg((byte)NftFamily.Ip);
        attributes(writer);
        writer.EndMessage(start);
        byte[] bytes = writer.WrittenSpan.ToArray();
        return new NetlinkMessage(type, NLM_F_MULTI, 1, 0, bytes.AsSpan(NLMSG_HDRLEN));
    }
}

/// <summary>The two findings a real kernel produces, produced by it: nft writes them, HostAccel reads them back.</summary>
public sealed class DecoderFuzzKernelRegressionTests : NamespaceTest
{
    [Fact]
    public void AChainTheKernelHoldsAtTheLowestPriorityCanBeShown()
    {
        Ns.NftLoad("table ip t {\n chain c {\n type filter hook forward priority -2147483648;\n }\n}\n");
        NftChain chain = Assert.Single(Nft.ListChains(NftFamily.Ip, "t"));
        Assert.Equal(int.MinValue, chain.Base?.Priority);
        Assert.Contains("priority -2147483648;", chain.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ARuleTheKernelHoldsWithTwoCountersHasNoSingleCounter()
    {
        Ns.NftLoad("table ip t {\n chain c {\n type filter hook forward priority filter;\n counter counter accept\n }\n}\n");
        NftRule rule = Assert.Single(Nft.ListRules(NftFamily.Ip, "t", "c"));
        Assert.Equal(2, rule.Expressions.OfType<CounterExpression>().Count());
        Assert.Null(rule.Counter);
    }
}
