using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>
/// <c>NftConnection.Validate</c>, the probe batch behind the flowtable support check: it sends a transaction meant to
/// fail and returns the kernel's verdict on each message, committing nothing.
/// </summary>
public sealed class ProbeBatchTests : NamespaceTest
{
    private const int CAP_NET_ADMIN = 12;

    /// <summary>Each message is answered: an ACK where it passed, its error where it failed; the batch is then dropped whole.</summary>
    [Fact]
    public void AProbeBatchReturnsEachMessagesVerdictAndCommitsNothing()
    {
        Ns.Nft("add", "table", "ip", "existing");
        string before = NftOracle.Ruleset(Ns);
        var tx = new NftTransaction();
        tx.AddTable(new NftTable(NftFamily.Ip, "probe"), exclusive: true);
        tx.AddChain(new NftChain(NftFamily.Ip, "probe", "c"));
        tx.AddTable(new NftTable(NftFamily.Ip, "existing"), exclusive: true);
        tx.DeleteTable(new NftTable(NftFamily.Ip, "absent"));
        int acks = 0;
        Nft.Socket.OnReceive = datagram =>
        {
            acks += ReplyStream.Acks(datagram);
            return datagram.Length;
        };

        IReadOnlyList<Errno> results = Nft.Validate(tx);
        Nft.Socket.OnReceive = null;

        Assert.Equal([Errno.None, Errno.None, Errno.EEXIST, Errno.ENOENT], results);
        // The two that passed said so: every message of a probe asks for the kernel's answer.
        Assert.Equal(2, acks);
        Assert.Equal(before, NftOracle.Ruleset(Ns));
    }

    /// <summary>The connection's batch buffer still holds the last commit: a probe must send its own batch and nothing of that.</summary>
    [Fact]
    public void AProbeAfterACommitOnTheSameConnectionSendsOnlyItsOwnBatch()
    {
        var commit = new NftTransaction();
        commit.AddTable(new NftTable(NftFamily.Ip, "committed"));
        Nft.Commit(commit);
        Ns.Nft("delete", "table", "ip", "committed");
        string before = NftOracle.Ruleset(Ns);

        var probe = new NftTransaction();
        probe.AddTable(new NftTable(NftFamily.Ip, "probe"), exclusive: true);
        probe.DeleteTable(new NftTable(NftFamily.Ip, "absent"));

        Assert.Equal([Errno.None, Errno.ENOENT], Nft.Validate(probe));
        Assert.Equal(before, NftOracle.Ruleset(Ns));
        Assert.Null(Nft.GetTable(NftFamily.Ip, "committed"));
    }

    /// <summary>
    /// nfnetlink refuses a whole batch from a sender without CAP_NET_ADMIN, answering its begin message. The
    /// capability is dropped from the effective set of one thread of this process (capabilities are per thread), which
    /// sends the probe on the socket the test opened with it.
    /// </summary>
    [Fact]
    public void AProbeFromASenderWithoutCapNetAdminIsRefusedAtTheBatchBeginSayingWhatIsNeeded()
    {
        var probe = new NftTransaction();
        probe.AddTable(new NftTable(NftFamily.Ip, "probe"), exclusive: true);
        probe.DeleteTable(new NftTable(NftFamily.Ip, "absent"));
        string before = NftOracle.Ruleset(Ns);

        Exception? error = ThreadCapabilities.RecordWithoutEffective(ThreadCapabilities.CAP_NET_ADMIN, () => Nft.Validate(probe));

        NetlinkException refused = Assert.IsType<NetlinkException>(error);
        Assert.Equal(Errno.EPERM, refused.Errno);
        Assert.Equal("starting the probe transaction", refused.Operation);
        Assert.Equal(KernelReason.NetAdminRequired, refused.Reason);
        Assert.Equal(before, NftOracle.Ruleset(Ns));

        // The test's own thread still has it.
        Assert.Equal([Errno.None, Errno.ENOENT], Nft.Validate(probe));
    }
}
