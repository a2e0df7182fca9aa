using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine.Configuration;

/// <summary>How a watch runs: where the configuration comes from and where its lines go.</summary>
internal sealed class WatchOptions
{
    /// <summary>Reads and checks the configuration again (the file changed); throws <see cref="HostAccelException"/> when it is invalid.</summary>
    public required Func<AccelConfiguration> Load { get; init; }

    /// <summary>The configuration file, whose modification time and length are polled; null when the configuration is an object.</summary>
    public string? File { get; init; }

    public bool Force { get; init; }

    public int MaxAttempts { get; init; } = 5;

    /// <summary>How long notifications must be quiet before a re-sync: `nft flush ruleset` arrives as dozens of them.</summary>
    public TimeSpan Debounce { get; init; } = TimeSpan.FromMilliseconds(150);

    /// <summary>The longest a re-sync waits for quiet: a writer that never stops still gets repaired.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the configuration file is looked at.</summary>
    public TimeSpan FilePoll { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>One line per action: what changed, what was done, the generation.</summary>
    public required Action<string> Report { get; init; }

    /// <summary>A failure that did not stop the watch (an invalid configuration, a sync the kernel refused).</summary>
    public required Action<HostAccelException> Error { get; init; }
}

/// <summary>
/// Sync-AccelConfiguration -Watch: keeps a Node in its desired state by itself. Antrea's agent rewrites its rules on a
/// timer, so drift lasts until the next round; here the kernel says when something changed. It syncs, then waits for
/// nf_tables notifications that touch the table (another process's `nft flush ruleset`, `nft delete table`, a rule
/// added by hand), device notifications for a configured device that appears or goes, and changes of the
/// configuration file, and syncs again once they are quiet (debounced). Its own commits are recognised by the
/// committing task (NFTA_GEN_PROC_PID is one of this process's threads) and do not wake it. Lost notifications
/// (ENOBUFS) make it read everything again. A configuration that stops validating is reported and the last good one
/// stays in force. Nothing thrown by a sync ends the watch; only its cancellation does.
/// </summary>
internal static class Watcher
{
    public static void Run(AccelSession session, AccelConfiguration initial, WatchOptions options, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(options);
        AccelConfiguration configuration = initial;
        (DateTime, long)? stamp = Stamp(options.File);
        NetlinkSubscription subscription;
        try
        {
            // Subscribed before the first sync, so that nothing done between the two is missed.
            subscription = NetlinkSubscription.Open(session.NetworkNamespace);
        }
        catch (Exception ex) when (ex is not HostAccelException)
        {
            throw Failures.From(ex, session.NetworkNamespace);
        }

        using (subscription)
        {
            (HashSet<string> present, bool synced) = Sync(session, configuration, options, "started", cancellation);
            DateTime? retry = synced ? null : DateTime.UtcNow + options.MaxDelay;
            var reasons = new List<string>();
            string? batch = null;
            bool reload = false;
            DateTime? first = null, due = null;
            DateTime nextFileCheck = DateTime.UtcNow + options.FilePoll;
            while (!cancellation.IsCancellationRequested)
            {
                IReadOnlyList<NetlinkNotice> notices;
                try
                {
                    notices = subscription.Wait(TimeSpan.FromMilliseconds(100));
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    options.Error(Failures.From(ex, session.NetworkNamespace));
                    notices = [new NetlinkNotice(NetlinkNoticeKind.Overrun)];
                }

                int before = reasons.Count;
                foreach (NetlinkNotice notice in notices)
                {
                    switch (notice.Kind)
                    {
                        case NetlinkNoticeKind.Ruleset when notice.Table == configuration.TableName:
                            batch = notice.Message == NfTablesConstants.NFT_MSG_DELTABLE ? $"table {Family(notice.Family)} {notice.Table} deleted" : batch ?? $"table {Family(notice.Family)} {notice.Table} changed";
                            break;
                        case NetlinkNoticeKind.Generation:
                            if (batch is not null && !IsOwnThread(notice.Pid))
                            {
                                reasons.Add($"{batch} by process {notice.Pid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} (generation {notice.Generation})");
                            }

                            batch = null;
                            break;
                        case NetlinkNoticeKind.Link when notice.Link is string name && Devices(configuration).Contains(name) && notice.Deleted == present.Contains(name):
                            reasons.Add($"device {name} {(notice.Deleted ? "deleted" : "appeared")}");
                            break;
                        case NetlinkNoticeKind.Overrun:
                            reasons.Add("notifications were lost (ENOBUFS): everything read again");
                            break;
                    }
                }

                DateTime now = DateTime.UtcNow;
                if (retry is DateTime r && now >= r)
                {
                    retry = null;
                    reasons.Add("the last sync failed");
                }

                if (options.File is not null && now >= nextFileCheck)
                {
                    nextFileCheck = now + options.FilePoll;
                    (DateTime, long)? current = Stamp(options.File);
                    if (current != stamp)
                    {
                        stamp = current;
                        reload = true;
                        reasons.Add($"configuration file {options.File} changed");
                    }
                }

                if (reasons.Count > before)
                {
                    first ??= now;
                    DateTime latest = first.Value + options.MaxDelay;
                    due = now + options.Debounce < latest ? now + options.Debounce : latest;
                }

                if (due is null || now < due)
                {
                    continue;
                }

                string why = string.Join("; ", reasons.Distinct());
                reasons.Clear();
                first = due = null;
                if (reload)
                {
                    reload = false;
                    try
                    {
                        configuration = options.Load();
                    }
                    catch (HostAccelException ex)
                    {
                        options.Error(ex);
                        options.Report($"{why}: the configuration is not valid ({ex.Message}); the last good one stays in force");
                    }
                }

                (present, synced) = Sync(session, configuration, options, why, cancellation);
                retry = synced ? null : DateTime.UtcNow + options.MaxDelay;
            }
        }
    }

    /// <summary>One sync, reported in one line: the configured devices present then, and whether it succeeded.</summary>
    private static (HashSet<string> Present, bool Synced) Sync(AccelSession session, AccelConfiguration configuration, WatchOptions options, string why, CancellationToken cancellation)
    {
        session.Refresh();
        var present = new HashSet<string>(StringComparer.Ordinal);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            present.UnionWith(Devices(configuration).Where(d => session.Nft.InterfaceIndex(d) is not null));
            AccelSyncResult result = Synchronizer.Sync(session, configuration, new SyncOptions { Force = options.Force, MaxAttempts = options.MaxAttempts }, cancellation);
            string pending = result.Pending.Count == 0 ? "" : $"; pending: {string.Join("; ", result.Pending)}";
            options.Report(result.Applied
                ? $"{why}: applied {result.Changes.Count} change{(result.Changes.Count == 1 ? "" : "s")} ({string.Join(", ", result.Changes.Select(c => c.Object).Distinct().Take(6))}) in {watch.ElapsedMilliseconds} ms, planned at generation {result.Generation}{pending}"
                : $"{why}: in desired state at generation {result.Generation}{pending}");
            return (present, true);
        }
        catch (HostAccelException ex) when (ex.ErrorId == ErrorIds.Stopped && cancellation.IsCancellationRequested)
        {
            // The watch was stopped during the sync (which then applied nothing): it ends quietly, as between syncs.
            return (present, true);
        }
        catch (HostAccelException ex)
        {
            options.Error(ex);
            options.Report($"{why}: the sync failed ({ex.Message}); tried again in {options.MaxDelay.TotalSeconds:0.#} s or at the next change");
        }
        catch (Exception ex)
        {
            options.Error(Failures.From(ex, $"table {configuration.TableName}"));
            options.Report($"{why}: the sync failed ({ex.Message}); tried again in {options.MaxDelay.TotalSeconds:0.#} s or at the next change");
        }

        return (present, false);
    }

    private static HashSet<string> Devices(AccelConfiguration c) =>
        new[] { c.GatewayInterface, c.TransportInterface }.Concat(c.Devices).OfType<string>().Where(d => d.Length > 0).ToHashSet(StringComparer.Ordinal);

    /// <summary>Whether a commit came from this process: NFTA_GEN_PROC_PID is the committing task, one of its threads.</summary>
    private static bool IsOwnThread(uint? pid) =>
        pid is uint p && (p == (uint)Environment.ProcessId || Directory.Exists($"/proc/self/task/{p}"));

    private static string Family(byte family) => family switch
    {
        2 => "ip",
        10 => "ip6",
        1 => "inet",
        _ => family.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static (DateTime, long)? Stamp(string? file)
    {
        if (file is null)
        {
            return null;
        }

        var info = new FileInfo(file);
        return info.Exists ? (info.LastWriteTimeUtc, info.Length) : null;
    }
}
