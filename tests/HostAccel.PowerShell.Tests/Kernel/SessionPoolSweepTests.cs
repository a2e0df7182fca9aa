using System.Diagnostics;
using System.Reflection;
using HostAccel.Native.Tests.Support;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// The session pool's sweeper between its due times: a sweep that finds nothing old enough keeps the kept sessions
/// as they were (in the order they were given back), and a session given back arms the sweeper for the idle timeout
/// and no sooner, so that nothing sweeps over and over meanwhile. The pool is the process's: the test's namespace is
/// its own and what it gives back it takes back.
/// </summary>
public sealed class SessionPoolSweepTests : IDisposable
{
    private readonly TestNamespace _ns = new();

    public void Dispose()
    {
        while (Kept() > 0)
        {
            SessionPool.Take(_ns.Name).Dispose();
        }

        _ns.Dispose();
    }

    private int Kept() => SessionPoolProbe.Kept(_ns.Name);

    private static bool IsClosed(AccelSession session) => SessionPoolProbe.IsClosed(session);

    [Fact]
    public void ASweepThatClosesNothingKeepsTheKeptSessionsInTheOrderTheyWereGivenBack()
    {
        AccelSession first = SessionPool.Take(_ns.Name);
        AccelSession second = SessionPool.Take(_ns.Name);
        SessionPool.Give(first);
        SessionPool.Give(second);

        typeof(SessionPool).GetMethod("Sweep", BindingFlags.NonPublic | BindingFlags.Static)!.Invoke(null, null);

        Assert.Equal(2, Kept());
        AccelSession taken = SessionPool.Take(_ns.Name);
        AccelSession next = SessionPool.Take(_ns.Name);
        taken.Dispose();
        next.Dispose();
        Assert.Same(first, taken);
        Assert.Same(second, next);
    }

    [Fact]
    public void AGivenBackSessionArmsTheSweeperForTheIdleTimeoutAndNothingSweepsMeanwhile()
    {
        AccelSession session = SessionPool.Take(_ns.Name);
        SessionPool.Give(session);

        // Each sweep disarms the sweeper (its due time null) until it arms it again for what it kept: watched for
        // 1.5 s, a sweeper armed for 30 s from now is disarmed at most by the odd sweep of another test's sessions.
        FieldInfo due = typeof(SessionPool).GetField("_due", BindingFlags.NonPublic | BindingFlags.Static)!;
        Assert.NotNull(due.GetValue(null));
        int sweeps = 0;
        bool disarmed = false;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(1.5))
        {
            bool now = due.GetValue(null) is null;
            if (now && !disarmed)
            {
                sweeps++;
            }

            disarmed = now;
        }

        Assert.InRange(sweeps, 0, 5);
        Assert.False(IsClosed(session));
        Assert.Same(session, SessionPool.Take(_ns.Name));
        session.Dispose();
    }
}
