using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Tests.Support;
using Xunit;
using static HostAccel.Native.Nftables.NfTablesConstants;

namespace HostAccel.Native.Tests.Unit;

/// <summary>
/// What a transaction queues, kernel-free: the arguments it refuses and how, the words each message is described in
/// (what a kernel error on it will say), how the batch asks for ACKs, and how long element lists are split.
/// </summary>
public class NftTransactionTests
{
    private static readonly NftSet PeerSet4 = Seed.PeerSet(NftFamily.Ip);
    private static readonly NftSet PeerSet6 = Seed.PeerSet(NftFamily.Ip6);
    private static readonly NftSet LbIps = new(NftFamily.Ip, "antrea", "lb-ips", SetKeyType.Ipv4Address);
    private static readonly NftRule Counter = new RuleBuilder(NftFamily.Ip, "antrea", "forward").Counter().Build();

    private static readonly Dictionary<string, (Action<NftTransaction> Call, string Parameter)> NullArguments = new()
    {
        ["AddTable"] = (tx => tx.AddTable(null!), "table"),
        ["DeleteTable"] = (tx => tx.DeleteTable(null!), "table"),
        ["AddChain"] = (tx => tx.AddChain(null!), "chain"),
        ["DeleteChain"] = (tx => tx.DeleteChain(null!), "chain"),
        ["AddSet"] = (tx => tx.AddSet(null!), "set"),
        ["DeleteSet"] = (tx => tx.DeleteSet(null!), "set"),
        ["AddElements set"] = (tx => tx.AddElements(null!, [IpPrefix.Parse("10.0.0.0/8")]), "set"),
        ["AddElements prefixes"] = (tx => tx.AddElements(PeerSet4, null!), "prefixes"),
        ["DeleteElements set"] = (tx => tx.DeleteElements(null!, [IpPrefix.Parse("10.0.0.0/8")]), "set"),
        ["DeleteElements prefixes"] = (tx => tx.DeleteElements(PeerSet4, null!), "prefixes"),
        ["DeleteRanges set"] = (tx => tx.DeleteRanges(null!, [new AddressRange(false, 1, 2)]), "set"),
        ["DeleteRanges ranges"] = (tx => tx.DeleteRanges(PeerSet4, null!), "ranges"),
        ["FlushSet"] = (tx => tx.FlushSet(null!), "set"),
        ["AddFlowtable"] = (tx => tx.AddFlowtable(null!), "flowtable"),
        ["DeleteFlowtable"] = (tx => tx.DeleteFlowtable(null!), "flowtable"),
        ["DeleteFlowtableDevices flowtable"] = (tx => tx.DeleteFlowtableDevices(null!, ["eth0"]), "flowtable"),
        ["DeleteFlowtableDevices devices"] = (tx => tx.DeleteFlowtableDevices(Seed.Fastpath(NftFamily.Ip), null!), "devices"),
        ["AddRule"] = (tx => tx.AddRule(null!), "rule"),
        ["InsertRule"] = (tx => tx.InsertRule(null!, 2), "rule"),
        ["ReplaceRule"] = (tx => tx.ReplaceRule(null!), "rule"),
        ["DeleteRule"] = (tx => tx.DeleteRule(null!), "rule"),
    };

    public static TheoryData<string> NullArgumentCases => new(NullArguments.Keys);

    [Theory]
    [MemberData(nameof(NullArgumentCases))]
    public void ANullArgumentIsRefusedByNameAndQueuesNothing(string name)
    {
        var tx = new NftTransaction();
        (Action<NftTransaction> call, string parameter) = NullArguments[name];
        ArgumentNullException error = Assert.Throws<ArgumentNullException>(() => call(tx));
        Assert.Equal(parameter, error.ParamName);
        Assert.True(tx.IsEmpty);
    }

    private static readonly Dictionary<string, (Action<NftTransaction> Call, string Parameter, string? Message)> BadArguments = new()
    {
        ["ranges of a set without flags interval"] = (tx => tx.DeleteRanges(LbIps, [new AddressRange(false, 0x0a000001, 0x0a000002)]),
            "ranges", "set ip antrea lb-ips holds no such ranges"),
        ["IPv6 ranges of an IPv4 set"] = (tx => tx.DeleteRanges(PeerSet4, [new AddressRange(true, 1, 2)]),
            "ranges", "set ip antrea peer-pod-cidr holds no such ranges"),
        ["an IPv6 range among IPv4 ones"] = (tx => tx.DeleteRanges(PeerSet4, [new AddressRange(false, 1, 2), new AddressRange(true, 1, 2)]),
            "ranges", "set ip antrea peer-pod-cidr holds no such ranges"),
        ["insert before handle 0"] = (tx => tx.InsertRule(Counter, 0),
            "beforeHandle", "a rule is inserted before the handle of a rule in the kernel, not handle 0"),
        ["replace a rule without handle"] = (tx => tx.ReplaceRule(Counter),
            "rule", "rule in chain ip antrea forward has no handle: only rules read from the kernel can be replaced"),
        ["delete a rule without handle"] = (tx => tx.DeleteRule(Counter),
            "rule", "rule in chain ip antrea forward has no handle: only rules read from the kernel can be deleted"),
        ["fewer subjects than prefixes"] = (tx => tx.AddElements(PeerSet4, [IpPrefix.Parse("10.0.0.0/8"), IpPrefix.Parse("11.0.0.0/8")], subjects: ["one"]),
            "subjects", "1 subjects for 2 prefixes"),
        ["IPv4 prefix into an IPv6 set"] = (tx => tx.AddElements(PeerSet6, [IpPrefix.Parse("10.244.0.0/24")]),
            "prefixes", "10.244.0.0/24 is an IPv4 prefix; set ip6 antrea peer-pod-cidr holds IPv6 addresses"),
        ["IPv6 prefix out of an IPv4 set"] = (tx => tx.DeleteElements(PeerSet4, [IpPrefix.Parse("fd00::/64")]),
            "prefixes", "fd00::/64 is an IPv6 prefix; set ip antrea peer-pod-cidr holds IPv4 addresses"),
        ["address into a set of other keys"] = (tx => tx.AddElements(new NftSet(NftFamily.Ip, "antrea", "ports", (SetKeyType)13) { KeyLength = 2 }, [IpPrefix.Parse("10.0.0.1")]),
            "prefixes", null),
        ["range into a set without flags interval"] = (tx => tx.AddElements(LbIps, [IpPrefix.Parse("10.0.0.0/24")]),
            "prefixes", "10.0.0.0/24 is a range; set ip antrea lb-ips has no 'flags interval' and holds single addresses"),
    };

    public static TheoryData<string> BadArgumentCases => new(BadArguments.Keys);

    [Theory]
    [MemberData(nameof(BadArgumentCases))]
    public void AnArgumentTheKernelCouldNotTakeIsRefusedSayingWhyAndQueuesNothing(string name)
    {
        var tx = new NftTransaction();
        (Action<NftTransaction> call, string parameter, string? message) = BadArguments[name];
        ArgumentException error = Assert.Throws<ArgumentException>(() => call(tx));
        Assert.Equal(parameter, error.ParamName);
        if (message is not null)
        {
            Assert.Equal($"{message} (Parameter '{parameter}')", error.Message);
        }

        Assert.True(tx.IsEmpty);
    }

    private static readonly Dictionary<string, (Action<NftTransaction> Call, string Description)> Descriptions = new()
    {
        ["AddTable"] = (tx => tx.AddTable(Seed.Table(NftFamily.Ip6)), "adding table ip6 antrea"),
        ["DeleteTable"] = (tx => tx.DeleteTable(Seed.Table(NftFamily.Ip)), "deleting table ip antrea"),
        ["AddChain"] = (tx => tx.AddChain(Seed.Forward(NftFamily.Ip)), "adding chain ip antrea forward"),
        ["DeleteChain"] = (tx => tx.DeleteChain(new NftChain(NftFamily.Ip, "antrea", "regular")), "deleting chain ip antrea regular"),
        ["AddSet"] = (tx => tx.AddSet(LbIps), "adding set ip antrea lb-ips"),
        ["DeleteSet"] = (tx => tx.DeleteSet(LbIps), "deleting set ip antrea lb-ips"),
        ["AddElements one"] = (tx => tx.AddElements(PeerSet6, [IpPrefix.Parse("fd00::/64")]), "adding fd00::/64 to set ip6 antrea peer-pod-cidr"),
        ["DeleteElements two"] = (tx => tx.DeleteElements(PeerSet4, Seed.PeerCidrs(NftFamily.Ip)), "deleting 2 prefixes from set ip antrea peer-pod-cidr"),
        ["DeleteRanges one"] = (tx => tx.DeleteRanges(PeerSet4, [new AddressRange(false, 0x0a140003, 0x0a140009)]),
            "deleting 10.20.0.3-10.20.0.9 from set ip antrea peer-pod-cidr"),
        ["DeleteRanges one prefix"] = (tx => tx.DeleteRanges(PeerSet4, [new AddressRange(false, 0x0a140000, 0x0a1400ff)]),
            "deleting 10.20.0.0/24 from set ip antrea peer-pod-cidr"),
        ["DeleteRanges three"] = (tx => tx.DeleteRanges(PeerSet4, [new AddressRange(false, 3, 9), new AddressRange(false, 20, 30), new AddressRange(false, 40, 40)]),
            "deleting 3 ranges from set ip antrea peer-pod-cidr"),
        ["FlushSet"] = (tx => tx.FlushSet(PeerSet4), "flushing set ip antrea peer-pod-cidr"),
        ["AddFlowtable"] = (tx => tx.AddFlowtable(Seed.Fastpath(NftFamily.Ip6)), "adding flowtable ip6 antrea fastpath"),
        ["DeleteFlowtable"] = (tx => tx.DeleteFlowtable(Seed.Fastpath(NftFamily.Ip)), "deleting flowtable ip antrea fastpath"),
        ["DeleteFlowtableDevices"] = (tx => tx.DeleteFlowtableDevices(Seed.Fastpath(NftFamily.Ip), ["eth0", "antrea-gw0"]),
            "deleting devices eth0, antrea-gw0 from flowtable ip antrea fastpath"),
        ["AddRule second"] = (tx =>
        {
            tx.AddRule(Counter);
            tx.AddRule(Counter);
        }, "adding rule 2 to chain ip antrea forward"),
        ["InsertRule"] = (tx => tx.InsertRule(Counter, beforeHandle: 7), "inserting a rule before handle 7 in chain ip antrea forward"),
        ["ReplaceRule"] = (tx => tx.ReplaceRule(Counter with { Handle = 5 }), "replacing rule handle 5 in chain ip antrea forward"),
        ["DeleteRule"] = (tx => tx.DeleteRule(Counter with { Handle = 5 }), "deleting rule handle 5 from chain ip antrea forward"),
    };

    public static TheoryData<string> DescriptionCases => new(Descriptions.Keys);

    /// <summary>The description is what a kernel error on the message says it was doing (NetlinkException.Operation).</summary>
    [Theory]
    [MemberData(nameof(DescriptionCases))]
    public void EachMessageIsDescribedInTheWordsOfItsObject(string name)
    {
        var tx = new NftTransaction();
        (Action<NftTransaction> call, string description) = Descriptions[name];
        call(tx);
        Assert.Equal(description, tx.Entries[^1].Description);
    }

    [Fact]
    public void OnlyTheLastMessageOfABatchAsksForAnAckUnlessEachIsAskedTo()
    {
        var tx = new NftTransaction();
        tx.AddTable(Seed.Table(NftFamily.Ip));
        tx.AddChain(Seed.Forward(NftFamily.Ip));
        tx.AddRule(Counter);

        Assert.Equal([false, false, false, true, false], Encode(tx, ackEach: false).Select(m => (m.Flags & NetlinkConstants.NLM_F_ACK) != 0));
        Assert.Equal([false, true, true, true, false], Encode(tx, ackEach: true).Select(m => (m.Flags & NetlinkConstants.NLM_F_ACK) != 0));
    }

    [Fact]
    public void AnEmptyListOfPrefixesQueuesNoMessage()
    {
        var tx = new NftTransaction();
        tx.AddElements(PeerSet4, []);
        tx.DeleteElements(LbIps, []);
        Assert.True(tx.IsEmpty);
    }

    /// <summary>
    /// The elements nested attribute of a message must stay under 64 KiB: a message holds as many elements as fit in
    /// 60 KiB at the largest an element can take (list entry 4, flags 8, key nest 4 + value 4 + the key, open-interval
    /// userdata 12), and the next message takes the rest.
    /// </summary>
    [Theory]
    [InlineData(false, 61440 / (4 + 8 + 4 + 4 + 4 + 12))]
    [InlineData(true, 61440 / (4 + 8 + 4 + 4 + 16 + 12))]
    public void ALongElementListIsSplitIntoMessagesAsFullAsTheAttributeLimitAllows(bool ipv6, int perMessage)
    {
        NftSet set = Seed.PeerSet(ipv6 ? NftFamily.Ip6 : NftFamily.Ip);

        // No two touch: a start and an end element each.
        IpPrefix[] prefixes = Enumerable.Range(0, perMessage / 2 + 10)
            .Select(i => IpPrefix.Create(ipv6, (UInt128)0x0A000000u + (UInt128)i * 8, ipv6 ? 125 : 29))
            .ToArray();
        var tx = new NftTransaction();
        tx.AddElements(set, prefixes);

        List<(ushort Type, ushort Flags, byte[] Payload)> messages = Encode(tx, ackEach: false)[1..^1];
        List<int> counts = messages.Select(m => Elements(m.Payload, set.KeyLength).Count).ToList();
        Assert.Equal([perMessage, 20], counts);
        Assert.Equal(IntervalCodec.Encode(prefixes), messages.SelectMany(m => Elements(m.Payload, set.KeyLength)));
    }

    /// <summary>
    /// A range that is a prefix is deleted by the same elements as the prefix (checked against nft by the
    /// element-ip-delete-one-cidr capture), in address order whatever the order of the ranges, and an interval to the
    /// end of the address space keeps its open-interval mark and has no end element.
    /// </summary>
    [Theory]
    [InlineData(false, "10.244.1.0/24", "10.244.0.0/24", "255.255.255.0/24")]
    [InlineData(false, "255.255.255.255/32", "10.20.0.3/32")]
    [InlineData(true, "ffff::/16", "fd00:10:244::/64")]
    [InlineData(true, "fd00:10:244:1::/64", "::ffff:ffff/128", "fd00:10:244::/64")]
    public void DeletingRangesThatArePrefixesWritesTheMessageOfDeletingThePrefixes(bool ipv6, params string[] texts)
    {
        NftSet set = Seed.PeerSet(ipv6 ? NftFamily.Ip6 : NftFamily.Ip);
        IpPrefix[] prefixes = texts.Select(IpPrefix.Parse).ToArray();

        var byRange = new NftTransaction();
        byRange.DeleteRanges(set, prefixes.Select(p => new AddressRange(ipv6, p.Value, p.Last)).ToList());
        var byPrefix = new NftTransaction();
        byPrefix.DeleteElements(set, prefixes);

        (ushort Type, ushort Flags, byte[] Payload) expected = Encode(byPrefix, ackEach: false)[1];
        (ushort Type, ushort Flags, byte[] Payload) actual = Encode(byRange, ackEach: false)[1];
        Assert.Equal(expected.Type, actual.Type);
        Assert.Equal(expected.Flags, actual.Flags);
        Assert.True(expected.Payload.AsSpan().SequenceEqual(actual.Payload), GoldenFile.Diff(expected.Payload, actual.Payload));
    }

    /// <summary>The elements of an element-list message, whatever the types of its list entries (nft numbers them).</summary>
    private static List<SetElement> Elements(byte[] payload, int keyLength)
    {
        var elements = new List<SetElement>();
        var message = new AttributeReader(payload.AsSpan(4));
        while (message.Next())
        {
            if (message.Type != NFTA_SET_ELEM_LIST_ELEMENTS)
            {
                continue;
            }

            AttributeReader list = message.Nested();
            while (list.Next())
            {
                AttributeReader element = list.Nested();
                UInt128 key = 0;
                bool end = false;
                while (element.Next())
                {
                    if (element.Type == NFTA_SET_ELEM_FLAGS)
                    {
                        end = (element.GetU32Be() & NFT_SET_ELEM_INTERVAL_END) != 0;
                    }
                    else if (element.Type == NFTA_SET_ELEM_KEY)
                    {
                        AttributeReader data = element.Nested();
                        Assert.True(data.Next());
                        Assert.Equal(keyLength, data.Payload.Length);
                        key = IpPrefix.FromBytes(data.Payload);
                    }
                }

                elements.Add(new SetElement(key, end));
            }
        }

        return elements;
    }

    private static List<(ushort Type, ushort Flags, byte[] Payload)> Encode(NftTransaction tx, bool ackEach)
    {
        var writer = new NetlinkWriter();
        uint sequence = 0;
        tx.Encode(writer, () => ++sequence, generation: null, ackEach);
        var messages = new List<(ushort, ushort, byte[])>();
        foreach (NetlinkMessage message in NetlinkMessage.Parse(writer.WrittenSpan))
        {
            messages.Add((message.Type, message.Flags, message.Payload.ToArray()));
        }

        return messages;
    }
}
