using System.Runtime.InteropServices;

namespace HostAccel.Native.Interop;

/// <summary>The few C library calls the native layer needs, under their C names.</summary>
internal static unsafe partial class LibC
{
    private const string Lib = "libc";

    // <bits/socket.h>, <linux/socket.h>
    internal const int AF_NETLINK = 16;
    internal const int SOCK_RAW = 3;
    internal const int SOCK_CLOEXEC = 0x80000;
    internal const int SOL_SOCKET = 1;
    internal const int SO_SNDBUF = 7;
    internal const int SO_RCVBUF = 8;
    internal const int SO_SNDBUFFORCE = 32;
    internal const int SO_RCVBUFFORCE = 33;
    internal const int MSG_PEEK = 0x2;
    internal const int MSG_TRUNC = 0x20;
    internal const int MSG_DONTWAIT = 0x40;

    // <fcntl.h>, <sched.h>
    internal const int O_RDONLY = 0;
    internal const int O_NOCTTY = 0x100;
    internal const int O_NONBLOCK = 0x800;
    internal const int O_CLOEXEC = 0x80000;

    // <linux/stat.h>, <fcntl.h>: statx of an open descriptor (AT_EMPTY_PATH with ""), the layout the same on every
    // architecture, unlike struct stat.
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
    internal const int CLONE_NEWNET = 0x40000000;

    // <net/if.h>
    internal const int IF_NAMESIZE = 16;

    [StructLayout(LayoutKind.Sequential)]
    internal struct sockaddr_nl
    {
        public ushort nl_family;
        public ushort nl_pad;
        public uint nl_pid;
        public uint nl_groups;
    }

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int socket(int domain, int type, int protocol);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int bind(SafeHandle fd, sockaddr_nl* addr, uint addrlen);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int getsockname(SafeHandle fd, sockaddr_nl* addr, uint* addrlen);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int setsockopt(SafeHandle fd, int level, int optname, void* optval, uint optlen);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int getsockopt(SafeHandle fd, int level, int optname, void* optval, uint* optlen);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial nint send(SafeHandle fd, byte* buf, nuint len, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial nint recv(SafeHandle fd, byte* buf, nuint len, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int close(int fd);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int open(string pathname, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int setns(int fd, int nstype);

    /// <summary>NS_GET_NSTYPE (linux/nsfs.h, _IO(0xb7, 0x3)): the CLONE_NEW* type of a namespace file; ENOTTY for any other file.</summary>
    internal const ulong NS_GET_NSTYPE = 0xb703;

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int ioctl(int fd, ulong request);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int statx(int dirfd, string pathname, int flags, uint mask, byte* statxbuf);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial nint read(int fd, byte* buf, nuint count);

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

    [LibraryImport(Lib)]
    internal static partial uint geteuid();
}
