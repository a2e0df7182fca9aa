using HostAccel.Native.Interop;

namespace HostAccel.Native;

/// <summary>A failure that carries an errno from the kernel or the C library.</summary>
public abstract class ErrnoException : Exception
{
    protected ErrnoException(Errno errno, string message, Exception? inner = null)
        : base(message, inner)
    {
        Errno = errno;
    }

    public Errno Errno { get; }

    public string ErrnoName => ErrnoText.Name(Errno);
}

/// <summary>A C library call failed (socket, setns, open …).</summary>
public sealed class SystemCallException : ErrnoException
{
    public SystemCallException(string call, Errno errno, string? detail = null)
        : base(errno, Format(call, errno, detail))
    {
        Call = call;
    }

    public string Call { get; }

    private static string Format(string call, Errno errno, string? detail) =>
        $"{call}{(detail is null ? "" : $" ({detail})")} failed: {ErrnoText.Message(errno)} ({ErrnoText.Name(errno)})";

    internal static SystemCallException FromLastError(string call, string? detail = null) =>
        new(call, (Errno)System.Runtime.InteropServices.Marshal.GetLastPInvokeError(), detail);
}
