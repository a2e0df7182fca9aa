using System.Runtime.InteropServices;
using System.Text;
using Tmds.Linux;
using TmdsLibC = Tmds.Linux.LibC;

namespace HostAccel.Native.Interop;

/// <summary>
/// The C library calls the native layer makes, under their C names: Tmds.LibC's declarations (with its per-architecture
/// constants and errno kept for <see cref="Marshal.GetLastPInvokeError"/>), taking the netlink socket as a SafeHandle
/// that stays referenced for the length of each call.
/// </summary>
internal static unsafe partial class LibC
{
    private const string Lib = "libc";

    // <bits/socket.h>, <linux/socket.h>
    internal static int AF_NETLINK => TmdsLibC.AF_NETLINK;
    internal static int SOCK_RAW => TmdsLibC.SOCK_RAW;
    internal static int SOCK_CLOEXEC => TmdsLibC.SOCK_CLOEXEC;
    internal static int SOL_SOCKET => TmdsLibC.SOL_SOCKET;
    internal static int SO_SNDBUF => TmdsLibC.SO_SNDBUF;
    internal static int SO_RCVBUF => TmdsLibC.SO_RCVBUF;
    internal static int SO_SNDBUFFORCE => TmdsLibC.SO_SNDBUFFORCE;
    internal static int SO_RCVBUFFORCE => TmdsLibC.SO_RCVBUFFORCE;
    internal static int SO_RCVTIMEO => TmdsLibC.SO_RCVTIMEO;
    internal static int MSG_PEEK => TmdsLibC.MSG_PEEK;
    internal static int MSG_TRUNC => TmdsLibC.MSG_TRUNC;
    internal static int MSG_DONTWAIT => TmdsLibC.MSG_DONTWAIT;

    // <fcntl.h>, <sched.h>
    internal static int O_RDONLY => TmdsLibC.O_RDONLY;
    internal static int O_NOCTTY => TmdsLibC.O_NOCTTY;
    internal static int O_NONBLOCK => TmdsLibC.O_NONBLOCK;
    internal static int O_CLOEXEC => TmdsLibC.O_CLOEXEC;
    internal static int CLONE_NEWNET => TmdsLibC.CLONE_NEWNET;

    // <linux/stat.h>, <fcntl.h>: statx of an open descriptor (AT_EMPTY_PATH with ""), the layout the same on every
    // architecture, unlike struct stat. Tmds.LibC has no statx: declared here.
    internal const int AT_EMPTY_PATH = 0x1000;
    internal const uint STATX_TYPE = 0x1;
    internal const uint STATX_SIZE = 0x200;
    internal const int StatxSize = 256;
    internal const int StatxModeOffset = 28;
    internal const int StatxSizeOffset = 40;
    internal const ushort S_IFMT = 0xF000;
    internal const ushort S_IFREG = 0x8000;
    internal const ushort S_IFDIR = 0x4000;
    internal const ushort S_IFCHR = 0x2000;
    internal const ushort S_IFBLK = 0x6000;
    internal const ushort S_IFIFO = 0x1000;
    internal const ushort S_IFSOCK = 0xC000;

    // <net/if.h>: not in Tmds.LibC.
    internal const int IF_NAMESIZE = 16;

    // <linux/netlink.h>: not in Tmds.LibC.
    [StructLayout(LayoutKind.Sequential)]
    internal struct sockaddr_nl
    {
        public ushort nl_family;
        public ushort nl_pad;
        public uint nl_pid;
        public uint nl_groups;
    }

    // <bits/types/struct_timeval.h>: not in Tmds.LibC.
    [StructLayout(LayoutKind.Sequential)]
#pragma warning disable CS8981 // the C name
    internal struct timeval
#pragma warning restore CS8981
    {
        public long tv_sec;
        public long tv_usec;
    }

    internal static int socket(int domain, int type, int protocol) => TmdsLibC.socket(domain, type, protocol);

    internal static int bind(SafeHandle fd, sockaddr_nl* addr, uint addrlen)
    {
        using var descriptor = new Borrowed(fd);
        return TmdsLibC.bind(descriptor.Fd, (sockaddr*)addr, addrlen);
    }

    internal static int getsockname(SafeHandle fd, sockaddr_nl* addr, uint* addrlen)
    {
        using var descriptor = new Borrowed(fd);
        return TmdsLibC.getsockname(descriptor.Fd, (sockaddr*)addr, (socklen_t*)addrlen);
    }

    internal static int setsockopt(SafeHandle fd, int level, int optname, void* optval, uint optlen)
    {
        using var descriptor = new Borrowed(fd);
        return TmdsLibC.setsockopt(descriptor.Fd, level, optname, optval, optlen);
    }

    internal static int getsockopt(SafeHandle fd, int level, int optname, void* optval, uint* optlen)
    {
        using var descriptor = new Borrowed(fd);
        return TmdsLibC.getsockopt(descriptor.Fd, level, optname, optval, (socklen_t*)optlen);
    }

    internal static nint send(SafeHandle fd, byte* buf, nuint len, int flags)
    {
        using var descriptor = new Borrowed(fd);
        return (nint)(long)TmdsLibC.send(descriptor.Fd, buf, (size_t)(ulong)len, flags);
    }

    internal static nint recv(SafeHandle fd, byte* buf, nuint len, int flags)
    {
        using var descriptor = new Borrowed(fd);
        return (nint)(long)TmdsLibC.recv(descriptor.Fd, buf, (size_t)(ulong)len, flags);
    }

    internal static int close(int fd) => TmdsLibC.close(fd);

    internal static int open(string pathname, int flags)
    {
        byte[] path = Encoding.UTF8.GetBytes(pathname + "\0");
        fixed (byte* p = path)
        {
            return TmdsLibC.open(p, flags, default);
        }
    }

    internal static int setns(int fd, int nstype) => TmdsLibC.setns(fd, nstype);

    internal static int unshare(int flags) => TmdsLibC.unshare(flags);

    internal static uint geteuid() => TmdsLibC.geteuid();

    // <net/if.h>'s name/index calls: not in Tmds.LibC.
    /// <summary>NS_GET_NSTYPE (linux/nsfs.h, _IO(0xb7, 0x3)): the CLONE_NEW* type of a namespace file; ENOTTY for any other file.</summary>
    internal const ulong NS_GET_NSTYPE = 0xb703;

    internal static int ioctl(int fd, ulong request) => TmdsLibC.ioctl(fd, (int)request);

    internal static nint read(int fd, byte* buf, nuint count) => (nint)(long)TmdsLibC.read(fd, buf, (size_t)(ulong)count);

    // Not in Tmds.LibC.
    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int statx(int dirfd, string pathname, int flags, uint mask, byte* statxbuf);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial uint if_nametoindex(string ifname);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial byte* if_indextoname(uint ifindex, byte* ifname);

    [StructLayout(LayoutKind.Sequential)]
    internal struct if_nameindex_t
    {
        public uint if_index;
        public byte* if_name;
    }

    [LibraryImport(Lib, EntryPoint = "if_nameindex", SetLastError = true)]
    internal static partial if_nameindex_t* if_nameindex();

    [LibraryImport(Lib)]
    internal static partial void if_freenameindex(if_nameindex_t* ptr);

    /// <summary>
    /// A SafeHandle's descriptor for one call: referenced so that a Dispose on another thread cannot close (and the
    /// kernel reuse) it mid-call, as the SafeHandle marshalling of a declared import would do; a closed handle throws
    /// <see cref="ObjectDisposedException"/>.
    /// </summary>
    private readonly ref struct Borrowed
    {
        private readonly SafeHandle _handle;

        public Borrowed(SafeHandle handle)
        {
            bool added = false;
            handle.DangerousAddRef(ref added);
            _handle = handle;
            Fd = (int)handle.DangerousGetHandle();
        }

        public int Fd { get; }

        public void Dispose() => _handle.DangerousRelease();
    }
}
