using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Golden;

/// <summary>
/// Every message the library writes, byte for byte against what `nft` 1.0.6 sent for the same command (captured
/// by Golden/capture.sh). Compared after the 16-byte header; the type and flags are compared too, except NLM_F_ACK,
/// which HostAccel sets on the last message of a batch to learn that it committed.
/// </summary>
public class GoldenEncodeTests
{
    // The devices of the capture namespace (see the fixtures' comments).
    private const uint Eth0 = 2;
    private const uint AntreaGw0 = 4;

    private static readonly NftSet PeerSet4 = Seed.PeerSet(NftFamily.Ip);
    private static readonly NftSet PeerSet6 = Seed.PeerSet(NftFamily.Ip6);
    private static readonly NftSet LbIps = new(NftFamily.Ip, "antrea", "lb-ips", SetKeyType.Ipv4Address);

    public static TheoryData<string> Cases => new(Builders.Keys);

    private static readonly Dictionary<string, Action<NftTransaction>> Builders = new()
    {
        ["table-ip-antrea-comment"] = tx => tx.AddTable(Seed.Table(NftFamily.Ip)),
        ["table-ip6-antrea-comment"] = tx => tx.AddTable(Seed.Table(NftFamily.Ip6)),
        ["table-inet-hostaccel"] = tx => tx.AddTable(new NftTable(NftFamily.Inet, "hostaccel")),
        ["table-ip-plain"] = tx => tx.AddTable(new NftTable(NftFamily.Ip, "plain")),
        ["chain-ip-forward-accept-comment"] = tx => tx.AddChain(Seed.Forward(NftFamily.Ip)),
        ["chain-ip-forward-accept-nocomment"] = tx => tx.AddChain(Seed.Forward(NftFamily.Ip) with { Comment = null }),
        ["chain-ip-forward-drop-comment"] = tx => tx.AddChain(Seed.Forward(NftFamily.Ip) with { Base = Seed.Forward(NftFamily.Ip).Base! with { Policy = ChainPolicy.Drop } }),
        ["chain-ip-forward-drop-nocomment"] = tx => tx.AddChain(Seed.Forward(NftFamily.Ip) with { Comment = null, Base = Seed.Forward(NftFamily.Ip).Base! with { Policy = ChainPolicy.Drop } }),
        ["chain-ip-regular"] = tx => tx.AddChain(new NftChain(NftFamily.Ip, "antrea", "regular")),
        ["set-ip-peer-pod-cidr"] = tx => tx.AddSet(PeerSet4),
        ["set-ip6-peer-pod-cidr"] = tx => tx.AddSet(PeerSet6),
        ["set-ip-peer-pod-cidr-nocomment"] = tx => tx.AddSet(PeerSet4 with { Comment = null }),
        ["set-ip-lb-ips"] = tx => tx.AddSet(LbIps),
        ["set-ip-peer-pod-cidr-with-elements"] = tx => WithSet(tx, PeerSet4).AddElements(PeerSet4, Prefixes("10.244.0.0/24", "10.244.1.0/24")),
        ["element-ip-add-two-cidrs"] = tx => WithSet(tx, PeerSet4).AddElements(PeerSet4, Prefixes("10.244.0.0/24", "10.244.1.0/24")),
        ["element-ip-add-adjacent-cidr"] = tx =>
        {
            WithSet(tx, PeerSet4).AddElements(PeerSet4, Prefixes("10.244.0.0/24"));
            tx.AddElements(PeerSet4, Prefixes("10.244.1.0/24"));
        },
        ["element-ip-add-one-cidr"] = tx => WithSet(tx, PeerSet4).AddElements(PeerSet4, Prefixes("10.244.0.0/24")),
        ["element-ip-add-prefix9"] = tx => WithSet(tx, PeerSet4).AddElements(PeerSet4, Prefixes("10.0.0.0/9")),
        ["element-ip-add-single-address"] = tx => WithSet(tx, PeerSet4).AddElements(PeerSet4, Prefixes("192.168.1.7")),
        ["element-ip-add-end-of-space-24"] = tx => WithSet(tx, PeerSet4).AddElements(PeerSet4, Prefixes("255.255.255.0/24")),
        ["element-ip-add-end-of-space-8"] = tx => WithSet(tx, PeerSet4).AddElements(PeerSet4, Prefixes("255.0.0.0/8")),
        ["element-ip-add-whole-space"] = tx => WithSet(tx, PeerSet4).AddElements(PeerSet4, Prefixes("0.0.0.0/0")),
        ["element-ip6-add-two-cidrs"] = tx => WithSet(tx, PeerSet6).AddElements(PeerSet6, Prefixes("fd00:10:244::/64", "fd00:10:244:1::/64")),
        ["element-ip6-add-end-of-space-16"] = tx => WithSet(tx, PeerSet6).AddElements(PeerSet6, Prefixes("ffff::/16")),
        ["element-ip-add-lb-ips"] = tx => WithSet(tx, LbIps).AddElements(LbIps, Prefixes("172.18.0.151")),
        ["element-ip-delete-one-cidr"] = tx => tx.DeleteElements(PeerSet4, Prefixes("10.244.0.0/24")),
        ["element-ip-delete-range"] = tx => tx.DeleteRanges(PeerSet4, [new AddressRange(false, 0x0a140003, 0x0a140009)]),
        ["set-ip-flush"] = tx => tx.FlushSet(PeerSet4),
        ["flowtable-ip-fastpath"] = tx => tx.AddFlowtable(Seed.Fastpath(NftFamily.Ip) with { Devices = new[] { "eth0", "antrea-gw0" } }),
        ["flowtable-ip-fastpath-counter"] = tx => tx.AddFlowtable(Seed.Fastpath(NftFamily.Ip) with { Devices = new[] { "eth0", "antrea-gw0" }, Flags = FlowtableFlags.Counter }),
        ["flowtable-ip6-fastpath"] = tx => tx.AddFlowtable(Seed.Fastpath(NftFamily.Ip6) with { Devices = new[] { "eth0", "antrea-gw0" } }),
        ["flowtable-ip-fastpath-offload"] = tx => tx.AddFlowtable(Seed.Fastpath(NftFamily.Ip) with { Devices = new[] { "eth0", "antrea-gw0" }, Flags = FlowtableFlags.HardwareOffload }),
        ["rule-ip-local-to-remote"] = tx => WithSet(tx, PeerSet4).AddRule(Seed.ForwardRules(AntreaGw0, Eth0, flowAdd: false)[0]),
        ["rule-ip-remote-to-local"] = tx => WithSet(tx, PeerSet4).AddRule(Seed.ForwardRules(AntreaGw0, Eth0, flowAdd: false)[1]),
        ["rule-ip-local-to-remote-flow"] = tx => WithSet(tx, PeerSet4).AddRule(Seed.ForwardRules(AntreaGw0, Eth0, flowAdd: true)[0]),
        ["rule-ip-remote-to-local-flow"] = tx => WithSet(tx, PeerSet4).AddRule(Seed.ForwardRules(AntreaGw0, Eth0, flowAdd: true)[1]),
        ["rule-ip-local-to-remote-flow-threshold"] = tx => WithSet(tx, PeerSet4).AddRule(new RuleBuilder(NftFamily.Ip, "antrea", "forward").Iif(AntreaGw0)
            .SourceAddress(IpPrefix.Parse("10.244.2.0/24")).Oif(Eth0).DestinationInSet("peer-pod-cidr", ipv6: false).CtPacketsGreaterThan(20).FlowAdd("fastpath").Counter()
            .Build("Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs")),
        ["rule-ip-ct-packets-gt-counter"] = tx => tx.AddRule(Rule().CtPacketsGreaterThan(20).Counter().Build()),
        ["rule-ip-oif-daddr-counter"] = tx => tx.AddRule(Rule().Oif(AntreaGw0).DestinationAddress(IpPrefix.Parse("169.254.0.252")).Counter().Build()),
        ["rule-ip-iif-saddr-oif-daddr-counter"] = tx => tx.AddRule(Rule().Iif(AntreaGw0).SourceAddress(IpPrefix.Parse("169.254.0.253")).Oif(Eth0).DestinationAddress(IpPrefix.Parse("10.10.1.0/24")).Counter().Build()),
        ["rule-ip-saddr-daddr-counter"] = tx => tx.AddRule(Rule().SourceAddress(IpPrefix.Parse("172.18.0.2")).DestinationAddress(IpPrefix.Parse("10.10.1.0/24")).Counter().Build()),
        ["rule-ip-saddr-prefix9-counter"] = tx => tx.AddRule(Rule().SourceAddress(IpPrefix.Parse("10.0.0.0/9")).Counter().Build()),
        ["rule-ip-iifname-oifname-accept"] = tx => tx.AddRule(Rule().IifName("eth0").OifName("antrea-gw0").Accept().Build()),
        ["rule-ip-ct-state-accept"] = tx => tx.AddRule(Rule().CtState(CtState.Established | CtState.Related).Accept().Build()),
        ["rule-ip-l4proto-tcp-drop"] = tx => tx.AddRule(Rule().L4Proto(6).Counter().Drop().Build()),
        ["rule-ip-counter"] = tx => tx.AddRule(Rule().Counter().Build()),
        ["rule-ip-counter-explicit-zero"] = tx => tx.AddRule(Rule().Counter().Build()),
        ["rule-ip6-local-to-remote"] = tx => WithSet(tx, PeerSet6).AddRule(new RuleBuilder(NftFamily.Ip6, "antrea", "forward").Iif(AntreaGw0).SourceAddress(IpPrefix.Parse("fd00:10:244:2::/64"))
            .Oif(Eth0).DestinationInSet("peer-pod-cidr", ipv6: true).Counter().Build("Accelerate IPv6 connections: local Pod CIDR to remote Pod CIDRs")),
        ["rule-inet-nfproto-ipv4-saddr"] = tx => tx.AddRule(new RuleBuilder(NftFamily.Inet, "hostaccel", "forward").SourceAddress(IpPrefix.Parse("10.244.2.0/24")).Counter().Build()),
        ["delete-table-ip-antrea"] = tx => tx.DeleteTable(Seed.Table(NftFamily.Ip)),
        ["delete-chain-ip-regular"] = tx => tx.DeleteChain(new NftChain(NftFamily.Ip, "antrea", "regular")),
        ["delete-set-ip-lb-ips"] = tx => tx.DeleteSet(LbIps),
        ["delete-rule-ip-handle"] = tx => tx.DeleteRule(Rule().Counter().Build() with { Handle = 2 }),
        ["delete-flowtable-ip-fastpath"] = tx => tx.DeleteFlowtable(Seed.Fastpath(NftFamily.Ip)),
        ["insert-rule-ip-position"] = tx => tx.InsertRule(Rule().Counter().Build(), beforeHandle: 2),
        ["replace-rule-ip-handle"] = tx => tx.ReplaceRule(Rule().Counter().Build() with { Handle = 2, Comment = "counted again" }),
        ["delete-flowtable-ip-fastpath-devices"] = tx => tx.DeleteFlowtableDevices(Seed.Fastpath(NftFamily.Ip), ["eth0"]),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void EncodesExactlyWhatNftSent(string name)
    {
        IReadOnlyList<GoldenMessage> expected = GoldenFile.Read(name);
        var tx = new NftTransaction();
        Builders[name](tx);

        // Messages that only set the stage (a set the case refers to by id) come first and are not compared.
        List<GoldenMessage> actual = Encode(tx);
        AssertSameMessages(expected, actual.Skip(actual.Count - expected.Count).ToList(), name);
    }

    private static void AssertSameMessages(IReadOnlyList<GoldenMessage> expected, IReadOnlyList<GoldenMessage> actual, string name)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Type, actual[i].Type);
            Assert.Equal(expected[i].Flags, (ushort)(actual[i].Flags & ~NetlinkConstants.NLM_F_ACK));
            Assert.True(expected[i].Bytes.AsSpan().SequenceEqual(actual[i].Bytes), $"{name}, message {i + 1}\n{GoldenFile.Diff(expected[i].Bytes, actual[i].Bytes)}");
        }
    }

    [Fact]
    public void EncodesSeed000AsOneBatchExactlyAsNftFDid()
    {
        IReadOnlyList<GoldenMessage> expected = GoldenFile.Read("batch-ruleset-antrea");
        var tx = new NftTransaction();
        tx.AddTable(Seed.Table(NftFamily.Ip));
        tx.AddChain(Seed.Forward(NftFamily.Ip));
        tx.AddSet(PeerSet4);
        tx.AddElements(PeerSet4, Seed.PeerCidrs(NftFamily.Ip));
        foreach (NftRule rule in Seed.ForwardRules(AntreaGw0, Eth0, flowAdd: false))
        {
            tx.AddRule(rule);
        }

        tx.AddTable(Seed.Table(NftFamily.Ip6));
        tx.AddSet(PeerSet6);
        tx.AddElements(PeerSet6, Seed.PeerCidrs(NftFamily.Ip6));

        AssertSameMessages(expected, Encode(tx), "batch-ruleset-antrea");
    }

    [Fact]
    public void EveryCapturedWriteHasACase()
    {
        string[] captured = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Golden"), "*.golden")
            .Select(f => Path.GetFileNameWithoutExtension(f)!)
            .Where(n => !n.StartsWith("reply-", StringComparison.Ordinal) && !n.StartsWith("batch-", StringComparison.Ordinal))
            .Order().ToArray();
        Assert.Equal(captured, Builders.Keys.Order());
    }

    private static RuleBuilder Rule() => new(NftFamily.Ip, "antrea", "forward");

    private static IpPrefix[] Prefixes(params string[] texts) => texts.Select(IpPrefix.Parse).ToArray();

    /// <summary>
    /// nft names a set by its id as well as its name whenever it knows one (its cache numbers sets from 1), even for
    /// a set that already exists; the library does so for a set added in the same batch. Such cases add the set
    /// first, which gives it id 1 too, and compare the message after it.
    /// </summary>
    private static NftTransaction WithSet(NftTransaction tx, NftSet set)
    {
        tx.AddSet(set);
        return tx;
    }

    private static List<GoldenMessage> Encode(NftTransaction tx)
    {
        var writer = new NetlinkWriter();
        uint sequence = 0;
        tx.Encode(writer, () => ++sequence, generation: null);
        var messages = new List<GoldenMessage>();
        foreach (NetlinkMessage message in NetlinkMessage.Parse(writer.WrittenSpan))
        {
            if (message.Type is not (NetlinkConstants.NFNL_MSG_BATCH_BEGIN or NetlinkConstants.NFNL_MSG_BATCH_END))
            {
                messages.Add(new GoldenMessage(message.Type, message.Flags, message.Payload.ToArray()));
            }
        }

        return messages;
    }
}
