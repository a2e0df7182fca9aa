using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using HostAccel.Native.Interop;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>Device names and indexes of a namespace, with `ip` and /sys inside it as the oracle.</summary>
public sealed class NetworkInterfaceTests : IDisposable
{
    private const string FifteenBytes = "ha-fifteen-byte";

    private readonly TestNamespace _ns = new();

    public void Dispose() => _ns.Dispose();

    [Fact]
    public void ANameOfFifteenBytesIsLookedUpAndAnyLongerNameIsNoDevice()
    {
        Assert.Equal(NetworkInterface.MaxNameLength, FifteenBytes.Length);
        _ns.AddDevice(FifteenBytes, "ha-peer");
        uint expected = _ns.IfIndex(FifteenBytes);

        (uint? index, uint? longer, string? name, Dictionary<uint, string> all) = NetworkNamespace.Run(_ns.Name, () => (
            NetworkInterface.IndexOf(FifteenBytes),
            NetworkInterface.IndexOf(FifteenBytes + "x"),
            NetworkInterface.NameOf(expected),
            NetworkInterface.List()));

        Assert.Equal(expected, index);
        Assert.Null(longer);
        Assert.Equal(FifteenBytes, name);
        Assert.Equal(FifteenBytes, all[expected]);
        Assert.Equal("ha-peer", all[_ns.IfIndex("ha-peer")]);
        Assert.Equal("lo", all[1]);
        Assert.Equal(3, all.Count);
    }

    [Fact]
    public void AnIndexOrANameWithoutADeviceIsNull()
    {
        (string? lo, string? none, uint? missing) = NetworkNamespace.Run(_ns.Name, () => (
            NetworkInterface.NameOf(1),
            NetworkInterface.NameOf(4242),
            NetworkInterface.IndexOf("ha-missing")));
        Assert.Equal("lo", lo);
        Assert.Null(none);
        Assert.Null(missing);
    }

    [Fact]
    public void ANullOrEmptyNameIsRefusedNamingTheParameter()
    {
        Assert.Equal("name", Assert.Throws<ArgumentNullException>(() => NetworkInterface.IndexOf(null!)).ParamName);
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => NetworkInterface.IndexOf("")).ParamName);
    }

    /// <summary>
    /// if_nameindex needs a socket: on a thread with a descriptor table of its own (unshare CLONE_FILES) filled up to
    /// RLIMIT_NOFILE, it fails with EMFILE, and the list says so rather than being empty. The rest of the process keeps
    /// its own table.
    /// </summary>
    [Fact]
    public void ListingTheDevicesWithoutAFreeDescriptorIsASystemCallError()
    {
        Exception? failure = null;
        ExceptionDispatchInfo? setup = null;
        var thread = new Thread(() =>
        {
            try
            {
                Assert.Contains("lo", NetworkInterface.List().Values); // everything the failure needs is loaded now
                Assert.Equal(0, unshare(CloneFiles));
                int fd = open("/dev/null\0"u8.ToArray(), 0);
                Assert.True(fd >= 0);
                while (dup(fd) >= 0)
                {
                }

                Assert.Equal((int)Errno.EMFILE, Marshal.GetLastPInvokeError());
                failure = Record.Exception(() => NetworkInterface.List());
            }
            catch (Exception ex)
            {
                setup = ExceptionDispatchInfo.Capture(ex);
            }
        });
        thread.Start();
        thread.Join(); // the thread's table, and every descriptor in it, goes with the thread
        setup?.Throw();

        SystemCallException error = Assert.IsType<SystemCallException>(failure);
        Assert.Equal("if_nameindex", error.Call);
        Assert.Equal(Errno.EMFILE, error.Errno);
        Assert.Equal($"if_nameindex failed: {ErrnoText.Message(Errno.EMFILE)} (EMFILE)", error.Message);
    }

    private const int CloneFiles = 0x400;

    [DllImport("libc", SetLastError = true)]
    private static extern int unshare(int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int open(byte[] path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int dup(int fd);
}
