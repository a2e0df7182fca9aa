using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>
/// What <see cref="NftConnection"/>'s reads ask the kernel for and how they report failures: each failure names the
/// objects it was reading; a filter by table or chain returns that table's or chain's objects only (the kernel filters
/// some dumps, the library the others); arguments are checked before anything is sent.
/// </summary>
public sealed class ConnectionReadTests : NamespaceTest
{
    private const string Ruleset = """
        table ip a {
            set s { type ipv4_addr; flags interval; elements = { 10.0.0.0/24, 10.0.2.5-10.0.3.7 }; }
            chain c1 { ip saddr 10.0.0.1 counter packets 1 bytes 10; ip saddr 10.0.0.2 counter packets 2 bytes 20; }
            chain c2 { ip saddr 10.0.0.3 counter packets 3 bytes 30; }
        }
        table ip b {
            set s { type ipv4_addr; }
            chain c1 { ip saddr 10.0.0.4 counter packets 4 bytes 40; }
        }
        table ip6 a {
            chain c3 { ip6 saddr ::1 counter packets 5 bytes 50; }
        }
        """;

    public static TheoryData<string, string> Reads => new()
    {
        { "GetGeneration", "reading the ruleset generation" },
        { "ListTables", "listing all tables" },
        { "ListTables ip6", "listing ip6 tables" },
        { "GetTable ip a", "reading table ip a" },
        { "ListChains", "listing chains of all tables" },
        { "ListChains ip6", "listing chains of ip6 tables" },
        { "ListChains ip a", "listing chains of table ip a" },
        { "ListSets ip a", "listing sets of table ip a" },
        { "ListFlowtables ip a", "listing flowtables of table ip a" },
        { "ListRules ip a", "listing rules of table ip a" },
        { "ListRules ip a c1", "listing rules of table ip a chain c1" },
        { "ListRules ip a c1 reset", "resetting counters of rules of table ip a chain c1" },
        { "ListSetElements ip a s", "listing elements of set ip a s" },
    };

    /// <summary>
    /// The socket's receive queue overflows on every datagram (injected as recv's ENOBUFS): each read gives up and its
    /// error begins with what it was reading, in the words of the objects it was about.
    /// </summary>
    [Theory]
    [MemberData(nameof(Reads))]
    public void AReadWhoseReplyIsLostSaysWhatItWasReading(string read, string operation)
    {
        Ns.NftLoad(Ruleset);
        Nft.Socket.OnReceive = _ => throw new SystemCallException("recv", Errno.ENOBUFS, "netlink socket");

        NetlinkException error = Assert.Throws<NetlinkException>(() => Read(read));

        Assert.Equal(Errno.ENOBUFS, error.Errno);
        Assert.StartsWith($"{operation}: the socket's receive queue overflowed", error.Operation, StringComparison.Ordinal);
    }

    /// <summary>The kernel's answer to a single-object read is lost and only its acknowledgement arrives.</summary>
    [Fact]
    public void ASingleObjectReadAnsweredOnlyByAnAcknowledgementIsADecodeError()
    {
        Ns.NftLoad(Ruleset);
        Nft.Socket.OnReceive = datagram =>
        {
            foreach (ReplyStream.Header message in ReplyStream.Headers(datagram))
            {
                if (message.Type is not (ReplyStream.NLMSG_ERROR or ReplyStream.NLMSG_NOOP))
                {
                    ReplyStream.Silence(datagram, message);
                }
            }

            return datagram.Length;
        };

        NetlinkDecodeException generation = Assert.Throws<NetlinkDecodeException>(() => Nft.GetGeneration());
        Assert.Equal("malformed netlink reply: NFT_MSG_NEWGEN without NFTA_GEN_ID", generation.Message);
        NetlinkDecodeException table = Assert.Throws<NetlinkDecodeException>(() => Nft.GetTable(NftFamily.Ip, "a"));
        Assert.Equal("malformed netlink reply: reading table ip a: the kernel acknowledged without answering", table.Message);

        Nft.Socket.OnReceive = null;
        Assert.Equal("a", Nft.GetTable(NftFamily.Ip, "a")?.Name);
        Assert.Null(Nft.GetTable(NftFamily.Ip, "missing"));
    }

    public static TheoryData<string, string> NullArguments => new()
    {
        { "ListRules", "table" },
        { "ResetRuleCounters table", "table" },
        { "ResetRuleCounters table, older kernel", "table" },
        { "ResetRuleCounters chain", "chain" },
        { "ResetRuleCounters chain, older kernel", "chain" },
        { "ListSetElements", "set" },
        { "ListPrefixes", "set" },
        { "ListRanges", "set" },
        { "Commit", "transaction" },
    };

    [Theory]
    [MemberData(nameof(NullArguments))]
    public void ANullArgumentIsRefusedBeforeAnythingIsSentToTheKernel(string call, string parameter)
    {
        Ns.NftLoad(Ruleset);
        string before = NftOracle.Ruleset(Ns);
        if (call.EndsWith(", older kernel", StringComparison.Ordinal))
        {
            Nft.ResetsCountersAtomically = false;
        }

        int received = 0;
        Nft.Socket.OnReceive = datagram =>
        {
            received++;
            return datagram.Length;
        };

        ArgumentNullException error = Assert.Throws<ArgumentNullException>(() => _ = call.Split(',')[0] switch
        {
            "ListRules" => Nft.ListRules(NftFamily.Ip, null!, "c1"),
            "ResetRuleCounters table" => Nft.ResetRuleCounters(NftFamily.Ip, null!, "c1"),
            "ResetRuleCounters chain" => Nft.ResetRuleCounters(NftFamily.Ip, "a", null!),
            "ListSetElements" => Nft.ListSetElements(null!),
            "ListPrefixes" => Nft.ListPrefixes(null!),
            "ListRanges" => Nft.ListRanges(null!),
            "Commit" => Commit(null!),
            _ => throw new ArgumentOutOfRangeException(nameof(call)),
        });

        Assert.Equal(parameter, error.ParamName);
        Assert.Equal(0, received);
        Assert.Equal(before, NftOracle.Ruleset(Ns));
    }

    [Fact]
    public void ListingChainsByFamilyOrTableLeavesOutEveryOtherTablesChains()
    {
        Ns.NftLoad(Ruleset);

        Assert.Equal(["ip a c1", "ip a c2", "ip b c1", "ip6 a c3"], Names(Nft.ListChains()));
        Assert.Equal(["ip a c1", "ip a c2", "ip b c1"], Names(Nft.ListChains(NftFamily.Ip)));
        Assert.Equal(["ip a c1", "ip a c2"], Names(Nft.ListChains(NftFamily.Ip, "a")));
        Assert.Equal(["ip6 a c3"], Names(Nft.ListChains(NftFamily.Ip6, "a")));

        static List<string> Names(IEnumerable<NftChain> chains) =>
            chains.Select(c => $"{c.Family.ToNftName()} {c.Table} {c.Name}").Order(StringComparer.Ordinal).ToList();
    }

    [Fact]
    public void ListingSetsOfATableLeavesOutTheSetsOfItsNamesakesAndNeighbours()
    {
        Ns.NftLoad(Ruleset);

        Assert.Equal(["ip a s", "ip b s"], Nft.ListSets().Select(s => $"{s.Family.ToNftName()} {s.Table} {s.Name}").Order(StringComparer.Ordinal));
        NftSet set = Assert.Single(Nft.ListSets(NftFamily.Ip, "a"));
        Assert.True(set.IsInterval);
        Assert.False(Assert.Single(Nft.ListSets(NftFamily.Ip, "b")).IsInterval);
        Assert.Empty(Nft.ListSets(NftFamily.Ip6, "a"));
    }

    /// <summary>
    /// This kernel has no flowtable module, so no flowtable can exist to be filtered; that the table reaches the
    /// kernel shows in the kernel's own check of it: a name longer than any table's (255 bytes) is refused.
    /// </summary>
    [Fact]
    public void ListingFlowtablesOfATableSendsTheTableToTheKernel()
    {
        Ns.NftLoad(Ruleset);
        Assert.Empty(Nft.ListFlowtables(NftFamily.Ip, "a"));
        Assert.Empty(Nft.ListFlowtables());

        string tooLong = new('x', 300);
        NetlinkException error = Assert.Throws<NetlinkException>(() => Nft.ListFlowtables(NftFamily.Ip, tooLong));
        Assert.Equal(Errno.ERANGE, error.Errno);
        Assert.Equal($"listing flowtables of table ip {tooLong}", error.Operation);
    }

    [Fact]
    public void ListingRulesOfATableOrOfOneChainReturnsExactlyTheirRules()
    {
        Ns.NftLoad(Ruleset);

        Assert.Equal(["c1 10.0.0.1", "c1 10.0.0.2", "c2 10.0.0.3"], Rules(Nft.ListRules(NftFamily.Ip, "a")));
        Assert.Equal(["c1 10.0.0.1", "c1 10.0.0.2"], Rules(Nft.ListRules(NftFamily.Ip, "a", "c1")));
        Assert.Equal(["c1 10.0.0.4"], Rules(Nft.ListRules(NftFamily.Ip, "b")));
        Assert.Equal(["c3 ::1"], Rules(Nft.ListRules(NftFamily.Ip6, "a")));
        Assert.Empty(Nft.ListRules(NftFamily.Ip, "a", "c3"));

        static List<string> Rules(IEnumerable<NftRule> rules) =>
            rules.Select(r => $"{r.Chain} {RuleText.Body(r, null).Split(' ')[2]}").ToList();
    }

    /// <summary>The reset dump zeroes what it returns, so it must ask for the one chain only: every other counter keeps counting.</summary>
    [Fact]
    public void ResettingTheCountersOfOneChainLeavesEveryOtherChainsCounters()
    {
        Ns.NftLoad(Ruleset);

        IReadOnlyList<NftRule> reset = Nft.ListRules(NftFamily.Ip, "a", "c1", resetCounters: true);

        Assert.Equal([(1, 10), (2, 20)], reset.Select(r => ((int)r.Counter!.Packets, (int)r.Counter.Bytes)));
        Assert.Equal(["ip a c1 0 0", "ip a c1 0 0", "ip a c2 3 30", "ip b c1 4 40", "ip6 a c3 5 50"], Counters());

        // Without a chain, the whole table and nothing else.
        Assert.Equal([(0, 0), (0, 0), (3, 30)], Nft.ListRules(NftFamily.Ip, "a", resetCounters: true)
            .Select(r => ((int)r.Counter!.Packets, (int)r.Counter.Bytes)));
        Assert.Equal(["ip a c1 0 0", "ip a c1 0 0", "ip a c2 0 0", "ip b c1 4 40", "ip6 a c3 5 50"], Counters());
    }

    [Fact]
    public void TheRangesOfAnIntervalSetAreListedAndASetWithoutIntervalsIsRefused()
    {
        Ns.NftLoad(Ruleset);
        NftSet interval = Assert.Single(Nft.ListSets(NftFamily.Ip, "a"));
        NftSet plain = Assert.Single(Nft.ListSets(NftFamily.Ip, "b"));

        Assert.Equal(["10.0.0.0/24", "10.0.2.5-10.0.3.7"], Nft.ListRanges(interval).Select(r => r.ToString()));

        ArgumentException error = Assert.Throws<ArgumentException>(() => Nft.ListRanges(plain));
        Assert.Equal("set", error.ParamName);
        Assert.Equal("set ip b s has no 'flags interval' (Parameter 'set')", error.Message);
    }

    /// <summary>
    /// A set element dump does not flag NLM_F_DUMP_INTR when a commit lands between two of its datagrams, but the
    /// ruleset generation in its messages moves: the dump is read again, whole, so what it returns is one state of the
    /// set, never the start of the old one joined to the end of the new one.
    /// </summary>
    [Fact]
    public void ASetElementDumpThatStraddlesACommitIsReadAgainWhole()
    {
        var set = new NftSet(NftFamily.Ip, "t", "s", SetKeyType.Ipv4Address);
        var tx = new NftTransaction();
        tx.AddTable(new NftTable(NftFamily.Ip, "t"));
        tx.AddSet(set);
        tx.AddElements(set, Enumerable.Range(0, 20_000).Select(i => IpPrefix.Create(false, 0x0A000000u + (uint)i, 32)));
        Nft.Commit(tx);

        var dumps = new List<uint>();
        Nft.Socket.OnReceive = datagram =>
        {
            List<ReplyStream.Header> messages = ReplyStream.Headers(datagram);
            if (messages.Count > 0 && messages[0].Type == ReplyStream.Nft(12) && !dumps.Contains(messages[0].Sequence))
            {
                dumps.Add(messages[0].Sequence);
                if (dumps.Count == 1)
                {
                    Ns.Nft("flush", "set", "ip", "t", "s");
                    Ns.Nft("add", "element", "ip", "t", "s", "{ 192.168.0.1 }");
                }
            }

            return datagram.Length;
        };

        IReadOnlyList<IpPrefix> prefixes = Nft.ListPrefixes(set);
        Nft.Socket.OnReceive = null;

        Assert.Equal(2, dumps.Count);
        Assert.Equal([IpPrefix.Parse("192.168.0.1")], prefixes);
        Assert.Equal(["192.168.0.1"], NftOracle.Elements(Ns, set));
    }

    /// <summary>
    /// A chain dump that straddles a commit deleting chains it already returned is read again: the list is one state
    /// of the ruleset, without the deleted chains and without a gap where the kernel's place in the old list was.
    /// </summary>
    [Fact]
    public void AChainDumpThatStraddlesACommitIsReadAgainWhole()
    {
        const int count = 2000;
        var ruleset = new System.Text.StringBuilder("table ip t {\n");
        for (int i = 0; i < count; i++)
        {
            ruleset.Append($" chain c{i:D4} {{ }}\n");
        }

        Ns.NftLoad(ruleset.Append("}\n").ToString());
        var dumps = new List<uint>();
        Nft.Socket.OnReceive = datagram =>
        {
            List<ReplyStream.Header> messages = ReplyStream.Headers(datagram);
            if (messages.Count > 0 && messages[0].Type == ReplyStream.Nft(3) && !dumps.Contains(messages[0].Sequence))
            {
                dumps.Add(messages[0].Sequence);
                if (dumps.Count == 1)
                {
                    Ns.Nft("delete", "chain", "ip", "t", "c0000");
                    Ns.Nft("delete", "chain", "ip", "t", "c0001");
                }
            }

            return datagram.Length;
        };

        IReadOnlyList<NftChain> chains = Nft.ListChains(NftFamily.Ip, "t");
        Nft.Socket.OnReceive = null;

        Assert.Equal(2, dumps.Count);
        Assert.Equal(Enumerable.Range(2, count - 2).Select(i => $"c{i:D4}"), chains.Select(c => c.Name));
        Assert.Equal(count - 2, NftOracle.Objects(Ns, "chain").Count);
    }

    private object Read(string read) => read switch
    {
        "GetGeneration" => Nft.GetGeneration(),
        "ListTables" => Nft.ListTables(),
        "ListTables ip6" => Nft.ListTables(NftFamily.Ip6),
        "GetTable ip a" => Nft.GetTable(NftFamily.Ip, "a")!,
        "ListChains" => Nft.ListChains(),
        "ListChains ip6" => Nft.ListChains(NftFamily.Ip6),
        "ListChains ip a" => Nft.ListChains(NftFamily.Ip, "a"),
        "ListSets ip a" => Nft.ListSets(NftFamily.Ip, "a"),
        "ListFlowtables ip a" => Nft.ListFlowtables(NftFamily.Ip, "a"),
        "ListRules ip a" => Nft.ListRules(NftFamily.Ip, "a"),
        "ListRules ip a c1" => Nft.ListRules(NftFamily.Ip, "a", "c1"),
        "ListRules ip a c1 reset" => Nft.ListRules(NftFamily.Ip, "a", "c1", resetCounters: true),
        "ListSetElements ip a s" => Nft.ListSetElements(new NftSet(NftFamily.Ip, "a", "s", SetKeyType.Ipv4Address) { Flags = SetFlags.Interval }),
        _ => throw new ArgumentOutOfRangeException(nameof(read)),
    };

    private object Commit(NftTransaction transaction)
    {
        Nft.Commit(transaction);
        return transaction;
    }

    /// <summary>"family table chain packets bytes" of every rule with a counter, as nft reads them.</summary>
    private List<string> Counters() =>
        NftOracle.Objects(Ns, "rule")
            .Select(r => (Rule: r, Counter: r.GetProperty("expr").EnumerateArray().Single(e => e.TryGetProperty("counter", out _)).GetProperty("counter")))
            .Select(x => $"{x.Rule.GetProperty("family").GetString()} {x.Rule.GetProperty("table").GetString()} {x.Rule.GetProperty("chain").GetString()} "
                + $"{x.Counter.GetProperty("packets").GetInt64()} {x.Counter.GetProperty("bytes").GetInt64()}")
            .Order(StringComparer.Ordinal)
            .ToList();
}
