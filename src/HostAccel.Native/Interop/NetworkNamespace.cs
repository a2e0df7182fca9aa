using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace HostAccel.Native.Interop;

/// <summary>
/// Runs code inside a named network namespace (<c>/run/netns/NAME</c>, as <c>ip netns add</c> makes them) on a
/// short-lived thread of its own, so the calling thread and process never move. A socket opened there keeps its
/// namespace for life; that is how a connection reaches a namespace.
/// </summary>
public static class NetworkNamespace
{
    public const string RunDirectory = "/run/netns";

    /// <summary>The path of a named namespace, after checking the name cannot escape <see cref="RunDirectory"/>.</summary>
    public static string PathOf(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('/', StringComparison.Ordinal) || name is "." or ".." || name.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' is not a network namespace name.", nameof(name));
        }

        return Path.Combine(RunDirectory, name);
    }

    /// <summary>
    /// Which namespace the name stands for now: the inode of its nsfs file, or null when there is no such name. A
    /// namespace deleted and made again under the same name is another namespace, with another inode, so a socket
    /// kept open in the old one must not be taken for the new one.
    /// </summary>
    public static unsafe ulong? Identity(string name)
    {
        string path = PathOf(name);
        byte* statx = stackalloc byte[LibC.StatxSize];
        if (LibC.statx(AtCurrentDirectory, path, 0, StatxInode, statx) != 0)
        {
            return null;
        }

        return BitConverter.ToUInt64(new ReadOnlySpan<byte>(statx + StatxInodeOffset, 8));
    }

    /// <summary>AT_FDCWD, STATX_INO and the offset of stx_ino in struct statx (linux/stat.h), the same on every architecture.</summary>
    private const int AtCurrentDirectory = -100;
    private const uint StatxInode = 0x100;
    private const int StatxInodeOffset = 32;

    /// <summary>
    /// Runs <paramref name="action"/> in a new, empty network namespace of its own (unshare on a short-lived thread):
    /// it holds only a loopback device, lives as long as something opened in it (a socket) and vanishes with it,
    /// leaving nothing behind. For probes of what the kernel can do. Needs CAP_SYS_ADMIN.
    /// </summary>
    public static T RunInNew<T>(Func<T> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return OnThread("hostaccel-netns-new", () =>
        {
            if (LibC.unshare(LibC.CLONE_NEWNET) != 0)
            {
                var errno = (Errno)Marshal.GetLastPInvokeError();
                throw new SystemCallException("unshare", errno, "a new network namespace",
                    errno == Errno.EPERM ? KernelReason.SysAdminRequiredForProbe : KernelReason.None);
            }
        }, action);
    }

    /// <summary>Runs <paramref name="action"/> in the namespace, or right here when <paramref name="name"/> is null.</summary>
    public static T Run<T>(string? name, Func<T> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (string.IsNullOrEmpty(name))
        {
            return action();
        }

        string path = PathOf(name);
        int fd = LibC.open(path, LibC.O_RDONLY | LibC.O_CLOEXEC);
        if (fd < 0)
        {
            var errno = (Errno)Marshal.GetLastPInvokeError();
            throw new SystemCallException("open", errno, $"network namespace '{name}' at {path}", errno == Errno.ENOENT ? KernelReason.NamespaceNotFound : KernelReason.None);
        }

        // Anything can be put in /run/netns; setns would answer a plain file or another kind of namespace with EINVAL.
        int type = LibC.ioctl(fd, LibC.NS_GET_NSTYPE);
        if (type != LibC.CLONE_NEWNET)
        {
            _ = LibC.close(fd);
            throw new ArgumentException(type < 0
                ? $"'{name}' is not a network namespace: {path} is a plain file, not one that ip netns add made"
                : $"'{name}' is not a network namespace: {path} is a namespace of another kind (CLONE_NEW* 0x{type:x})", nameof(name));
        }

        try
        {
            return OnThread("hostaccel-netns", () =>
            {
                if (LibC.setns(fd, LibC.CLONE_NEWNET) != 0)
                {
                    var errno = (Errno)Marshal.GetLastPInvokeError();
                    throw new SystemCallException("setns", errno, $"network namespace '{name}'",
                        errno == Errno.EPERM ? KernelReason.SysAdminRequired : KernelReason.None);
                }
            }, action);
        }
        finally
        {
            _ = LibC.close(fd);
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> on a short-lived thread of its own after <paramref name="enter"/> moved that
    /// thread into a namespace, so the calling thread never moves; anything thrown is rethrown here.
    /// </summary>
    private static T OnThread<T>(string threadName, Action enter, Func<T> action)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                enter();
                result = action();
            }
#pragma warning disable CA1031 // everything is rethrown on the calling thread
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failure = ExceptionDispatchInfo.Capture(ex);
            }
        })
        {
            IsBackground = true,
            Name = threadName,
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }
}
