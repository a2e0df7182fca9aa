using System.Collections;
using System.Text.RegularExpressions;
using HostAccel.Native.Tests.Support;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// Sync-AccelConfiguration -Watch's engine on the real kernel: the first sync, what wakes it (another process's
/// change or deletion of the table, in any family; a configured device that appears or goes; the configuration file;
/// lost notifications; a failed sync), what does not (its own commits, other tables, other devices), the debounce,
/// and the failures it reports and survives. Configurations without a flowtable, which this kernel lacks.
/// </summary>
public sealed class WatcherTests : EngineTest
{
    private const string Ms = @"\d+ ms";

    /// <summary>How a table the sync creates is named among its changes.</summary>
    private const string NewTable = @"table ip antrea \{ comment ""Rules for Antrea""; \}";

    private static AccelConfiguration Config(Hashtable settings) => ConfigurationReader.Read(settings, "test");

    /// <summary>A table and its peer set only: what this kernel can hold.</summary>
    private static AccelConfiguration Peers(string family = "ip", string cidr = "10.1.0.0/16") =>
        Config(new Hashtable { ["Family"] = family, ["Traffic"] = "None", ["PeerPodCidr"] = cidr });

    private static Func<Func<AccelConfiguration>, WatchOptions> Fast(bool force = false, int maxAttempts = 5, double maxDelay = 0.3) => load => new WatchOptions
    {
        Load = load,
        Force = force,
        MaxAttempts = maxAttempts,
        Debounce = TimeSpan.FromMilliseconds(50),
        MaxDelay = TimeSpan.FromSeconds(maxDelay),
        FilePoll = TimeSpan.FromMilliseconds(100),
        Report = _ => { },
        Error = _ => { },
    };

    private uint Generation() => Session.Nft.GetGeneration();

    private static void Matches(string pattern, string line) =>
        Assert.True(Regex.IsMatch(line, $"^{pattern}$"), $"'{line}' does not match '{pattern}'");

    [Fact]
    public void TheWatchOptionsDefaultToTheDocumentedTimes()
    {
        var options = new WatchOptions { Load = () => throw new InvalidOperationException(), Report = _ => { }, Error = _ => { } };
        Assert.Equal((5, false, (string?)null), (options.MaxAttempts, options.Force, options.File));
        Assert.Equal((TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(500)), (options.Debounce, options.MaxDelay, options.FilePoll));
    }

    [Fact]
    public void AWatchWithoutASessionOrOptionsIsRefused()
    {
        var options = new WatchOptions { Load = () => throw new InvalidOperationException(), Report = _ => { }, Error = _ => { } };
        Assert.Equal("session", Assert.Throws<ArgumentNullException>(() => Watcher.Run(null!, Peers(), options, CancellationToken.None)).ParamName);
        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => Watcher.Run(Session, Peers(), null!, CancellationToken.None)).ParamName);
    }

    [Fact]
    public void TheWatchStartsWithOneSyncAndItsOwnCommitsDoNotWakeIt()
    {
        uint before = Generation();
        using var watch = new WatchRun(Session, Config(new Hashtable { ["Family"] = new[] { "ip", "ip6" }, ["Traffic"] = "None", ["PeerPodCidr"] = new[] { "10.1.0.0/16", "fd00:1::/64" } }), Fast());
        Matches($@"started: applied 2 changes \({NewTable}, table ip6 antrea \{{ comment ""Rules for Antrea""; \}}\) in {Ms}, planned at generation {before}", watch.Next());
        Assert.Contains("10.1.0.0/16", Ns.Nft("list", "set", "ip", "antrea", "peer-pod-cidr"), StringComparison.Ordinal);
        Assert.Contains("fd00:1::/64", Ns.Nft("list", "set", "ip6", "antrea", "peer-pod-cidr"), StringComparison.Ordinal);

        // A commit of this process (another of its threads) is its own: it does not wake the watch, nor does the
        // watch's own sync, which would otherwise wake it again and again.
        var own = new Native.Nftables.NftTransaction();
        own.AddChain(new Native.Nftables.Objects.NftChain(Native.Nftables.NftFamily.Ip, "antrea", "own"));
        Session.Nft.Commit(own);
        watch.Quiet(1);
        watch.NoError();
        Assert.Equal((true, (Exception?)null), watch.Stop());
    }

    [Fact]
    public void AnotherProcessDeletingOrChangingTheTableIsRepairedAndNamedWithItsProcessAndGeneration()
    {
        using var watch = new WatchRun(Session, Peers(), Fast());
        Matches($@"started: applied 1 change \({NewTable}\) in {Ms}, planned at generation \d+", watch.Next());

        uint g = Generation();
        Ns.Nft("delete", "table", "ip", "antrea");
        string line = watch.Next();
        Matches($@"table ip antrea deleted by process (\d+) \(generation {g + 1}\): applied 1 change \({NewTable}\) in {Ms}, planned at generation {g + 1}", line);
        Assert.NotEqual(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), Regex.Match(line, @"process (\d+)").Groups[1].Value);
        Assert.Contains("10.1.0.0/16", Ns.Nft("list", "set", "ip", "antrea", "peer-pod-cidr"), StringComparison.Ordinal);

        g = Generation();
        Ns.Nft("add", "chain", "ip", "antrea", "extra");
        Matches($@"table ip antrea changed by process \d+ \(generation {g + 1}\): applied 1 change \(chain ip antrea extra\) in {Ms}, planned at generation {g + 1}", watch.Next());
        Assert.DoesNotContain("extra", Ns.Nft("list", "table", "ip", "antrea"), StringComparison.Ordinal);

        // One transaction that changes the table and then deletes it is its deletion; one that deletes it and makes
        // it again (as nft's, not HostAccel's) is too.
        g = Generation();
        Ns.NftLoad("add chain ip antrea extra\ndelete table ip antrea\n");
        Matches($@"table ip antrea deleted by process \d+ \(generation {g + 1}\): applied 1 change \({NewTable}\) in {Ms}, planned at generation {g + 1}", watch.Next());
        g = Generation();
        Ns.NftLoad("delete table ip antrea\nadd table ip antrea\n");
        string refused = watch.Next();
        Matches($@"table ip antrea deleted by process \d+ \(generation {g + 1}\): the sync failed \(table ip antrea was not created by HostAccel .*\); tried again in 0\.3 s or at the next change", refused);
        HostAccelException error = watch.Error();
        Assert.Equal((ErrorIds.TableNotOwned, FailureKind.InvalidOperation, "table ip antrea"), (error.ErrorId, error.Kind, error.TargetObject));
        Assert.Contains($"({error.Message})", refused, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("inet", "inet")]
    [InlineData("ip6", "ip6")]
    [InlineData("bridge", "7")]
    [InlineData("arp", "3")]
    [InlineData("netdev", "5")]
    public void AChangeToATableOfTheConfiguredNameInAnyFamilyWakesTheWatchNamingTheFamily(string family, string shown)
    {
        using var watch = new WatchRun(Session, Peers(), Fast());
        watch.Next();
        uint g = Generation();
        Ns.Nft("add", "table", family, "antrea");
        Matches($@"table {shown} antrea changed by process \d+ \(generation {g + 1}\): in desired state at generation {g + 1}", watch.Next());
        watch.NoError();
    }

    [Fact]
    public void OtherTablesAndDevicesDoNotWakeTheWatch()
    {
        using var watch = new WatchRun(Session, Config(new Hashtable { ["Family"] = "ip", ["Traffic"] = "None", ["PeerPodCidr"] = "10.1.0.0/16", ["TransportInterface"] = "eth0", ["GatewayInterface"] = "antrea-gw0" }), Fast());
        watch.Next();
        Ns.Nft("add", "table", "ip", "other");
        Ns.Nft("add", "chain", "ip", "other", "c");
        Ns.AddDevice("other0", "other0-peer");
        Ns.Exec("ip", "link", "del", "other0");

        // A configured device that is there already and changes (down, up) has neither appeared nor gone.
        Ns.Exec("ip", "link", "set", "eth0", "down");
        Ns.Exec("ip", "link", "set", "eth0", "up");
        watch.Quiet(1);
        watch.NoError();
    }

    [Fact]
    public void ATableThatIsNotHostAccelsFailsEverySyncWhichIsTriedAgainAfterTheMaxDelay()
    {
        Ns.NftLoad("table ip antrea { comment \"someone else's\"; }");
        using var watch = new WatchRun(Session, Peers(), Fast());
        string started = watch.Next();
        HostAccelException error = watch.Error();
        Assert.Equal((ErrorIds.TableNotOwned, FailureKind.InvalidOperation, "table ip antrea { comment \"someone else's\"; }"), (error.ErrorId, error.Kind, error.TargetObject));
        Assert.StartsWith("table ip antrea was not created by HostAccel", error.Message, StringComparison.Ordinal);
        Assert.Equal($"started: the sync failed ({error.Message}); tried again in 0.3 s or at the next change", started);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal($"the last sync failed: the sync failed ({error.Message}); tried again in 0.3 s or at the next change", watch.Next());
        Assert.InRange(clock.ElapsedMilliseconds, 200, 3000);
        Assert.Equal(ErrorIds.TableNotOwned, watch.Error().ErrorId);
        Assert.Equal($"the last sync failed: the sync failed ({error.Message}); tried again in 0.3 s or at the next change", watch.Next());
    }

    [Fact]
    public void WithForceTheWatchTakesOverATableThatIsNotHostAccels()
    {
        Ns.NftLoad("table ip antrea { comment \"someone else's\"; }");
        using var watch = new WatchRun(Session, Peers(), Fast(force: true));
        Matches($@"started: applied 1 change \(set ip antrea peer-pod-cidr\) in {Ms}, planned at generation \d+", watch.Next());
        watch.Quiet(0.7);
        watch.NoError();
    }

    [Fact]
    public void TheWatchPassesMaxAttemptsToEachSyncAndSaysTheRetryDelayInSeconds()
    {
        using var watch = new WatchRun(Session, Peers(), Fast(maxAttempts: 0, maxDelay: 1));
        string started = watch.Next();
        HostAccelException error = watch.Error();
        Assert.Equal((ErrorIds.InvalidArgument, FailureKind.InvalidArgument, "table antrea"), (error.ErrorId, error.Kind, error.TargetObject));
        Assert.Equal($"started: the sync failed ({error.Message}); tried again in 1 s or at the next change", started);
        Assert.Equal("", Ruleset().Trim());
    }

    [Fact]
    public void AWatchStoppedBeforeItsFirstSyncEndsQuietlyAndAppliesNothing()
    {
        using var watch = new WatchRun(Session, Peers(), Fast(), cancelled: true);
        Assert.Equal((true, (Exception?)null), watch.Stop());
        Assert.Equal("", Ruleset().Trim());

        // The sync it was in reports being stopped (nothing applied); a stopped watch says nothing of it: no failed
        // sync, no warning, and the loop never runs.
        watch.Quiet(0.3);
        watch.NoError();
    }

    [Fact]
    public void AConfiguredDeviceThatAppearsOrGoesWakesTheWatchOnceAndWhatWaitsForItIsReported()
    {
        const string Pending = "transport device 'eth9' does not exist: the Traffic Control redirects of PodToPod are left out until it appears";
        AccelConfiguration tc = Config(new Hashtable { ["Mode"] = "TrafficControl", ["GatewayInterface"] = "eth0", ["TransportInterface"] = "eth9", ["LocalPodCidr"] = "10.10.0.0/24", ["PeerPodCidr"] = "10.11.0.0/24" });
        using var watch = new WatchRun(Session, tc, Fast(maxDelay: 5));
        Matches($@"started: applied 1 change \({NewTable}\) in {Ms}, planned at generation \d+; pending: {Regex.Escape(Pending)}", watch.Next());

        // Made, then set up: several notifications, one reason. No route takes the peer Pods there, so its redirects
        // cannot be planned.
        Ns.AddDevice("eth9", "eth9-peer");
        string appeared = watch.Next();
        HostAccelException error = watch.Error();
        Assert.Equal((ErrorIds.NotRedirectable, "10.11.0.0/24"), (error.ErrorId, error.TargetObject));
        Assert.Equal($"device eth9 appeared: the sync failed ({error.Message}); tried again in 5 s or at the next change", appeared);
        Assert.Contains("10.11.0.0/24", Ns.Nft("list", "set", "ip", "antrea", "peer-pod-cidr"), StringComparison.Ordinal);

        uint g = Generation();
        Ns.Exec("ip", "link", "del", "eth9");
        Assert.Equal($"device eth9 deleted: in desired state at generation {g}; pending: {Pending}", watch.Next(4));
        watch.NoError();
    }

    [Fact]
    public void LostNotificationsMakeTheWatchReadEverythingAgain()
    {
        // The watch is held in its first report while another process commits far more notifications than its
        // socket queues (one per element).
        using var hold = new ManualResetEventSlim();
        using var watch = new WatchRun(Session, Peers(), Fast(), report: line =>
        {
            if (line.StartsWith("started", StringComparison.Ordinal))
            {
                hold.Wait(TimeSpan.FromSeconds(30));
            }
        });
        string elements = string.Join(", ", Enumerable.Range(0, 250_000).Select(i => $"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}"));
        Ns.NftLoad($"table ip other {{ set s {{ type ipv4_addr; elements = {{ {elements} }}; }}; }}");
        hold.Set();
        watch.Next();
        uint g = Generation();
        Assert.Equal($"notifications were lost (ENOBUFS): everything read again: in desired state at generation {g}", watch.Next());
        watch.NoError();
    }

    /// <summary>A configuration file in a folder of its own, removed with the test.</summary>
    private sealed class ConfigFile : IDisposable
    {
        private readonly string _folder = Directory.CreateTempSubdirectory("hostaccel-watch-").FullName;
        private int _writes;

        public ConfigFile(string json) => Write(json);

        public string Path => System.IO.Path.Combine(_folder, "node.json");

        public int Loads { get; private set; }

        public AccelConfiguration Load()
        {
            Loads++;
            return ConfigurationReader.ReadFile(Path);
        }

        /// <summary>Writes the file with a modification time of its own, whatever the file system's clock granularity.</summary>
        public void Write(string json)
        {
            File.WriteAllText(Path, json);
            File.SetLastWriteTimeUtc(Path, new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(++_writes));
        }

        public void Dispose() => Directory.Delete(_folder, recursive: true);
    }

    private static Func<Func<AccelConfiguration>, WatchOptions> Watching(ConfigFile file, TimeSpan? poll = null) => _ => new WatchOptions
    {
        Load = file.Load,
        File = file.Path,
        Debounce = TimeSpan.FromMilliseconds(50),
        MaxDelay = TimeSpan.FromSeconds(0.3),
        FilePoll = poll ?? TimeSpan.FromMilliseconds(100),
        Report = _ => { },
        Error = _ => { },
    };

    [Fact]
    public void AChangedConfigurationFileIsReadAgainOnceAndSynced()
    {
        using var file = new ConfigFile("""{ "Family": "ip", "Traffic": "None", "PeerPodCidr": ["10.1.0.0/16"] }""");
        using var watch = new WatchRun(Session, ConfigurationReader.ReadFile(file.Path), Watching(file));
        Matches($@"started: applied 1 change \({NewTable}\) in {Ms}, planned at generation \d+", watch.Next());
        watch.Quiet(0.5);
        Assert.Equal(0, file.Loads);

        uint g = Generation();
        file.Write("""{ "Family": "ip", "Traffic": "None", "PeerPodCidr": ["10.2.0.0/16"] }""");
        Matches($@"configuration file {Regex.Escape(file.Path)} changed: applied 1 change \(set ip antrea peer-pod-cidr\) in {Ms}, planned at generation {g}", watch.Next());
        Assert.Equal(1, file.Loads);
        string set = Ns.Nft("list", "set", "ip", "antrea", "peer-pod-cidr");
        Assert.Contains("10.2.0.0/16", set, StringComparison.Ordinal);
        Assert.DoesNotContain("10.1.0.0/16", set, StringComparison.Ordinal);

        // The next wake-up that is not the file syncs the configuration read, without reading it again.
        g = Generation();
        Ns.Nft("delete", "table", "ip", "antrea");
        Matches($@"table ip antrea deleted by process \d+ \(generation {g + 1}\): applied 1 change \({NewTable}\) in {Ms}, planned at generation {g + 1}", watch.Next());
        Assert.Equal(1, file.Loads);
        Assert.Contains("10.2.0.0/16", Ns.Nft("list", "set", "ip", "antrea", "peer-pod-cidr"), StringComparison.Ordinal);
        watch.NoError();
    }

    [Fact]
    public void AConfigurationFileThatStopsValidatingOrGoesIsReportedAndTheLastGoodOneStaysInForce()
    {
        using var file = new ConfigFile("""{ "Family": "ip", "Traffic": "None", "PeerPodCidr": ["10.1.0.0/16"] }""");
        using var watch = new WatchRun(Session, ConfigurationReader.ReadFile(file.Path), Watching(file));
        watch.Next();
        string changed = $"configuration file {file.Path} changed";

        file.Write("""{ "Family": "ip", "Traffic": "None", "PeerPodCidr": ["10.1.0.0/33"] }""");
        string invalid = watch.Next();
        HostAccelException error = watch.Error();
        Assert.Equal(FailureKind.InvalidArgument, error.Kind);
        Assert.Equal($"{changed}: the configuration is not valid ({error.Message}); the last good one stays in force", invalid);
        Assert.Equal($"{changed}: in desired state at generation {Generation()}", watch.Next());

        File.Delete(file.Path);
        string gone = watch.Next();
        error = watch.Error();
        Assert.Equal(("ConfigurationFileNotFound", FailureKind.ObjectNotFound, file.Path), (error.ErrorId, error.Kind, error.TargetObject));
        Assert.Equal($"{changed}: the configuration is not valid (there is no configuration file {file.Path}); the last good one stays in force", gone);
        Assert.Equal($"{changed}: in desired state at generation {Generation()}", watch.Next());
        Assert.Contains("10.1.0.0/16", Ns.Nft("list", "set", "ip", "antrea", "peer-pod-cidr"), StringComparison.Ordinal);
        Assert.Equal(2, file.Loads);
    }

    [Fact]
    public void TheConfigurationFileIsLookedAtOnlyEveryFilePoll()
    {
        using var file = new ConfigFile("""{ "Family": "ip", "Traffic": "None", "PeerPodCidr": ["10.1.0.0/16"] }""");
        using var watch = new WatchRun(Session, ConfigurationReader.ReadFile(file.Path), Watching(file, TimeSpan.FromHours(1)));
        watch.Next();
        file.Write("""{ "Family": "ip", "Traffic": "None", "PeerPodCidr": ["10.2.0.0/16"] }""");
        watch.Quiet(1);
        Assert.Equal(0, file.Loads);
    }

    [Theory]
    [InlineData(30, 0.3)]
    [InlineData(0.3, 30)]
    public void AChangeIsRepairedAfterTheDebounceOrTheMaxDelayWhicheverIsFirst(double debounce, double maxDelay)
    {
        using var watch = new WatchRun(Session, Peers(), load => new WatchOptions
        {
            Load = load,
            Debounce = TimeSpan.FromSeconds(debounce),
            MaxDelay = TimeSpan.FromSeconds(maxDelay),
            Report = _ => { },
            Error = _ => { },
        });
        watch.Next();
        Ns.Nft("delete", "table", "ip", "antrea");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.StartsWith("table ip antrea deleted by process ", watch.Next(5), StringComparison.Ordinal);
        Assert.InRange(clock.ElapsedMilliseconds, 150, 5000);
    }

    [Fact]
    public void AWriterThatNeverStopsIsStillRepairedAfterTheMaxDelayFromItsFirstChange()
    {
        using var watch = new WatchRun(Session, Peers(), load => new WatchOptions
        {
            Load = load,
            Debounce = TimeSpan.FromSeconds(10),
            MaxDelay = TimeSpan.FromSeconds(2),
            Report = _ => { },
            Error = _ => { },
        });
        watch.Next();

        // A change every few milliseconds for 7 s: never two seconds of quiet.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var writer = new Thread(() =>
        {
            for (int n = 0; clock.Elapsed < TimeSpan.FromSeconds(7); n++)
            {
                Shell.TryRun("ip", "netns", "exec", Ns.Name, "nft", "add", "chain", "ip", "antrea", $"c{n}");
            }
        });
        writer.Start();
        string line = watch.Next(5);
        long elapsed = clock.ElapsedMilliseconds;
        writer.Join();
        Assert.InRange(elapsed, 1900, 5000);
        Assert.StartsWith("table ip antrea changed by process ", line, StringComparison.Ordinal);
        Assert.Contains("); table ip antrea changed by process ", line, StringComparison.Ordinal);
    }

    [Fact]
    public void AWatchInANamespaceThatIsGoneFailsToStartNamingIt()
    {
        Ns.Dispose();
        var options = new WatchOptions { Load = () => throw new InvalidOperationException(), Report = _ => throw new InvalidOperationException(), Error = _ => throw new InvalidOperationException() };
        HostAccelException failure = Assert.Throws<HostAccelException>(() => Watcher.Run(Session, Peers(), options, CancellationToken.None));
        Assert.Equal((ErrorIds.NetworkNamespaceNotFound, FailureKind.ObjectNotFound, Ns.Name), (failure.ErrorId, failure.Kind, failure.TargetObject));
        Assert.StartsWith($"the network namespace is not there: open (network namespace '{Ns.Name}' at /run/netns/{Ns.Name}) failed: No such file or directory (ENOENT)", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASyncThatFailsOutsideTheSynchronizerIsReportedAgainstTheTableAndTheWatchGoesOn()
    {
        using var file = new ConfigFile("""{ "Family": "ip", "Traffic": "None", "PeerPodCidr": ["10.1.0.0/16"], "TransportInterface": "eth0" }""");
        using var watch = new WatchRun(Session, ConfigurationReader.ReadFile(file.Path), Watching(file));
        watch.Next();

        // The namespace's name is gone (its sockets keep it alive): looking its devices up fails.
        Shell.Run("ip", "netns", "del", Ns.Name);
        file.Write("""{ "Family": "ip", "Traffic": "None", "PeerPodCidr": ["10.2.0.0/16"], "TransportInterface": "eth0" }""");
        string failed = watch.Next();
        HostAccelException error = watch.Error();
        Assert.Equal((ErrorIds.NetworkNamespaceNotFound, FailureKind.ObjectNotFound, "table antrea"), (error.ErrorId, error.Kind, error.TargetObject));
        Assert.Equal($"configuration file {file.Path} changed: the sync failed ({error.InnerException!.Message}); tried again in 0.3 s or at the next change", failed);
        Assert.Equal($"the last sync failed: the sync failed ({error.InnerException!.Message}); tried again in 0.3 s or at the next change", watch.Next());
    }
}
