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
    internal const int O_CLOEXEC = 0x80000;
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

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int unshare(int flags);

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
