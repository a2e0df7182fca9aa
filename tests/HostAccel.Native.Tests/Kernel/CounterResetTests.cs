using System.Text;
using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>
/// <see cref="NftConnection.ResetRuleCounters"/> and the reset dump under it, with counters set to known values by
/// nft (<c>counter packets N bytes M</c>) rather than by traffic: which rules the replacing reset replaces, what it
/// says when the kernel's notices do not all come, a reset dump restarted by other writers' commits, and how a kernel
/// that refuses the reset dump is told from a reset that failed for another reason.
/// </summary>
public sealed class CounterResetTests : NamespaceTest
{
    private const ushort NFT_MSG_NEWRULE = 6;
    private const ushort NFT_MSG_DELRULE = 8;
    private const ushort NFT_MSG_GETRULE_RESET = 25;

    /// <summary>
    /// Only a rule whose counter moved, in packets or in bytes, is replaced: a reset of a chain where nothing was
    /// counted commits nothing at all. The batch asks the kernel to acknowledge its last message only.
    /// </summary>
    [Fact]
    public void TheReplacingResetReplacesOnlyTheRulesThatCountedSomething()
    {
        Ns.NftLoad("""
            table ip t {
                chain c {
                    ip saddr 10.0.0.1 counter packets 5 bytes 0
                    ip saddr 10.0.0.2 counter packets 0 bytes 100
                    ip saddr 10.0.0.3 counter packets 0 bytes 0
                    ip saddr 10.0.0.4 accept
                }
            }
            """);
        Nft.ResetsCountersAtomically = false;
        uint generation = Nft.GetGeneration();
        int acks = 0;
        Nft.Socket.OnReceive = datagram =>
        {
            acks += ReplyStream.Acks(datagram);
            return datagram.Length;
        };

        IReadOnlyList<NftRule> reset = Nft.ResetRuleCounters(NftFamily.Ip, "t", "c");
        Nft.Socket.OnReceive = null;

        Assert.Equal(["5 0", "0 100", "0 0", "none"], Counts(reset));
        Assert.Equal(CounterReset.ReplacedWithFinalCounts, Nft.LastCounterReset);
        Assert.Equal(["0 0", "0 0", "0 0", "none"], Counts(Nft.ListRules(NftFamily.Ip, "t", "c")));
        Assert.Equal(generation + 1, Nft.GetGeneration());
        // One for the generation read, one for the whole batch of two replaced rules.
        Assert.Equal(2, acks);

        // Nothing counted since: nothing to replace, nothing committed.
        string before = NftOracle.Ruleset(Ns);
        Assert.Equal(["0 0", "0 0", "0 0", "none"], Counts(Nft.ResetRuleCounters(NftFamily.Ip, "t", "c")));
        Assert.Equal(CounterReset.ReplacedWithFinalCounts, Nft.LastCounterReset);
        Assert.Equal(generation + 1, Nft.GetGeneration());
        Assert.Equal(before, NftOracle.Ruleset(Ns));
    }

    /// <summary>
    /// The kernel's notice of one of the two replaced rules does not reach the socket (turned into a message every
    /// reader skips): that rule's counts are the ones read before the commit, and the reset says so.
    /// </summary>
    [Fact]
    public void WhenANoticeOfARemovedRuleIsMissingTheResetSaysItReturnedTheCountsAsRead()
    {
        Ns.NftLoad("""
            table ip t {
                chain c {
                    ip saddr 10.0.0.1 counter packets 5 bytes 500
                    ip saddr 10.0.0.2 counter packets 7 bytes 700
                }
            }
            """);
        Nft.ResetsCountersAtomically = false;
        int removals = 0;
        Nft.Socket.OnReceive = datagram =>
        {
            foreach (ReplyStream.Header message in ReplyStream.Headers(datagram))
            {
                if (message.Type == ReplyStream.Nft(NFT_MSG_DELRULE) && removals++ == 0)
                {
                    ReplyStream.Silence(datagram, message);
                }
            }

            return datagram.Length;
        };

        IReadOnlyList<NftRule> reset = Nft.ResetRuleCounters(NftFamily.Ip, "t", "c");

        Assert.Equal(2, removals);
        Assert.Equal(CounterReset.ReplacedWithCountsAsRead, Nft.LastCounterReset);
        Assert.Equal(["5 500", "7 700"], Counts(reset));
        Assert.Equal(["0 0", "0 0"], Counts(Nft.ListRules(NftFamily.Ip, "t", "c")));
    }

    /// <summary>
    /// Another writer commits while the reset dump is being read, twice: each interrupted attempt had already zeroed
    /// what it returned, so those counts are kept, counter by counter (a rule may hold two), and added to what the
    /// attempt that completes returns. Every count comes back once and no rule twice.
    /// </summary>
    [Fact]
    public void AResetDumpRestartedByOtherWritersCommitsReturnsEveryCountOnce()
    {
        const int count = 1000;
        var ruleset = new StringBuilder("table ip t {\n chain c {\n");
        for (int i = 0; i < count; i++)
        {
            string counters = i == count / 2 ? "counter packets 1 bytes 10 counter packets 2 bytes 20" : $"counter packets {i + 1} bytes {100 * (i + 1)}";
            ruleset.Append($"  ip saddr 10.0.{i / 256}.{i % 256} {counters}\n");
        }

        Ns.NftLoad(ruleset.Append(" }\n}\n").ToString());
        List<ulong> handles = Nft.ListRules(NftFamily.Ip, "t", "c").Select(r => r.Handle).ToList();

        var attempts = new List<uint>();
        Nft.Socket.OnReceive = datagram =>
        {
            List<ReplyStream.Header> messages = ReplyStream.Headers(datagram);
            if (messages.Count > 0 && messages[0].Type == ReplyStream.Nft(NFT_MSG_NEWRULE) && !attempts.Contains(messages[0].Sequence))
            {
                attempts.Add(messages[0].Sequence);
                if (attempts.Count <= 2)
                {
                    Ns.Nft("add", "table", "ip", $"other{attempts.Count}");
                }
            }

            return datagram.Length;
        };

        IReadOnlyList<NftRule> reset = Nft.ListRules(NftFamily.Ip, "t", "c", resetCounters: true);
        Nft.Socket.OnReceive = null;

        Assert.Equal(3, attempts.Count);
        Assert.Equal(handles, reset.Select(r => r.Handle));
        string[] expected = Enumerable.Range(0, count)
            .Select(i => i == count / 2 ? "1 10, 2 20" : $"{i + 1} {100 * (i + 1)}")
            .ToArray();
        Assert.Equal(expected, reset.Select(r => string.Join(", ", r.Counters.Select(c => $"{c.Packets} {c.Bytes}"))));
        Assert.All(Nft.ListRules(NftFamily.Ip, "t", "c"), r => Assert.All(r.Counters, c => Assert.Equal((0UL, 0UL), (c.Packets, c.Bytes))));
    }

    /// <summary>
    /// A reset dump that fails for a reason other than the kernel not knowing it (here the receive queue overflowing
    /// on every attempt) is reported as it is; it does not make the connection take the kernel for an old one.
    /// </summary>
    [Fact]
    public void AResetDumpThatFailsForAnotherReasonIsReportedAndTriedAgainNextTime()
    {
        Ns.NftLoad("table ip t { chain c { ip saddr 10.0.0.1 counter packets 3 bytes 30; }; }");
        Nft.Socket.OnReceive = _ => throw new SystemCallException("recv", Errno.ENOBUFS, "netlink socket");

        NetlinkException error = Assert.Throws<NetlinkException>(() => Nft.ResetRuleCounters(NftFamily.Ip, "t", "c"));

        Assert.Equal(Errno.ENOBUFS, error.Errno);
        Assert.StartsWith("resetting counters of rules of table ip t chain c: ", error.Operation, StringComparison.Ordinal);
        Assert.Null(Nft.ResetsCountersAtomically);
        Assert.Null(Nft.LastCounterReset);

        Nft.Socket.OnReceive = null;
        Ns.Nft("add", "rule", "ip", "t", "c", "ip saddr 10.0.0.2 counter packets 4 bytes 40");
        Assert.Equal(["0 0", "4 40"], Counts(Nft.ResetRuleCounters(NftFamily.Ip, "t", "c")));
        Assert.True(Nft.ResetsCountersAtomically);
        Assert.Equal(CounterReset.ResetDump, Nft.LastCounterReset);
    }

    /// <summary>
    /// Kernels before 6.2 refuse NFT_MSG_GETRULE_RESET with EINVAL. This one has it, so the refusal is put in the
    /// reply stream in place of the dump's first answer: the reset falls back to replacing the rules, and later resets
    /// replace them without asking again.
    /// </summary>
    [Fact]
    public void AKernelThatRefusesTheResetDumpIsAskedOnceAndItsCountersAreResetByReplacing()
    {
        Ns.NftLoad("table ip t { chain c { ip saddr 10.0.0.1 counter packets 3 bytes 30; }; }");
        bool refused = false;
        Nft.Socket.OnReceive = datagram =>
        {
            List<ReplyStream.Header> messages = ReplyStream.Headers(datagram);
            if (!refused && messages.Count > 0 && messages[0].Type == ReplyStream.Nft(NFT_MSG_NEWRULE))
            {
                refused = true;
                return ReplyStream.Refuse(datagram, messages[0], ReplyStream.Nft(NFT_MSG_GETRULE_RESET), (int)Errno.EINVAL);
            }

            return datagram.Length;
        };

        Nft.ResetRuleCounters(NftFamily.Ip, "t", "c");

        Assert.True(refused);
        Assert.False(Nft.ResetsCountersAtomically);
        Assert.Equal(CounterReset.ReplacedWithFinalCounts, Nft.LastCounterReset);

        Nft.Socket.OnReceive = null;
        Ns.Nft("add", "rule", "ip", "t", "c", "ip saddr 10.0.0.2 counter packets 4 bytes 40");
        uint generation = Nft.GetGeneration();
        Assert.Equal(["0 0", "4 40"], Counts(Nft.ResetRuleCounters(NftFamily.Ip, "t", "c")));
        Assert.Equal(CounterReset.ReplacedWithFinalCounts, Nft.LastCounterReset);
        Assert.Equal(generation + 1, Nft.GetGeneration());
        Assert.Equal(["0 0", "0 0"], Counts(Nft.ListRules(NftFamily.Ip, "t", "c")));
    }

    /// <summary>"packets bytes" of each rule's counter, or "none".</summary>
    private static List<string> Counts(IEnumerable<NftRule> rules) =>
        rules.Select(r => r.Counter is { } c ? $"{c.Packets} {c.Bytes}" : "none").ToList();
}
