using System.Runtime.InteropServices;

namespace HostAccel.Native.Tests.Support;

/// <summary>
/// Runs code on a thread of its own that has given up capabilities. Linux keeps capabilities per thread: capset()
/// changes only the calling thread (and the threads it starts afterwards, such as the library's short-lived namespace
/// threads), so the rest of the test process keeps root's.
/// </summary>
public static class ThreadCapabilities
{
    public const int CAP_NET_ADMIN = 12;
    public const int CAP_SYS_ADMIN = 21;

    private const uint Version3 = 0x20080522;

    public static T RunWithout<T>(int capability, Func<T> action)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Drop(capability);
                result = action();
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            throw new InvalidOperationException($"without capability {capability}: {failure.Message}", failure);
        }

        return result;
    }

    private static void Drop(int capability)
    {
        var header = new Header { Version = Version3, Pid = 0 };
        var data = new Data[2];
        if (capget(ref header, data) != 0)
        {
            throw new InvalidOperationException($"capget: errno {Marshal.GetLastPInvokeError()}");
        }

        uint bit = 1u << (capability % 32);
        data[capability / 32].Effective &= ~bit;
        data[capability / 32].Permitted &= ~bit;
        data[capability / 32].Inheritable &= ~bit;
        if (capset(ref header, data) != 0)
        {
            throw new InvalidOperationException($"capset: errno {Marshal.GetLastPInvokeError()}");
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
