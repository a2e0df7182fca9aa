using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>
/// Faults in the middle of a conversation with the real kernel: a batch that fails at its end, a socket closed or a
/// reply cut while a dump is being read, a receive queue that overflows. Whatever happens, a dump returns every
/// object exactly once or throws one of the library's exceptions; it never returns part of a list. The faults that
/// the kernel cannot be made to produce on demand are injected through <see cref="NetlinkSocket.OnReceive"/>, into
/// the kernel's real reply stream.
/// </summary>
public sealed class FaultInjectionTests : NamespaceTest
{
    private readonly ITestOutputHelper _output;

    public FaultInjectionTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public void ABatchOfAHundredThousandElementsWhoseLastMessageFailsLeavesTheRulesetIntact()
    {
        Ns.NftLoad("table ip t { set big { type ipv4_addr; flags interval; elements = { 192.168.0.0/16 }; }; }");
        NftSet set = Set();
        string before = NftOracle.Ruleset(Ns);
        uint generation = Nft.GetGeneration();

        var tx = new NftTransaction();
        tx.AddElements(set, Prefixes(100_000));
        tx.DeleteTable(new NftTable(NftFamily.Ip, "missing"));
        Assert.True(tx.Count > 3, "the elements take several messages before the failing one");

        NetlinkException error = Assert.Throws<NetlinkException>(() => Nft.Commit(tx));
        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.StartsWith("deleting table ip missing: No such file or directory (ENOENT)", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, NftOracle.Ruleset(Ns));
        Assert.Equal(generation, Nft.GetGeneration());
        Assert.Equal([IpPrefix.Parse("192.168.0.0/16")], Nft.ListPrefixes(set));
    }

    [Fact]
    public void ASocketClosedFromAnotherThreadDuringADumpIsReportedNotHalfRead()
    {
        IpPrefix[] prefixes = Fill(20_000);
        int seen = 0;
        Nft.Socket.OnReceive = datagram =>
        {
            if (++seen == 3)
            {
                var closer = new Thread(Nft.Dispose);
                closer.Start();
                closer.Join();
            }

            return datagram.Length;
        };

        IReadOnlyList<IpPrefix>? partial = null;
        ObjectDisposedException error = Assert.Throws<ObjectDisposedException>(() => partial = Nft.ListPrefixes(Set()));
        Assert.Null(partial);
        Assert.Equal(3, seen);
        Assert.Contains("listing elements of set ip t big: the netlink socket was closed before the reply was complete", error.Message, StringComparison.Ordinal);

        // Closed stays closed: the next request fails at once instead of waiting for a reply.
        Assert.Throws<ObjectDisposedException>(() => Nft.GetGeneration());
        Assert.Equal(prefixes.Length, NftOracle.Elements(Ns, Set()).Count);
    }

    [Fact]
    public void AReplyCutInTheMiddleOfAMessageIsADecodeErrorAndTheConnectionStaysUsable()
    {
        IpPrefix[] prefixes = Fill(20_000);
        int seen = 0;
        Nft.Socket.OnReceive = datagram => ++seen == 3 ? 100 : datagram.Length;

        IReadOnlyList<IpPrefix>? partial = null;
        Assert.Throws<NetlinkDecodeException>(() => partial = Nft.ListPrefixes(Set()));
        Assert.Null(partial);

        // The kernel was still in the middle of that dump; the next request must not be refused (EBUSY) nor be
        // answered with the rest of the old one.
        Nft.Socket.OnReceive = null;
        Assert.Equal(prefixes, Nft.ListPrefixes(Set()));
        Assert.Single(Nft.ListTables());
    }

    [Fact]
    public void ADumpThroughTheSmallestReceiveBufferReturnsEveryElementExactly()
    {
        IpPrefix[] prefixes = Fill(100_000);
        int normal = CountDatagrams(() => Nft.ListSetElements(Set()));

        // The kernel raises SO_RCVBUF to its minimum (SOCK_MIN_RCVBUF, about 2.3 KiB), far below one 32 KiB dump
        // datagram. Either the kernel paces the dump to the reader or the queue overflows (ENOBUFS, which restarts
        // the dump); either way every element must come back exactly once. Linux 6.x paces: netlink_recvmsg queues
        // the next part only once the queue is half empty, so the datagram count does not change (printed below).
        Nft.Socket.KernelReceiveBufferSize = 1;
        int buffer = Nft.Socket.KernelReceiveBufferSize;
        Assert.InRange(buffer, 1, 8 * 1024);

        IReadOnlyList<SetElement> elements = [];
        int small = CountDatagrams(() => elements = Nft.ListSetElements(Set()));
        Assert.Equal(2 * prefixes.Length, elements.Count(e => e.Key != 0 || !e.IsIntervalEnd));
        Assert.Equal(prefixes, Nft.ListPrefixes(Set()));
        Assert.Equal(NftOracle.Texts(prefixes), NftOracle.Elements(Ns, Set()));
        _output.WriteLine($"SO_RCVBUF {buffer} bytes: {small} datagrams for the dump ({normal} with the library's 8 MiB buffer)");
    }

    [Fact]
    public void AnOverflowDuringADumpRestartsItAndEveryElementComesBackOnce()
    {
        IpPrefix[] prefixes = Fill(20_000);
        int clean = CountDatagrams(() => Nft.ListSetElements(Set()));
        Assert.True(clean > 6, $"the dump takes {clean} datagrams");

        int seen = 0;
        Nft.Socket.OnReceive = datagram => ++seen == 4
            ? throw new SystemCallException("recv", Errno.ENOBUFS, "netlink socket")
            : datagram.Length;

        Assert.Equal(prefixes, Nft.ListPrefixes(Set()));

        // The lost datagram's dump was read to its end and discarded, then a second dump read whole.
        Assert.Equal(2 * clean, seen);
    }

    [Fact]
    public void AnOverflowOnEveryAttemptIsReportedAsENOBUFSNamingTheDump()
    {
        IpPrefix[] prefixes = Fill(20_000);
        int seen = 0;
        Nft.Socket.OnReceive = datagram => ++seen % 3 == 0
            ? throw new SystemCallException("recv", Errno.ENOBUFS, "netlink socket")
            : datagram.Length;

        IReadOnlyList<IpPrefix>? partial = null;
        NetlinkException error = Assert.Throws<NetlinkException>(() => partial = Nft.ListPrefixes(Set()));
        Assert.Null(partial);
        Assert.Equal(Errno.ENOBUFS, error.Errno);
        Assert.StartsWith("listing elements of set ip t big: the socket's receive queue overflowed on each of 5 attempts", error.Message, StringComparison.Ordinal);

        Nft.Socket.OnReceive = null;
        Assert.Equal(prefixes, Nft.ListPrefixes(Set()));
    }

    /// <summary>A request that cannot be restarted (a single-object read) reports the overflow at once.</summary>
    [Fact]
    public void AnOverflowDuringASingleObjectReadIsReported()
    {
        Ns.Nft("add", "table", "ip", "t");
        Nft.Socket.OnReceive = _ => throw new SystemCallException("recv", Errno.ENOBUFS, "netlink socket");
        ErrnoException error = Assert.ThrowsAny<ErrnoException>(() => Nft.GetTable(NftFamily.Ip, "t"));
        Assert.Equal(Errno.ENOBUFS, error.Errno);

        Nft.Socket.OnReceive = null;
        Assert.Equal("t", Nft.GetTable(NftFamily.Ip, "t")?.Name);
    }

    private static NftSet Set() => new(NftFamily.Ip, "t", "big", SetKeyType.Ipv4Address) { Flags = SetFlags.Interval };

    /// <summary>Every 8th address of 10.0.0.0/8, alternately a /32 and a /30: no two intervals touch.</summary>
    private static IpPrefix[] Prefixes(int count) => Enumerable.Range(0, count)
        .Select(i => IpPrefix.Create(false, 0x0A000000u + (uint)i * 8, i % 2 == 0 ? 32 : 30))
        .ToArray();

    /// <summary>Table ip t with the interval set big holding <paramref name="count"/> prefixes, written in one commit.</summary>
    private IpPrefix[] Fill(int count)
    {
        IpPrefix[] prefixes = Prefixes(count);
        var tx = new NftTransaction();
        tx.AddTable(new NftTable(NftFamily.Ip, "t"));
        tx.AddSet(Set());
        tx.AddElements(Set(), prefixes);
        Nft.Commit(tx);
        return prefixes;
    }

    private int CountDatagrams(Action action)
    {
        int count = 0;
        Nft.Socket.OnReceive = datagram =>
        {
            count++;
            return datagram.Length;
        };
        try
        {
            action();
        }
        finally
        {
            Nft.Socket.OnReceive = null;
        }

        return count;
    }
}
