using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Golden;

/// <summary>
/// The kernel's replies to `nft list ruleset` for seed 000 (captured in Golden/reply-*.golden) decode into the
/// seed's objects: the decoder checked against bytes it did not produce.
/// </summary>
public class GoldenDecodeTests
{
    private static List<List<T>> DecodeDumps<T>(string name, Func<NetlinkMessage, T> decode)
    {
        var dumps = new List<List<T>> { new() };
        foreach (GoldenMessage golden in GoldenFile.Read(name))
        {
            foreach (NetlinkMessage message in NetlinkMessage.Parse(golden.Bytes))
            {
                if (message.Type == NetlinkConstants.NLMSG_DONE)
                {
                    dumps.Add([]);
                }
                else
                {
                    dumps[^1].Add(decode(message));
                }
            }
        }

        return dumps.Where(d => d.Count > 0).ToList();
    }

    [Fact]
    public void TablesDecodeWithTheirComments()
    {
        List<NftTable> tables = DecodeDumps("reply-list-ruleset-gettable", m => NftTable.Decode(m)).SelectMany(d => d).ToList();
        Assert.Equal([Seed.Table(NftFamily.Ip), Seed.Table(NftFamily.Ip6)], tables.Select(t => t with { Handle = 0 }));
        Assert.All(tables, t => Assert.NotEqual(0UL, t.Handle));
    }

    [Fact]
    public void TheBaseChainDecodesWithHookPriorityPolicyAndComment()
    {
        NftChain chain = Assert.Single(DecodeDumps("reply-list-ruleset-getchain", m => NftChain.Decode(m)).SelectMany(d => d));
        Assert.Equal(Seed.Forward(NftFamily.Ip), chain with { Handle = 0 });
    }

    [Fact]
    public void SetsDecodeAndTheirElementsMergeBackIntoTheSeedCidrs()
    {
        List<NftSet> sets = DecodeDumps("reply-list-ruleset-getset", m => NftSet.Decode(m)).SelectMany(d => d).ToList();
        Assert.Equal([Seed.PeerSet(NftFamily.Ip), Seed.PeerSet(NftFamily.Ip6)], sets.Select(s => s with { Handle = 0 }));

        List<List<SetElement>> dumps = DecodeDumps("reply-list-ruleset-getsetelem", m =>
        {
            var elements = new List<SetElement>();
            SetElementDecoder.Decode(m, elements);
            return elements;
        }).Select(d => d.SelectMany(e => e).ToList()).ToList();
        Assert.Equal(2, dumps.Count);
        Assert.Equal(Seed.PeerCidrs(NftFamily.Ip), IntervalCodec.Decode(dumps[0], isV6: false));
        Assert.Equal(Seed.PeerCidrs(NftFamily.Ip6), IntervalCodec.Decode(dumps[1], isV6: true));
    }

    [Fact]
    public void RulesDecodeIntoTheExpressionsTheBuilderWrites()
    {
        // The capture namespace had eth0 = 2 and antrea-gw0 = 4.
        List<NftRule> rules = DecodeDumps("reply-list-ruleset-getrule", m => NftRule.Decode(m)).SelectMany(d => d).ToList();
        Assert.Equal(Seed.ForwardRules(gw: 4, eth: 2, flowAdd: false), rules.Select(r => r with { Handle = 0 }));
        Assert.Equal(
            $"iif \"antrea-gw0\" ip saddr 10.244.2.0/24 oif \"eth0\" ip daddr @peer-pod-cidr counter packets 0 bytes 0 comment \"{Seed.LocalToRemote}\"",
            RuleText.Body(rules[0], i => i switch { 2 => "eth0", 4 => "antrea-gw0", _ => null }));
    }

    /// <summary>A request fixture (the bytes after the nlmsghdr nft sent) as the message the kernel would read.</summary>
    private static T DecodeRequest<T>(string name, Func<NetlinkMessage, T> decode)
    {
        GoldenMessage golden = Assert.Single(GoldenFile.Read(name));
        return decode(new NetlinkMessage(golden.Type, golden.Flags, 0, 0, golden.Bytes));
    }

    [Theory]
    [InlineData("flowtable-ip-fastpath", NftFamily.Ip, FlowtableFlags.None)]
    [InlineData("flowtable-ip6-fastpath", NftFamily.Ip6, FlowtableFlags.None)]
    [InlineData("flowtable-ip-fastpath-counter", NftFamily.Ip, FlowtableFlags.Counter)]
    [InlineData("flowtable-ip-fastpath-offload", NftFamily.Ip, FlowtableFlags.HardwareOffload)]
    public void NftsFlowtablesDecodeWithTheirDevicesAndFlags(string name, NftFamily family, FlowtableFlags flags)
    {
        // This kernel has no flowtables to list, so nft's own NEWFLOWTABLE requests stand in for the kernel's
        // replies, which carry the same attributes. nft sent the devices in reverse of how they were written.
        NftFlowtable flowtable = DecodeRequest(name, m => NftFlowtable.Decode(m));
        Assert.Equal(Seed.Fastpath(family) with { Devices = new[] { "eth0", "antrea-gw0" }, Flags = flags }, flowtable);
    }

    [Fact]
    public void NftsFlowAddRuleDecodesWithItsFlowtable()
    {
        NftRule rule = DecodeRequest("rule-ip-local-to-remote-flow", m => NftRule.Decode(m));
        NftRule expected = Seed.ForwardRules(gw: 4, eth: 2, flowAdd: true)[0];

        // nft names the set added in its batch by id as well (see GoldenEncodeTests.WithSet).
        Assert.Equal(
            expected with { Expressions = expected.Expressions.Select(e => e is LookupExpression l ? l with { SetId = 1 } : e).ToArray() },
            rule);
        Assert.Contains(new FlowOffloadExpression("fastpath"), rule.Expressions);
    }

    [Fact]
    public void TheGenerationReplyCarriesAnId()
    {
        GoldenMessage reply = GoldenFile.Read("reply-list-ruleset-getgen")[0];
        foreach (NetlinkMessage message in NetlinkMessage.Parse(reply.Bytes))
        {
            AttributeReader attributes = message.Attributes;
            Assert.True(attributes.Next());
            Assert.Equal(1, attributes.Type);
            Assert.NotEqual(0u, attributes.GetU32Be());
        }
    }
}
