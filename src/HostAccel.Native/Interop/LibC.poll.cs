using System.Runtime.InteropServices;
using TmdsLibC = Tmds.Linux.LibC;

namespace HostAccel.Native.Interop;

internal static unsafe partial class LibC
{
    internal const short POLLIN = 0x001;

    /// <summary>poll(2) on two descriptors: which of them are readable after at most <paramref name="timeoutMs"/> ms (-1 on EINTR).</summary>
    internal static int poll(SafeHandle first, SafeHandle second, int timeoutMs, out bool firstReadable, out bool secondReadable)
    {
        using var a = new Borrowed(first);
        using var b = new Borrowed(second);
        Tmds.Linux.pollfd* fds = stackalloc Tmds.Linux.pollfd[2];
        fds[0] = new Tmds.Linux.pollfd { fd = a.Fd, events = POLLIN };
        fds[1] = new Tmds.Linux.pollfd { fd = b.Fd, events = POLLIN };
        int result = TmdsLibC.poll(fds, 2, timeoutMs);
        firstReadable = result > 0 && fds[0].revents != 0;
        secondReadable = result > 0 && fds[1].revents != 0;
        return result;
    }
}
