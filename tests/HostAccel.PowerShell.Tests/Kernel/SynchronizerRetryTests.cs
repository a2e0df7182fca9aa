using System.Collections;
using HostAccel.Native;
using HostAccel.Native.Interop;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;
using HostAccel.Native.Tests.Support;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// Sync-AccelConfiguration's attempts on the real kernel: the lines a retry logs (a stale commit, reads that straddled
/// a commit), what is reported when every attempt fails (busy, or the read's own failure), a read that fails while the
/// generation stays put (not retried), a sync stopped before it starts, the null arguments it refuses, and the device
/// names a plan's Traffic Control statements are printed with. Faults are injected into the session's real reply
/// stream (a datagram of the read after the generation failing as recv would).
/// </summary>
public sealed class SynchronizerRetryTests : EngineTest
{
    private const string Owned = "table ip antrea { comment \"Rules for Antrea\"; }";

    private static AccelConfiguration Peers() =>
        ConfigurationReader.Read(new Hashtable { ["Family"] = "ip", ["Traffic"] = "None", ["PeerPodCidr"] = "10.1.0.0/16" }, "test");

    /// <summary>
    /// Fails, as recv would with <paramref name="errno"/>, the first nf_tables datagram (other than the generation's)
    /// received after each generation reply: a read that straddles a commit, once (<paramref name="repeat"/> false) or
    /// in every attempt.
    /// </summary>
    private void FailTheReadAfterTheGeneration(Errno errno, bool repeat)
    {
        bool armed = false, done = false;
        Session.Nft.Socket.OnReceive = datagram =>
        {
            ushort type = BitConverter.ToUInt16(datagram[4..6]);
            if (type == ((NfTablesSubsystem << 8) | Native.Nftables.NfTablesConstants.NFT_MSG_NEWGEN))
            {
                armed = !done;
            }
            else if (armed && type >> 8 == NfTablesSubsystem)
            {
                armed = false;
                done = !repeat;
                throw new SystemCallException("recv", errno);
            }

            return datagram.Length;
        };
    }

    private const int NfTablesSubsystem = 10;

    [Fact]
    public void AStaleCommitIsPlannedAgainAndEachRetryIsLoggedWithItsAttempt()
    {
        NftLoadOwned(Owned);
        var log = new List<string>();
        int asked = 0;
        var options = new SyncOptions
        {
            Log = log.Add,
            ShouldApply = _ =>
            {
                if (asked++ < 2)
                {
                    Ns.Nft("add", "table", "ip", $"elsewhere{asked}");
                }

                return true;
            },
        };
        AccelSyncResult result = Synchronizer.Sync(Session, Peers(), options, CancellationToken.None);
        Assert.Equal((true, 3), (result.Applied, result.Attempts));
        Assert.Equal(
        [
            "the ruleset changed after it was read, and the kernel refused the stale transaction; reading it again (attempt 2 of 5)",
            "the ruleset changed after it was read, and the kernel refused the stale transaction; reading it again (attempt 3 of 5)",
        ], log);
    }

    [Fact]
    public void AWriterThatNeverLetsUpIsReportedAsBusyWithTheAttemptsTheNamespaceAndWhatToDo()
    {
        NftLoadOwned(Owned);
        int n = 0;
        var log = new List<string>();
        var options = new SyncOptions { MaxAttempts = 2, Log = log.Add, ShouldApply = _ => { Ns.Nft("add", "table", "ip", $"busy{n++}"); return true; } };
        HostAccelException failure = Assert.Throws<HostAccelException>(() => Synchronizer.Sync(Session, Peers(), options, CancellationToken.None));
        Assert.Equal((ErrorIds.RulesetChanged, FailureKind.ResourceBusy, (object?)Ns.Name), (failure.ErrorId, failure.Kind, failure.TargetObject));
        Assert.Equal("the ruleset changed under each of 2 attempts to sync it (another writer is busy); nothing was applied", failure.Message);
        Assert.Equal("Run the command again, or with a larger -MaxAttempts.", failure.RecommendedAction);
        Assert.NotNull(failure.InnerException);
        Assert.Equal(["the ruleset changed after it was read, and the kernel refused the stale transaction; reading it again (attempt 2 of 2)"], log);
    }

    [Fact]
    public void ReadsThatKeepStraddlingACommitAreRetriedSayingSoThenReportedAsTheirOwnFailureAgainstTheTable()
    {
        NftLoadOwned(Owned);
        string before = Ruleset();
        var log = new List<string>();
        FailTheReadAfterTheGeneration(Errno.ENOENT, repeat: true);
        HostAccelException failure;
        try
        {
            failure = Assert.Throws<HostAccelException>(() => Synchronizer.Sync(Session, Peers(), new SyncOptions { MaxAttempts = 3, Log = log.Add }, CancellationToken.None));
        }
        finally
        {
            Session.Nft.Socket.OnReceive = null;
        }

        Assert.Equal((Errno.ENOENT, (object?)"table antrea"), (failure.Errno, failure.TargetObject));
        SystemCallException inner = Assert.IsType<SystemCallException>(failure.InnerException);
        Assert.Equal(
        [
            $"the ruleset changed while it was being read ({inner.Message}); reading it again (attempt 2 of 3)",
            $"the ruleset changed while it was being read ({inner.Message}); reading it again (attempt 3 of 3)",
        ], log);
        Assert.Equal(before, Ruleset());
    }

    [Fact]
    public void AReadThatFailsWhileTheGenerationStaysPutIsNotRetriedAndIsReportedAgainstTheTable()
    {
        NftLoadOwned(Owned);
        string before = Ruleset();
        var log = new List<string>();
        FailTheReadAfterTheGeneration(Errno.EIO, repeat: false);
        HostAccelException failure;
        try
        {
            failure = Assert.Throws<HostAccelException>(() => Synchronizer.Sync(Session, Peers(), new SyncOptions { Log = log.Add }, CancellationToken.None));
        }
        finally
        {
            Session.Nft.Socket.OnReceive = null;
        }

        Assert.Equal((ErrorIds.KernelError, FailureKind.NotSpecified, Errno.EIO, (object?)"table antrea"), (failure.ErrorId, failure.Kind, failure.Errno, failure.TargetObject));
        Assert.IsType<SystemCallException>(failure.InnerException);
        Assert.Empty(log);
        Assert.Equal(before, Ruleset());

        // The same session syncs afterwards: the fault was the read's alone.
        Assert.True(Synchronizer.Sync(Session, Peers(), new SyncOptions(), CancellationToken.None).Applied);
    }

    [Fact]
    public void ASyncStoppedBeforeItStartsIsStoppedEvenWhenThereIsNothingToDo()
    {
        Assert.True(Synchronizer.Sync(Session, Peers(), new SyncOptions(), CancellationToken.None).Applied);
        string before = Ruleset();
        bool asked = false;
        using var stop = new CancellationTokenSource();
        stop.Cancel();
        HostAccelException failure = Assert.Throws<HostAccelException>(() =>
            Synchronizer.Sync(Session, Peers(), new SyncOptions { ShouldApply = _ => asked = true }, stop.Token));
        Assert.Equal((ErrorIds.Stopped, FailureKind.OperationStopped, (object?)"table antrea"), (failure.ErrorId, failure.Kind, failure.TargetObject));
        Assert.Equal("stopped before the change was applied; nothing was changed", failure.Message);
        Assert.False(asked);
        Assert.Equal(before, Ruleset());
    }

    [Fact]
    public void APlanWithoutTrafficControlChangesIsAppliedWithoutAnRtnetlinkConnection()
    {
        // The namespace's name goes between the plan and its commit: the session's socket still reaches it, but no
        // new connection can be opened there by name. A plan with nothing for Traffic Control needs none.
        AccelSyncResult result = Synchronizer.Sync(Session, Peers(), new SyncOptions
        {
            ShouldApply = plan =>
            {
                Assert.Empty(plan.TrafficControl);
                Shell.Run("ip", "netns", "del", Ns.Name);
                return true;
            },
        }, CancellationToken.None);
        Assert.True(result.Applied);
        Native.Nftables.Objects.NftSet set = Assert.Single(Session.Nft.ListSets(Native.Nftables.NftFamily.Ip, "antrea"));
        Assert.Equal(["10.1.0.0/16"], Session.Nft.ListPrefixes(set).Select(p => p.ToString()));
    }

    [Fact]
    public void NullArgumentsAreRefusedByName()
    {
        Assert.Equal("session", Assert.Throws<ArgumentNullException>(() => Synchronizer.Sync(null!, Peers(), new SyncOptions(), CancellationToken.None)).ParamName);
        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => Synchronizer.Sync(Session, Peers(), null!, CancellationToken.None)).ParamName);
        Assert.Equal("configuration", Assert.Throws<ArgumentNullException>(() => Synchronizer.Sync(Session, null!, new SyncOptions(), CancellationToken.None)).ParamName);
        Assert.Equal("session", Assert.Throws<ArgumentNullException>(() => Synchronizer.Plan(null!, Peers(), force: false)).ParamName);
        Assert.Equal("configuration", Assert.Throws<ArgumentNullException>(() => Synchronizer.Plan(Session, null!, force: false)).ParamName);
        Assert.Equal("", Ruleset().Trim());
    }

    [Fact]
    public void ThePlansTrafficControlStatementsNameTheDevices()
    {
        foreach (string command in new[]
        {
            "addr add 172.18.0.1/24 dev eth0", "addr add 10.244.2.1/24 dev antrea-gw0",
            "route add 10.244.0.0/24 via 172.18.0.2 dev eth0",
            "neigh add 172.18.0.2 lladdr 02:00:00:00:00:02 dev eth0 nud permanent",
            "neigh add 10.244.2.2 lladdr 02:00:00:00:02:02 dev antrea-gw0 nud permanent",
        })
        {
            Ns.Exec(["ip", .. command.Split(' ')]);
        }

        Ns.Exec("sysctl", "-qw", "net.ipv4.ip_forward=1");
        AccelConfiguration tc = ConfigurationReader.Read(new Hashtable
        {
            ["Mode"] = "TrafficControl", ["GatewayInterface"] = "antrea-gw0", ["TransportInterface"] = "eth0",
            ["LocalPodCidr"] = "10.244.2.0/24", ["PeerPodCidr"] = "10.244.0.0/24",
        }, "test");
        SyncPlan plan = Synchronizer.Plan(Session, tc, force: false);
        Assert.Contains("tc qdisc add dev antrea-gw0 clsact", plan.Statements);
        Assert.Contains("tc qdisc add dev eth0 clsact", plan.Statements);
        Assert.DoesNotContain(plan.Statements, s => s.Contains(" dev #", StringComparison.Ordinal));
    }
}
