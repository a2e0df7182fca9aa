using HostAccel.Native.Interop;

namespace HostAccel.Native.Netlink;

/// <summary>
/// The kernel answered a netlink request with an error. <see cref="Operation"/> says which request in the words of
/// the objects it was about; <see cref="ExtAckMessage"/> is the kernel's own explanation when it gave one.
/// </summary>
public sealed class NetlinkException : ErrnoException
{
    public NetlinkException(Errno errno, string operation, string? extAckMessage = null, int? offset = null, uint sequence = 0, string? hint = null)
        : base(errno, Format(errno, operation, extAckMessage, hint), hint)
    {
        Operation = operation;
        ExtAckMessage = extAckMessage;
        Offset = offset;
        Sequence = sequence;
    }

    /// <summary>nfnetlink refuses every request, reads included, without CAP_NET_ADMIN in the socket's namespace.</summary>
    public const string PrivilegeHint = "HostAccel requires root or CAP_NET_ADMIN: the kernel refuses every nf_tables and conntrack request without it";

    public string Operation { get; }

    public string? ExtAckMessage { get; }

    /// <summary>Where in the offending message the kernel pointed (NLMSGERR_ATTR_OFFS), counted from its header.</summary>
    public int? Offset { get; }

    public uint Sequence { get; }

    private static string Format(Errno errno, string operation, string? extAck, string? hint)
    {
        string text = $"{operation}: {ErrnoText.Message(errno)} ({ErrnoText.Name(errno)})";
        if (!string.IsNullOrEmpty(extAck))
        {
            text += $": {extAck}";
        }

        if (!string.IsNullOrEmpty(hint))
        {
            text += $". {hint}";
        }

        return text;
    }
}
