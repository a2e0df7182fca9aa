using HostAccel.Native.Interop;

namespace HostAccel.Native;

/// <summary>A failure that carries an errno from the kernel or the C library.</summary>
public abstract class ErrnoException : Exception
{
    protected ErrnoException(Errno errno, string message, string? hint = null, Exception? inner = null)
        : base(message, inner)
    {
        Errno = errno;
        Hint = hint;
    }

    public Errno Errno { get; }

    /// <summary>What the library knows that the errno alone does not say (a missing kernel feature, a privilege).</summary>
    public string? Hint { get; }

    public string ErrnoName => ErrnoText.Name(Errno);
}

/// <summary>A C library call failed (socket, setns, open …).</summary>
public sealed class SystemCallException : ErrnoException
{
    public SystemCallException(string call, Errno errno, string? detail = null, string? hint = null)
        : base(errno, Format(call, errno, detail, hint), hint)
    {
        Call = call;
    }

    public string Call { get; }

    private static string Format(string call, Errno errno, string? detail, string? hint) =>
        $"{call}{(detail is null ? "" : $" ({detail})")} failed: {ErrnoText.Message(errno)} ({ErrnoText.Name(errno)}){(hint is null ? "" : $". {hint}")}";

    internal static SystemCallException FromLastError(string call, string? detail = null) =>
        new(call, (Errno)System.Runtime.InteropServices.Marshal.GetLastPInvokeError(), detail);
}
