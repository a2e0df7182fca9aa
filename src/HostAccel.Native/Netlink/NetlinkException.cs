using HostAccel.Native.Interop;

namespace HostAccel.Native.Netlink;

/// <summary>
/// The kernel answered a netlink request with an error. <see cref="Operation"/> says which request in the words of
/// the objects it was about; <see cref="ExtAckMessage"/> is the kernel's own explanation when it gave one.
/// </summary>
public sealed class NetlinkException : ErrnoException
{
    public NetlinkException(Errno errno, string operation, string? extAckMessage = null, int? offset = null, uint sequence = 0, KernelReason reason = KernelReason.None,
        IReadOnlyList<string>? missingModules = null)
        : base(errno, Format(errno, operation, extAckMessage, KernelReasonText.Hint(reason), missingModules), reason)
    {
        Operation = operation;
        ExtAckMessage = extAckMessage;
        Offset = offset;
        Sequence = sequence;
        MissingModules = missingModules ?? [];
    }

    /// <summary>
    /// With <see cref="KernelReason.TrafficControlModuleMissing"/>: the modules the kernel was found to lack
    /// (cls_flower, act_pedit …); empty when the probe could not tell.
    /// </summary>
    public IReadOnlyList<string> MissingModules { get; }

    public string Operation { get; }

    public string? ExtAckMessage { get; }

    /// <summary>Where in the offending message the kernel pointed (NLMSGERR_ATTR_OFFS), counted from its header.</summary>
    public int? Offset { get; }

    public uint Sequence { get; }

    /// <summary>
    /// The caller's object the failed message was queued for (<see cref="Nftables.NftTransaction"/>'s subjects): for an
    /// element list, the subject of the element the kernel pointed at. Null outside transactions.
    /// </summary>
    public object? Subject { get; init; }

    /// <summary>The nf_tables message (NFT_MSG_*) of a transaction that failed, or 0.</summary>
    public ushort MessageType { get; init; }

    private static string Format(Errno errno, string operation, string? extAck, string? hint, IReadOnlyList<string>? missingModules)
    {
        string text = $"{operation}: {ErrnoText.Message(errno)} ({ErrnoText.Name(errno)})";
        if (!string.IsNullOrEmpty(extAck))
        {
            text += $": {extAck}";
        }

        if (missingModules is { Count: > 0 })
        {
            text += $"; this kernel has no {string.Join(", ", missingModules)} (modprobe {string.Join(" ", missingModules)})";
        }

        if (!string.IsNullOrEmpty(hint))
        {
            text += $". {hint}";
        }

        return text;
    }
}
