using HostAccel.Native.Interop;

namespace HostAccel.Native;

/// <summary>A failure that carries an errno from the kernel or the C library.</summary>
public abstract class ErrnoException : Exception
{
    protected ErrnoException(Errno errno, string message, KernelReason reason = KernelReason.None, Exception? inner = null)
        : base(message, inner)
    {
        Errno = errno;
        Reason = reason;
    }

    public Errno Errno { get; }

    /// <summary>What the library knows that the errno alone does not say (a missing kernel feature, a privilege).</summary>
    public KernelReason Reason { get; }

    /// <summary>The reason in words, as the message ends with it.</summary>
    public string? Hint => KernelReasonText.Hint(Reason);

    public string ErrnoName => ErrnoText.Name(Errno);
}

/// <summary>A C library call failed (socket, setns, open …).</summary>
public sealed class SystemCallException : ErrnoException
{
    public SystemCallException(string call, Errno errno, string? detail = null, KernelReason reason = KernelReason.None)
        : base(errno, Format(call, errno, detail, KernelReasonText.Hint(reason)), reason)
    {
        Call = call;
    }

    public string Call { get; }

    private static string Format(string call, Errno errno, string? detail, string? hint) =>
        $"{call}{(detail is null ? "" : $" ({detail})")} failed: {ErrnoText.Message(errno)} ({ErrnoText.Name(errno)}){(hint is null ? "" : $". {hint}")}";

    internal static SystemCallException FromLastError(string call, string? detail = null) =>
        new(call, (Errno)System.Runtime.InteropServices.Marshal.GetLastPInvokeError(), detail);
}
