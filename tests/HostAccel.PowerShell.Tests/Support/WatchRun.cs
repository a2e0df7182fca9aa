using System.Collections.Concurrent;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;
using Xunit;

namespace HostAccel.PowerShell.Tests.Support;

/// <summary>
/// Sync-AccelConfiguration -Watch's engine (<see cref="Watcher.Run"/>) on a thread of its own: its information lines
/// and its warnings (the failures it recovers from) collected in order, to be awaited one by one; disposing stops it
/// and checks that the stop ends it.
/// </summary>
internal sealed class WatchRun : IDisposable
{
    private readonly BlockingCollection<string> _lines = [];
    private readonly BlockingCollection<HostAccelException> _errors = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private Exception? _thrown;

    /// <param name="report">Called on the watch's thread with each line before it is collected (to hold the watch up).</param>
    public WatchRun(AccelSession session, AccelConfiguration configuration, Func<Func<AccelConfiguration>, WatchOptions>? options = null, Action<string>? report = null, bool cancelled = false)
    {
        Func<AccelConfiguration> load = () => configuration;
        WatchOptions given = options?.Invoke(load) ?? new WatchOptions { Load = load, Report = _ => { }, Error = _ => { } };
        Options = new WatchOptions
        {
            Load = given.Load,
            File = given.File,
            Force = given.Force,
            MaxAttempts = given.MaxAttempts,
            Debounce = given.Debounce,
            MaxDelay = given.MaxDelay,
            FilePoll = given.FilePoll,
            Report = line =>
            {
                report?.Invoke(line);
                _lines.Add(line);
            },
            Error = _errors.Add,
        };
        if (cancelled)
        {
            _stop.Cancel();
        }

        _thread = new Thread(() =>
        {
            try
            {
                Watcher.Run(session, configuration, Options, _stop.Token);
            }
            catch (Exception ex)
            {
                _thrown = ex;
            }
        })
        { IsBackground = true, Name = "watch" };
        _thread.Start();
    }

    public WatchOptions Options { get; }

    /// <summary>The next line, which must come within <paramref name="seconds"/>.</summary>
    public string Next(double seconds = 10)
    {
        Assert.True(_lines.TryTake(out string? line, TimeSpan.FromSeconds(seconds)), $"no line within {seconds} s");
        return line!;
    }

    /// <summary>The next line if one comes within <paramref name="seconds"/>, else null.</summary>
    public string? TryNext(double seconds) => _lines.TryTake(out string? line, TimeSpan.FromSeconds(seconds)) ? line : null;

    /// <summary>Asserts that no line comes within <paramref name="seconds"/>.</summary>
    public void Quiet(double seconds)
    {
        Assert.False(_lines.TryTake(out string? line, TimeSpan.FromSeconds(seconds)), $"unexpected line: {line}");
    }

    /// <summary>The next warning, which must have come already.</summary>
    public HostAccelException Error()
    {
        Assert.True(_errors.TryTake(out HostAccelException? error, TimeSpan.FromSeconds(1)), "no warning");
        return error!;
    }

    public void NoError() => Assert.Empty(_errors);

    /// <summary>Stops the watch and returns whether it ended, and what it threw.</summary>
    public (bool Ended, Exception? Thrown) Stop()
    {
        _stop.Cancel();
        return (_thread.Join(TimeSpan.FromSeconds(10)), _thrown);
    }

    public void Dispose()
    {
        Stop();
        _stop.Dispose();
        _lines.Dispose();
        _errors.Dispose();
    }
}
