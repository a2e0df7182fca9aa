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
    /// Runs <paramref name="action"/> in a new, empty network namespace of its own (unshare on a short-lived thread):
    /// it holds only a loopback device, lives as long as something opened in it (a socket) and vanishes with it,
    /// leaving nothing behind. For probes of what the kernel can do. Needs CAP_SYS_ADMIN.
    /// </summary>
    public static T RunInNew<T>(Func<T> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                if (LibC.unshare(LibC.CLONE_NEWNET) != 0)
                {
                    var errno = (Errno)Marshal.GetLastPInvokeError();
                    throw new SystemCallException("unshare", errno, "a new network namespace",
                        errno == Errno.EPERM ? KernelReason.SysAdminRequiredForProbe : KernelReason.None);
                }

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
            Name = "hostaccel-netns-new",
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
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

        T result = default!;
        ExceptionDispatchInfo? failure = null;
        try
        {
            var thread = new Thread(() =>
            {
                try
                {
                    if (LibC.setns(fd, LibC.CLONE_NEWNET) != 0)
                    {
                        var errno = (Errno)Marshal.GetLastPInvokeError();
                        throw new SystemCallException("setns", errno, $"network namespace '{name}'",
                            errno == Errno.EPERM ? KernelReason.SysAdminRequired : KernelReason.None);
                    }

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
                Name = "hostaccel-netns",
            };
            thread.Start();
            thread.Join();
        }
        finally
        {
            _ = LibC.close(fd);
        }

        failure?.Throw();
        return result;
    }
}
