using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace HostAccel.Native.Tests.Support;

/// <summary>
/// Runs code on a thread of its own in a mount namespace of its own (unshare(CLONE_NEWNS) changes only the calling
/// thread, and the threads it starts afterwards), where files the library reads from the machine are given other
/// contents: /lib is overlaid with a throwaway tmpfs and an empty tmpfs put on /lib/modules, so that module lists can
/// be written there without touching the host's, and single files (such as /proc/sys/kernel/osrelease) can be covered by a bind mount. Everything goes away
/// with the thread; the rest of the test process, and the host, see nothing of it.
/// </summary>
public static class PrivateMounts
{
    private const int CLONE_NEWNS = 0x00020000;
    private const ulong MS_BIND = 0x1000;
    private const ulong MS_REC = 0x4000;
    private const ulong MS_PRIVATE = 0x40000;

    /// <summary>
    /// Runs <paramref name="action"/> where each file of <paramref name="files"/> under /lib has the contents given,
    /// and each path of <paramref name="covers"/> (an existing file) reads as the contents given.
    /// </summary>
    public static T Run<T>(IReadOnlyDictionary<string, string> files, IReadOnlyDictionary<string, string> covers, Func<T> action)
    {
        string scratch = Path.Combine(Path.GetTempPath(), $"ha-mounts-{Guid.NewGuid():N}");
        Directory.CreateDirectory(scratch);
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Check(unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)");
                Check(mount(null, "/", null, MS_REC | MS_PRIVATE, null), "making / private");
                Check(mount("tmpfs", scratch, "tmpfs", 0, "size=4m"), "tmpfs");
                Directory.CreateDirectory(Path.Combine(scratch, "upper"));
                Directory.CreateDirectory(Path.Combine(scratch, "work"));
                // /lib itself (or /usr/lib, where /lib links to it) is overlaid so that /lib/modules can be made where
                // the machine has none; a fresh tmpfs on it then hides whatever lists the machine has.
                string lib = new DirectoryInfo("/lib").ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? "/lib";
                Check(mount("overlay", lib, "overlay", 0, $"lowerdir={lib},upperdir={scratch}/upper,workdir={scratch}/work"), $"overlay on {lib}");
                Directory.CreateDirectory("/lib/modules");
                Check(mount("tmpfs", "/lib/modules", "tmpfs", 0, "size=1m"), "tmpfs on /lib/modules");
                foreach ((string path, string contents) in files)
                {
                    if (!path.StartsWith("/lib/", StringComparison.Ordinal))
                    {
                        throw new ArgumentException($"{path} is not under /lib", nameof(files));
                    }

                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    File.WriteAllText(path, contents);
                }

                int n = 0;
                foreach ((string path, string contents) in covers)
                {
                    string cover = Path.Combine(scratch, $"cover-{n++}");
                    File.WriteAllText(cover, contents);
                    Check(mount(cover, path, null, MS_BIND, null), $"bind mount over {path}");
                }

                result = action();
            }
            catch (Exception ex)
            {
                failure = ExceptionDispatchInfo.Capture(ex);
            }
        });
        thread.Start();
        thread.Join();
        Directory.Delete(scratch, recursive: true);
        failure?.Throw();
        return result;
    }

    private static void Check(int result, string what)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"{what}: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int unshare(int flags);

    /// <summary>mount(2) with each string passed as NUL-terminated UTF-8, or NULL.</summary>
    private static int mount(string? source, string target, string? type, ulong flags, string? data) =>
        mount(Z(source), Z(target)!, Z(type), flags, Z(data));

    private static byte[]? Z(string? value) => value is null ? null : System.Text.Encoding.UTF8.GetBytes(value + "\0");

    [DllImport("libc", SetLastError = true)]
    private static extern int mount(byte[]? source, byte[] target, byte[]? type, ulong flags, byte[]? data);
}
