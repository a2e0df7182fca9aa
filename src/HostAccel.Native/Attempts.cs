namespace HostAccel.Native;

/// <summary>
/// "Another writer got in between: read again and try again", written once. Every retry in HostAccel — a pinned
/// commit the kernel refused (ERESTART), a plan whose reads straddled someone else's commit, a counter reset that
/// lost its race — runs its attempts through here, so the bound and the reporting are the same everywhere.
/// </summary>
public static class Attempts
{
    /// <summary>
    /// Runs <paramref name="attempt"/> (given its number, from 1) until it returns, or until it fails with an exception
    /// that is not <paramref name="transient"/>, or fails transiently for the <paramref name="maxAttempts"/>th time; the
    /// last failure is thrown as it is. <paramref name="retrying"/> hears of each failure that is tried again.
    /// </summary>
    public static T Run<T>(int maxAttempts, Func<int, T> attempt, Func<Exception, bool> transient, Action<int, Exception>? retrying = null)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        ArgumentNullException.ThrowIfNull(transient);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        for (int n = 1; ; n++)
        {
            try
            {
                return attempt(n);
            }
            catch (Exception ex) when (n < maxAttempts && transient(ex))
            {
                retrying?.Invoke(n, ex);
            }
        }
    }

    /// <summary>A commit pinned to a generation that another writer has moved on from.</summary>
    public static bool IsStaleCommit(Exception exception) => exception is ErrnoException { Errno: Interop.Errno.ERESTART };
}
