using System.Reflection;
using HostAccel.Native.Tests.Support;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// The sessions kept between cmdlet invocations: given back, taken again in the same namespace with what they read
/// forgotten; at most four kept per namespace; a namespace made again under the same name is another one; closed when
/// the module goes, or when unused for <see cref="SessionPool.IdleTimeout"/>. The pool is the process's: each test
/// uses a namespace of its own and takes back what it gave.
/// </summary>
public sealed class SessionPoolTests : IDisposable
{
    private readonly TestNamespace _ns = new();

    public void Dispose()
    {
        // Closes whatever a test left in the pool, then the namespace.
        while (Kept() > 0)
        {
            SessionPool.Take(_ns.Name).Dispose();
        }

        _ns.Dispose();
    }

    private int Kept() => SessionPoolProbe.Kept(_ns.Name);

    private static bool IsClosed(AccelSession session) => SessionPoolProbe.IsClosed(session);

    [Fact]
    public void ASessionGivenBackIsTakenAgainWithTheDevicesItReadForgotten()
    {
        AccelSession first = SessionPool.Take(_ns.Name);
        Assert.Equal(_ns.Name, first.NetworkNamespace);
        Assert.Equal("lo", first.InterfaceName(1));
        AccelSession second = SessionPool.Take(_ns.Name);
        Assert.NotSame(first, second);
        second.Dispose();

        SessionPool.Give(first);
        Assert.Equal(1, Kept());
        _ns.AddDevice("eth5", "eth5-peer");
        AccelSession again = SessionPool.Take(_ns.Name);
        Assert.Same(first, again);
        Assert.Equal(0, Kept());
        Assert.False(IsClosed(again));
        Assert.Equal("eth5", again.InterfaceName(_ns.IfIndex("eth5")));
        again.Dispose();
    }

    [Fact]
    public void AtMostFourSessionsAreKeptPerNamespaceAndTheFifthIsClosed()
    {
        List<AccelSession> taken = Enumerable.Range(0, 5).Select(_ => SessionPool.Take(_ns.Name)).ToList();
        Assert.Equal(5, taken.Distinct().Count());
        taken.ForEach(SessionPool.Give);
        Assert.Equal(4, Kept());
        Assert.Equal([false, false, false, false, true], taken.Select(IsClosed));

        // Kept in the order given.
        List<AccelSession> again = Enumerable.Range(0, 5).Select(_ => SessionPool.Take(_ns.Name)).ToList();
        Assert.Equal(taken.Take(4), again.Take(4));
        Assert.DoesNotContain(again[4], taken);
        again.ForEach(s => s.Dispose());
    }

    [Fact]
    public void ANamespaceMadeAgainUnderTheSameNameGetsANewSessionAndTheKeptOneIsClosed()
    {
        AccelSession old = SessionPool.Take(_ns.Name);
        SessionPool.Give(old);
        Shell.Run("ip", "netns", "del", _ns.Name);
        Shell.Run("ip", "netns", "add", _ns.Name);
        _ns.AddDevice("eth7", "eth7-peer");

        AccelSession fresh = SessionPool.Take(_ns.Name);
        Assert.NotSame(old, fresh);
        Assert.True(IsClosed(old));
        Assert.Equal(0, Kept());
        Assert.Equal(_ns.IfIndex("eth7"), fresh.ResolveInterface("eth7"));
        fresh.Dispose();
    }

    [Theory]
    [InlineData(null, "")]
    [InlineData("", null)]
    public void TheCallersOwnNamespaceIsOneKeyWhetherNullOrEmpty(string? given, string? taken)
    {
        AccelSession own = SessionPool.Take(given);
        Assert.Null(own.NetworkNamespace);
        SessionPool.Give(own);
        AccelSession again = SessionPool.Take(taken);
        Assert.Same(own, again);
        again.Dispose();
    }

    [Fact]
    public void ClearClosesEveryKeptSession()
    {
        AccelSession kept = SessionPool.Take(_ns.Name);
        SessionPool.Give(kept);
        SessionPool.Clear();
        Assert.True(IsClosed(kept));
        Assert.Equal(0, Kept());
        AccelSession fresh = SessionPool.Take(_ns.Name);
        Assert.NotSame(kept, fresh);
        fresh.Dispose();
    }

    [Fact]
    public void GivingBackNothingIsRefused()
    {
        Assert.Equal("session", Assert.Throws<ArgumentNullException>(() => SessionPool.Give(null!)).ParamName);
    }

    [Fact]
    public void AKeptSessionIsClosedByTheSweepOnceItHasBeenUnusedForTheIdleTimeout()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), SessionPool.IdleTimeout);
        AccelSession young = SessionPool.Take(_ns.Name);
        AccelSession old = SessionPool.Take(_ns.Name);
        SessionPool.Give(young);

        // One given back longer ago than the timeout, as the sweep would find it.
        object pool = typeof(SessionPool).GetField("Pool", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;
        object?[] args = [_ns.Name, null];
        pool.GetType().GetMethod("TryGetValue")!.Invoke(pool, args);
        Type idle = typeof(SessionPool).GetNestedType("Idle", BindingFlags.NonPublic)!;
        object stale = Activator.CreateInstance(idle, old, old.Identity, DateTime.UtcNow - SessionPool.IdleTimeout - TimeSpan.FromSeconds(1))!;
        args[1]!.GetType().GetMethod("Enqueue")!.Invoke(args[1], [stale]);
        Assert.Equal(2, Kept());

        typeof(SessionPool).GetMethod("Sweep", BindingFlags.NonPublic | BindingFlags.Static)!.Invoke(null, null);
        Assert.True(IsClosed(old));
        Assert.False(IsClosed(young));
        Assert.Equal(1, Kept());
        Assert.Same(young, SessionPool.Take(_ns.Name));
        young.Dispose();
    }

    /// <summary>
    /// The sweeper closes each kept session once it has been unused for the idle timeout: a session given back later
    /// (here 10 s later, in another namespace, as a parallel runspace would) neither puts that off nor is closed with
    /// it, and is closed when its own time is up.
    /// </summary>
    [Fact]
    public void TheSweepTimerClosesEachSessionWhenItHasBeenUnusedForTheIdleTimeout()
    {
        using var other = new TestNamespace();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        AccelSession kept = SessionPool.Take(_ns.Name);
        SessionPool.Give(kept);
        Thread.Sleep(TimeSpan.FromSeconds(10));
        AccelSession later = SessionPool.Take(other.Name);
        TimeSpan laterGiven = clock.Elapsed;
        SessionPool.Give(later);
        try
        {
            Thread.Sleep(SessionPool.IdleTimeout - TimeSpan.FromSeconds(2) - clock.Elapsed);
            Assert.False(IsClosed(kept));
            while (!IsClosed(kept) && clock.Elapsed < laterGiven + SessionPool.IdleTimeout - TimeSpan.FromSeconds(1))
            {
                Thread.Sleep(100);
            }

            Assert.True(IsClosed(kept), $"not closed {clock.Elapsed.TotalSeconds:0.0} s after it was given back");
            Assert.False(IsClosed(later), "the session given back 10 s later was closed with the first");
            Assert.Equal(0, Kept());
            while (!IsClosed(later) && clock.Elapsed < laterGiven + SessionPool.IdleTimeout + TimeSpan.FromSeconds(10))
            {
                Thread.Sleep(100);
            }

            Assert.True(IsClosed(later), "what the first sweep left was not swept when its time was up");
        }
        finally
        {
            // The one kept for the other namespace, if the sweep has not closed it (Take reopens it otherwise).
            SessionPool.Take(other.Name).Dispose();
        }
    }
}
