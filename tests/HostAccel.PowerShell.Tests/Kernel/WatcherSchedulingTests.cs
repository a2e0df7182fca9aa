using System.Collections;
using System.Diagnostics;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// When Sync-AccelConfiguration -Watch syncs again, and what it reads then: a failed sync is tried again after the
/// MaxDelay, not sooner, and a good one is not tried again at all; the configuration is read again only when its
/// file changed, and the file is looked at every FilePoll from the start, not sooner; a configured extra device wakes
/// it; a watch stopped before it starts still reports a sync that failed for another reason. Bounds are generous:
/// what is asserted is that nothing comes sooner than the real schedule allows.
/// </summary>
public sealed class WatcherSchedulingTests : EngineTest
{
    private static AccelConfiguration Config(Hashtable settings) => ConfigurationReader.Read(settings, "test");

    private static AccelConfiguration Peers() => Config(new Hashtable { ["Family"] = "ip", ["Traffic"] = "None", ["PeerPodCidr"] = "10.1.0.0/16" });

    private static Func<Func<AccelConfiguration>, WatchOptions> Options(double maxDelay, Func<AccelConfiguration>? load = null, string? file = null, double filePoll = 0.1, int maxAttempts = 5) => given => new WatchOptions
    {
        Load = load ?? given,
        File = file,
        MaxAttempts = maxAttempts,
        Debounce = TimeSpan.FromMilliseconds(50),
        MaxDelay = TimeSpan.FromSeconds(maxDelay),
        FilePoll = TimeSpan.FromSeconds(filePoll),
        Report = _ => { },
        Error = _ => { },
    };

    [Fact]
    public void AFirstSyncThatFailedIsTriedAgainOnlyAfterTheMaxDelay()
    {
        Ns.NftLoad("table ip antrea { comment \"someone else's\"; }");
        using var watch = new WatchRun(Session, Peers(), Options(maxDelay: 30));
        Assert.StartsWith("started: the sync failed (table ip antrea was not created by HostAccel", watch.Next(), StringComparison.Ordinal);
        Assert.Equal(ErrorIds.TableNotOwned, watch.Error().ErrorId);
        watch.Quiet(2);
        watch.NoError();
    }

    [Fact]
    public void ARepairThatSucceededIsNotTriedAgainAndDoesNotReadTheConfigurationAgain()
    {
        int loads = 0;
        AccelConfiguration peers = Peers();
        using var watch = new WatchRun(Session, peers, Options(maxDelay: 0.3, load: () =>
        {
            loads++;
            return peers;
        }));
        watch.Next();
        Ns.Nft("delete", "table", "ip", "antrea");
        Assert.StartsWith("table ip antrea deleted by process ", watch.Next(), StringComparison.Ordinal);
        watch.Quiet(2);
        watch.NoError();
        Assert.Equal(0, loads);
        Assert.Contains("10.1.0.0/16", Ns.Nft("list", "set", "ip", "antrea", "peer-pod-cidr"), StringComparison.Ordinal);
    }

    [Fact]
    public void TheConfigurationFileIsFirstLookedAtOneFilePollAfterTheStartAndThenEveryFilePoll()
    {
        string folder = Directory.CreateTempSubdirectory("hostaccel-watch-").FullName;
        try
        {
            string path = Path.Combine(folder, "node.json");
            int writes = 0;
            void Write(string cidr)
            {
                File.WriteAllText(path, $$"""{ "Family": "ip", "Traffic": "None", "PeerPodCidr": ["{{cidr}}"] }""");
                File.SetLastWriteTimeUtc(path, new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(++writes));
            }

            Write("10.1.0.0/16");
            var clock = new Stopwatch();

            // The file changes while the first sync reports, before the watch ever looks at it.
            using var watch = new WatchRun(Session, ConfigurationReader.ReadFile(path), Options(maxDelay: 0.3, load: () => ConfigurationReader.ReadFile(path), file: path, filePoll: 3), report: line =>
            {
                if (line.StartsWith("started", StringComparison.Ordinal))
                {
                    Write("10.2.0.0/16");
                    clock.Start();
                }
            });
            watch.Next();
            string first = watch.Next(15);
            long firstSeen = clock.ElapsedMilliseconds;
            Assert.StartsWith($"configuration file {path} changed: applied 1 change", first, StringComparison.Ordinal);
            Assert.True(firstSeen >= 1500, $"the file was looked at {firstSeen} ms after the start");

            // Changed right after it was looked at: not seen before the next FilePoll.
            clock.Restart();
            Write("10.3.0.0/16");
            string second = watch.Next(15);
            long secondSeen = clock.ElapsedMilliseconds;
            Assert.StartsWith($"configuration file {path} changed: applied 1 change", second, StringComparison.Ordinal);
            Assert.True(secondSeen >= 1500, $"the file was looked at again {secondSeen} ms after it had been");
            Assert.Contains("10.3.0.0/16", Ns.Nft("list", "set", "ip", "antrea", "peer-pod-cidr"), StringComparison.Ordinal);
            watch.NoError();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void AnExtraConfiguredDeviceThatAppearsWakesTheWatch()
    {
        // Devices are flowtable devices: this kernel refuses the flowtable, so each sync fails; the MaxDelay is long
        // enough that only the device wakes the watch.
        AccelConfiguration config = Config(new Hashtable { ["TransportInterface"] = "eth0", ["LocalPodCidr"] = "10.244.2.0/24", ["PeerPodCidr"] = "10.244.0.0/24", ["Devices"] = "eth5" });
        Assert.Equal(["eth5"], config.Devices);
        using var watch = new WatchRun(Session, config, Options(maxDelay: 30));
        Assert.StartsWith("started: the sync failed", watch.Next(), StringComparison.Ordinal);
        watch.Quiet(0.5);

        Ns.AddDevice("eth5", "eth5-peer");
        Assert.StartsWith("device eth5 appeared: the sync failed", watch.Next(), StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyDeviceNameInAConfigurationObjectIsNoDeviceToWatch()
    {
        using var watch = new WatchRun(Session, Peers() with { TransportInterface = "" }, Options(maxDelay: 30));
        Assert.StartsWith("started: applied 1 change", watch.Next(), StringComparison.Ordinal);
        watch.NoError();
    }

    [Fact]
    public void AWatchStoppedBeforeItStartsStillReportsAFirstSyncThatFailedForAnotherReason()
    {
        using var watch = new WatchRun(Session, Peers(), Options(maxDelay: 1, maxAttempts: 0), cancelled: true);
        string started = watch.Next();
        HostAccelException error = watch.Error();
        Assert.Equal((ErrorIds.InvalidArgument, FailureKind.InvalidArgument, (object?)"table antrea"), (error.ErrorId, error.Kind, error.TargetObject));
        Assert.Equal($"started: the sync failed ({error.Message}); tried again in 1 s or at the next change", started);
        Assert.Equal((true, (Exception?)null), watch.Stop());
        Assert.Equal("", Ruleset().Trim());
    }
}
