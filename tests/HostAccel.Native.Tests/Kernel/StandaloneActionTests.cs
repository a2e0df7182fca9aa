using HostAccel.Native.Interop;
using HostAccel.Native.TrafficControl;
using HostAccel.Native.TrafficControl.Actions;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>
/// An action as the library writes it (its index, verdict and cookie), added on its own to the kernel of a throwaway
/// namespace, with tc as the oracle. mirred is the one action kind this host's kernel has.
/// </summary>
public sealed class StandaloneActionTests : IDisposable
{
    private readonly TestNamespace _ns = new();
    private readonly TcConnection _tc;

    public StandaloneActionTests()
    {
        _tc = TcConnection.Open(_ns.Name);
    }

    public void Dispose()
    {
        _tc.Dispose();
        _ns.Dispose();
    }

    [Fact]
    public void AMirredWithAnIndexAndACookieIsStoredAsTcShowsIt()
    {
        TcAction action = MirredAction.EgressRedirect(1) with { Index = 42, Cookie = new byte[] { 0x00, 0xAB, 0x10 } };
        Assert.Equal(Errno.None, _tc.AddStandaloneAction(action).Errno);

        string shown = _ns.Exec("tc", "actions", "get", "action", "mirred", "index", "42");
        Assert.Contains("mirred (Egress Redirect to device lo) stolen", shown, StringComparison.Ordinal);
        Assert.Contains("index 42 ", shown, StringComparison.Ordinal);
        Assert.Contains("cookie 00ab10", shown, StringComparison.Ordinal);
    }

    /// <summary>TC_COOKIE_MAX_SIZE: the kernel keeps a cookie of 16 bytes, the most the library writes.</summary>
    [Fact]
    public void ASixteenByteCookieIsTheLongestTheKernelKeeps()
    {
        byte[] cookie = Enumerable.Range(0xF0, 16).Select(i => (byte)i).ToArray();
        TcAction action = new MirredAction(MirredKind.EgressMirror, 1) { Index = 7, Cookie = cookie };
        Assert.Equal(Errno.None, _tc.AddStandaloneAction(action).Errno);

        string shown = _ns.Exec("tc", "actions", "get", "action", "mirred", "index", "7");
        Assert.Contains("mirred (Egress Mirror to device lo) pipe", shown, StringComparison.Ordinal);
        Assert.Contains($"cookie {Convert.ToHexString(cookie).ToLowerInvariant()}", shown, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => _tc.AddStandaloneAction(action with { Index = 8, Cookie = new byte[17] }));
        Assert.False(Shell.TryRun("ip", "netns", "exec", _ns.Name, "tc", "actions", "get", "action", "mirred", "index", "8"));
    }
}
