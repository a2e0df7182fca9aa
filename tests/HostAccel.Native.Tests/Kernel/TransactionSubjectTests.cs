using System.Buffers.Binary;
using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Tests.Support;
using Xunit;
using static HostAccel.Native.Nftables.NfTablesConstants;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>
/// Whose a kernel error is: the element the kernel points at in an element list is mapped back to the prefix (or
/// range) it encodes and that prefix's subject; an error on anything else of the message is the message's subject.
/// And what the outcome of a batch is when its replies are not what a transaction expects.
/// </summary>
public sealed class TransactionSubjectTests : NamespaceTest
{
    private const string Ruleset = """
        table ip antrea {
            set lb-ips { type ipv4_addr; elements = { 10.0.0.1, 10.0.0.3 } }
            set peer-pod-cidr { type ipv4_addr; flags interval; elements = { 10.244.0.0/24, 10.20.0.3-10.20.0.9 } }
        }
        """;

    private static readonly NftSet LbIps = new(NftFamily.Ip, "antrea", "lb-ips", SetKeyType.Ipv4Address);
    private static readonly NftSet PeerSet = new(NftFamily.Ip, "antrea", "peer-pod-cidr", SetKeyType.Ipv4Address) { Flags = SetFlags.Interval };

    public TransactionSubjectTests()
    {
        Ns.NftLoad(Ruleset);
    }

    /// <summary>The kernel stops at the first element it cannot delete and points at it: that address's subject.</summary>
    [Theory]
    [InlineData("10.0.0.1", "10.0.0.2", "10.0.0.3")]
    [InlineData("10.0.0.9", "10.0.0.1", "10.0.0.3")]
    [InlineData("10.0.0.1", "10.0.0.3", "10.0.0.7")]
    public void AnElementTheKernelCannotDeleteComesBackOnItsOwnSubject(params string[] addresses)
    {
        string before = NftOracle.Ruleset(Ns);
        string missing = addresses.Single(a => a is not ("10.0.0.1" or "10.0.0.3"));
        var tx = new NftTransaction();
        tx.DeleteElements(LbIps, addresses.Select(IpPrefix.Parse), subject: "the whole list", subjects: addresses);

        NetlinkException error = Assert.Throws<NetlinkException>(() => Nft.Commit(tx));
        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.NotNull(error.Offset);
        Assert.Equal(missing, error.Subject);
        Assert.Equal(NFT_MSG_DELSETELEM, error.MessageType);
        Assert.Equal("deleting 3 prefixes from set ip antrea lb-ips", error.Operation);
        Assert.Equal(before, NftOracle.Ruleset(Ns));
    }

    /// <summary>A missing set is pointed at in the message's header, before any element: the message's subject.</summary>
    [Fact]
    public void AnErrorOnTheSetOfAnElementListComesBackOnTheListsSubject()
    {
        var missing = new NftSet(NftFamily.Ip, "antrea", "missing", SetKeyType.Ipv4Address);
        var tx = new NftTransaction();
        tx.DeleteElements(missing, [IpPrefix.Parse("10.0.0.1"), IpPrefix.Parse("10.0.0.3")], subject: "the whole list", subjects: ["first", "second"]);

        NetlinkException error = Assert.Throws<NetlinkException>(() => Nft.Commit(tx));
        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.NotNull(error.Offset);
        Assert.Equal("the whole list", error.Subject);
        Assert.Equal(NFT_MSG_DELSETELEM, error.MessageType);
    }

    /// <summary>
    /// A set recreated without 'flags interval' refuses interval end elements: the end of a prefix is that prefix's,
    /// and nft's marker below the first interval (written into a set added in the same batch) is no prefix's.
    /// </summary>
    [Fact]
    public void AnIntervalEndTheKernelRefusesIsItsPrefixsAndTheGapMarkerIsTheLists()
    {
        string before = NftOracle.Ruleset(Ns);
        NftSet believedInterval = LbIps with { Flags = SetFlags.Interval };
        var end = new NftTransaction();
        end.AddElements(believedInterval, [IpPrefix.Parse("10.9.0.0/16")], subject: "the whole list", subjects: ["10.9.0.0/16"]);

        NetlinkException endError = Assert.Throws<NetlinkException>(() => Nft.Commit(end));
        Assert.NotNull(endError.Offset);
        Assert.Equal("10.9.0.0/16", endError.Subject);
        Assert.Equal(NFT_MSG_NEWSETELEM, endError.MessageType);

        var fresh = new NftSet(NftFamily.Ip, "antrea", "fresh", SetKeyType.Ipv4Address);
        var marker = new NftTransaction();
        marker.AddSet(fresh);
        marker.AddElements(fresh with { Flags = SetFlags.Interval }, [IpPrefix.Parse("10.1.0.0/16"), IpPrefix.Parse("10.2.0.0/16")],
            subject: "the whole list", subjects: ["10.1.0.0/16", "10.2.0.0/16"]);

        NetlinkException markerError = Assert.Throws<NetlinkException>(() => Nft.Commit(marker));
        Assert.Equal(endError.Errno, markerError.Errno);
        Assert.NotNull(markerError.Offset);
        Assert.Equal("the whole list", markerError.Subject);
        Assert.Equal("adding 2 prefixes to set ip antrea fresh", markerError.Operation);
        Assert.Equal(before, NftOracle.Ruleset(Ns));
    }

    [Fact]
    public void ARangeTheKernelCannotDeleteComesBackOnItsOwnSubject()
    {
        string before = NftOracle.Ruleset(Ns);
        AddressRange absent = new(false, 0x0a1e0000, 0x0a1e0005);
        AddressRange present = Assert.Single(Nft.ListRanges(PeerSet), r => r.First == 0x0a140003);
        var tx = new NftTransaction();
        tx.DeleteRanges(PeerSet, [absent, present], subject: "the whole list", subjects: ["absent", "present"]);

        NetlinkException error = Assert.Throws<NetlinkException>(() => Nft.Commit(tx));
        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.NotNull(error.Offset);
        Assert.Equal("absent", error.Subject);
        Assert.Equal("deleting 2 ranges from set ip antrea peer-pod-cidr", error.Operation);
        Assert.Equal(before, NftOracle.Ruleset(Ns));
    }

    [Fact]
    public void RangesAsTheKernelHoldsThemAreDeletedUpToTheEndOfTheAddressSpace()
    {
        Ns.Nft("add", "element", "ip", "antrea", "peer-pod-cidr", "{ 10.30.0.1-10.30.0.4, 255.255.255.0-255.255.255.255 }");
        IReadOnlyList<AddressRange> ranges = Nft.ListRanges(PeerSet);
        Assert.Equal(4, ranges.Count);

        var tx = new NftTransaction();
        tx.DeleteRanges(PeerSet, ranges);
        Nft.Commit(tx);

        Assert.Empty(NftOracle.Elements(Ns, PeerSet));
    }

    /// <summary>The batch committed, but without the kernel's ACK of its last message nothing says so.</summary>
    [Fact]
    public void ACommitWhoseAcknowledgementIsLostIsReportedAsUnacknowledged()
    {
        var tx = new NftTransaction();
        tx.AddTable(new NftTable(NftFamily.Ip, "fresh"));
        Nft.Socket.OnReceive = _ => 0;

        NetlinkException error = Assert.Throws<NetlinkException>(() => Nft.Commit(tx));
        Assert.Equal(Errno.EPROTO, error.Errno);
        Assert.Equal("committing 1 changes: the kernel did not acknowledge the batch", error.Operation);

        Nft.Socket.OnReceive = null;
        Assert.NotNull(Nft.GetTable(NftFamily.Ip, "fresh"));
    }

    /// <summary>
    /// Replies are mapped to messages by sequence, counted from the batch's first: a batch numbered otherwise (every
    /// other number here) gets an error the transaction cannot place, which is a decode error, not some message's.
    /// </summary>
    [Fact]
    public void AnErrorForASequenceNoMessageOfTheTransactionHadIsADecodeError()
    {
        var tx = new NftTransaction();
        tx.AddChain(new NftChain(NftFamily.Ip, "antrea", "extra"));
        tx.DeleteTable(new NftTable(NftFamily.Ip, "missing"));
        var writer = new NetlinkWriter();
        uint sequence = 1_000_000;
        (uint first, uint last) = tx.Encode(writer, () => sequence += 2, generation: null);
        IReadOnlyList<NetlinkError> replies = Nft.Socket.SendBatch(writer.WrittenSpan, first, last);

        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() => TransactionOutcome.ThrowIfFailed(tx, replies, first, last, generation: null));
        Assert.Equal($"malformed netlink reply: error for sequence {first + 4}, outside the batch {first}..{last}", error.Message);
    }

    /// <summary>
    /// nfnetlink checks CAP_NET_ADMIN of the sending thread before it reads the batch, and refuses it on BATCH_BEGIN:
    /// the error is the whole transaction's, and says what is needed. Capabilities are per thread, so the commit runs
    /// on a thread of its own that drops CAP_NET_ADMIN from its effective set (the socket was opened with it).
    /// </summary>
    [Fact]
    public void ACommitFromAThreadWithoutCapNetAdminIsRefusedAsAWholeSayingWhatIsNeeded()
    {
        string before = NftOracle.Ruleset(Ns);
        var tx = new NftTransaction();
        tx.AddTable(new NftTable(NftFamily.Ip, "fresh"), subject: "fresh");

        Exception? caught = ThreadCapabilities.RecordWithoutEffective(ThreadCapabilities.CAP_NET_ADMIN, () => Nft.Commit(tx));

        NetlinkException error = Assert.IsType<NetlinkException>(caught);
        Assert.Equal(Errno.EPERM, error.Errno);
        Assert.Equal(KernelReason.NetAdminRequired, error.Reason);
        Assert.Equal("committing the transaction", error.Operation);
        Assert.Null(error.Subject);
        Assert.Contains("requires root or CAP_NET_ADMIN", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, NftOracle.Ruleset(Ns));
    }

    /// <summary>
    /// An error the kernel puts on the batch frame (BATCH_BEGIN) other than a stale generation or a missing
    /// capability (ENOMEM while committing, say) belongs to no message: the stale generation's real ERESTART reply
    /// is rewritten into ENOMEM on its way in.
    /// </summary>
    [Fact]
    public void AnyOtherErrorOnTheBatchFrameIsTheWholeTransactionsWithoutAReason()
    {
        uint stale = Nft.GetGeneration();
        Ns.Nft("add", "table", "ip", "other");
        var tx = new NftTransaction();
        tx.AddTable(new NftTable(NftFamily.Ip, "fresh"), subject: "fresh");
        int rewritten = 0;
        Nft.Socket.OnReceive = datagram =>
        {
            for (int at = 0; at + 20 <= datagram.Length; at += (BinaryPrimitives.ReadInt32LittleEndian(datagram[at..]) + 3) & ~3)
            {
                Span<byte> error = datagram.Slice(at + 16, 4);
                if (BinaryPrimitives.ReadUInt16LittleEndian(datagram[(at + 4)..]) == NetlinkConstants.NLMSG_ERROR && BinaryPrimitives.ReadInt32LittleEndian(error) == -(int)Errno.ERESTART)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(error, -(int)Errno.ENOMEM);
                    rewritten++;
                }
            }

            return datagram.Length;
        };

        NetlinkException failure = Assert.Throws<NetlinkException>(() => Nft.Commit(tx, stale));
        Nft.Socket.OnReceive = null;
        Assert.Equal(1, rewritten);
        Assert.Equal(Errno.ENOMEM, failure.Errno);
        Assert.Equal(KernelReason.None, failure.Reason);
        Assert.Equal("committing the transaction", failure.Operation);
        Assert.Null(failure.Subject);
        Assert.Null(Nft.GetTable(NftFamily.Ip, "fresh"));
    }
}
