using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Xunit;

namespace HostAccel.Native.Tests.Support;

/// <summary>
/// Runs code on a thread of its own that has given up a capability. Linux keeps capabilities per thread: capset()
/// with pid 0 changes only the calling thread (and the threads it starts afterwards, such as the library's
/// short-lived namespace threads), so the rest of the test process keeps root's. Sockets opened before keep the
/// credentials they were opened with, but nfnetlink and setsockopt check the sending thread's.
/// </summary>
public static class ThreadCapabilities
{
    public const int CAP_NET_ADMIN = 12;
    public const int CAP_SYS_ADMIN = 21;

    private const uint Version3 = 0x20080522; // _LINUX_CAPABILITY_VERSION_3

    /// <summary>
    /// Runs <paramref name="action"/> without <paramref name="capability"/>: dropped from the effective set only
    /// (<paramref name="effectiveOnly"/>, as a process that lowered it for a while), or from the effective,
    /// permitted and inheritable sets (gone for good, also for what the thread starts). An exception of the action
    /// is thrown again as it was.
    /// </summary>
    public static T RunWithout<T>(int capability, Func<T> action, bool effectiveOnly = false)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Drop(capability, effectiveOnly);
                result = action();
            }
            catch (Exception ex)
            {
                failure = ExceptionDispatchInfo.Capture(ex);
            }
        });
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    /// <summary>Runs <paramref name="action"/> without <paramref name="capability"/> in its effective set and
    /// returns what it threw, or null.</summary>
    public static Exception? RecordWithoutEffective(int capability, Action action) =>
        RunWithout(capability, () => Record.Exception(action), effectiveOnly: true);

    private static void Drop(int capability, bool effectiveOnly)
    {
        var header = new Header { Version = Version3, Pid = 0 };
        var data = new Data[2];
        if (capget(ref header, data) != 0)
        {
            throw new InvalidOperationException($"capget: errno {Marshal.GetLastPInvokeError()}");
        }

        uint bit = 1u << (capability % 32);
        data[capability / 32].Effective &= ~bit;
        if (!effectiveOnly)
        {
            data[capability / 32].Permitted &= ~bit;
            data[capability / 32].Inheritable &= ~bit;
        }

        if (capset(ref header, data) != 0)
        {
            throw new InvalidOperationException($"capset without capability {capability}: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Header
    {
        public uint Version;
        public int Pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Data
    {
        public uint Effective;
        public uint Permitted;
        public uint Inheritable;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int capget(ref Header header, [In, Out] Data[] data);

    [DllImport("libc", SetLastError = true)]
    private static extern int capset(ref Header header, [In, Out] Data[] data);
}
