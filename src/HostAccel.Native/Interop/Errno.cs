namespace HostAccel.Native.Interop;

/// <summary>Linux errno values (asm-generic/errno-base.h, asm-generic/errno.h) under their C names.</summary>
public enum Errno
{
    None = 0,
    EPERM = 1,
    ENOENT = 2,
    ESRCH = 3,
    EINTR = 4,
    EIO = 5,
    ENXIO = 6,
    E2BIG = 7,
    EBADF = 9,
    EAGAIN = 11,
    ENOMEM = 12,
    EACCES = 13,
    EFAULT = 14,
    EBUSY = 16,
    EEXIST = 17,
    ENODEV = 19,
    EXDEV = 18,
    ENOTDIR = 20,
    EINVAL = 22,
    ENFILE = 23,
    EMFILE = 24,
    ENOSPC = 28,
    ERANGE = 34,
    ENAMETOOLONG = 36,
    ENOTEMPTY = 39,
    ELOOP = 40,
    ENOMSG = 42,
    ENODATA = 61,
    EPROTO = 71,
    EOVERFLOW = 75,
    ERESTART = 85,
    EMSGSIZE = 90,
    EPROTONOSUPPORT = 93,
    EOPNOTSUPP = 95,
    EAFNOSUPPORT = 97,
    EADDRNOTAVAIL = 99,
    ENETUNREACH = 101,
    ENOBUFS = 105,
    ENOTCONN = 107,
    ETIMEDOUT = 110,
    EHOSTUNREACH = 113,
}

public static class ErrnoText
{
    /// <summary>The C name of an errno value ("ENOENT"), or "errno N" for one this enum does not list.</summary>
    public static string Name(Errno errno) =>
        Enum.IsDefined(errno) ? errno.ToString() : $"errno {(int)errno}";

    /// <summary>The C library's strerror() text.</summary>
    public static string Message(Errno errno) =>
        System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage((int)errno);
}
