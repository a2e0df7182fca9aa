using System.Collections.Concurrent;
using HostAccel.Native.Interop;

namespace HostAccel.PowerShell.Engine;

/// <summary>
/// Open sessions kept between cmdlet invocations, per network namespace. Closing an nf_tables socket after a change
/// makes the kernel finish deferred work right then — measured at 5 to 15 ms after deleting one element, twenty times
/// what the change itself costs — so a runbook that calls Add- and Remove-PeerPodCidr in a loop would pay it on every
/// call. A session is taken for one invocation and given back after it; one that sits unused for
/// <see cref="IdleTimeout"/> is closed off the caller's path. A namespace deleted and made again under its name is
/// another namespace: its sessions are closed, not reused.
/// </summary>
internal static class SessionPool
{
    /// <summary>How long an unused session stays open.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(30);

    /// <summary>At most this many unused sessions per namespace (concurrent runspaces each take their own).</summary>
    private const int MaxIdlePerNamespace = 4;

    private static readonly ConcurrentDictionary<string, ConcurrentQueue<Idle>> Pool = new(StringComparer.Ordinal);
    private static readonly Timer Sweeper = new(_ => Sweep(), null, Timeout.Infinite, Timeout.Infinite);

    /// <summary>When the sweeper is due (null: not armed); guarded by <see cref="Arming"/>.</summary>
    private static DateTime? _due;

    private static readonly object Arming = new();

    /// <summary>A session in the namespace (the caller's own when null or empty): a kept one when there is one still good.</summary>
    public static AccelSession Take(string? networkNamespace)
    {
        string key = networkNamespace ?? "";
        ulong? identity = Identity(networkNamespace);
        if (Pool.TryGetValue(key, out ConcurrentQueue<Idle>? idle))
        {
            while (idle.TryDequeue(out Idle? kept))
            {
                if (kept.Identity == identity)
                {
                    kept.Session.Refresh();
                    return kept.Session;
                }

                kept.Session.Dispose();
            }
        }

        AccelSession session = AccelSession.Open(networkNamespace);
        session.Identity = identity;
        return session;
    }

    /// <summary>Gives a session back after an invocation; it is closed instead when enough are kept already.</summary>
    public static void Give(AccelSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        ConcurrentQueue<Idle> idle = Pool.GetOrAdd(session.NetworkNamespace ?? "", _ => new ConcurrentQueue<Idle>());
        if (idle.Count >= MaxIdlePerNamespace)
        {
            session.Dispose();
            return;
        }

        DateTime now = DateTime.UtcNow;
        idle.Enqueue(new Idle(session, session.Identity, now));
        Schedule(now + IdleTimeout);
    }

    /// <summary>Closes every kept session (the module is being removed).</summary>
    public static void Clear()
    {
        foreach (ConcurrentQueue<Idle> idle in Pool.Values)
        {
            while (idle.TryDequeue(out Idle? kept))
            {
                kept.Session.Dispose();
            }
        }
    }

    private static void Sweep()
    {
        lock (Arming)
        {
            _due = null;
        }

        DateTime now = DateTime.UtcNow;
        DateTime? oldest = null;
        foreach (ConcurrentQueue<Idle> idle in Pool.Values)
        {
            for (int n = idle.Count; n > 0 && idle.TryDequeue(out Idle? kept); n--)
            {
                if (now - kept.Since >= IdleTimeout)
                {
                    kept.Session.Dispose();
                }
                else
                {
                    idle.Enqueue(kept);
                    oldest = oldest is { } o && o <= kept.Since ? o : kept.Since;
                }
            }
        }

        if (oldest is { } since)
        {
            Schedule(since + IdleTimeout);
        }
    }

    /// <summary>
    /// Arms the sweeper for <paramref name="due"/> unless it is due sooner already: a session given back later never
    /// puts off the closing of one given back before it, and what a sweep leaves is swept when the oldest of it is due.
    /// </summary>
    private static void Schedule(DateTime due)
    {
        lock (Arming)
        {
            if (_due is { } armed && armed <= due)
            {
                return;
            }

            _due = due;
            TimeSpan wait = due - DateTime.UtcNow;
            Sweeper.Change(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
    }

    private static ulong? Identity(string? networkNamespace) =>
        string.IsNullOrEmpty(networkNamespace) ? 0 : NetworkNamespace.Identity(networkNamespace);

    private sealed record Idle(AccelSession Session, ulong? Identity, DateTime Since);
}
