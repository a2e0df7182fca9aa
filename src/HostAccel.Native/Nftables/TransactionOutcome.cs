using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using static HostAccel.Native.Nftables.NfTablesConstants;

namespace HostAccel.Native.Nftables;

/// <summary>Turns the kernel's answers to a batch into success or the error of the message that failed first.</summary>
internal static class TransactionOutcome
{
    internal static void ThrowIfFailed(NftTransaction transaction, IReadOnlyList<NetlinkError> replies, uint first, uint last, uint? generation)
    {
        bool acknowledged = false;
        foreach (NetlinkError reply in replies)
        {
            if (reply.IsAck)
            {
                acknowledged |= reply.OriginalSequence == last - 1;
                continue;
            }

            if (reply.OriginalSequence == first || reply.OriginalSequence == last)
            {
                throw BatchError(reply, generation);
            }

            long index = (long)reply.OriginalSequence - first - 1;
            if (index < 0 || index >= transaction.Count)
            {
                throw new NetlinkDecodeException($"error for sequence {reply.OriginalSequence}, outside the batch {first}..{last}");
            }

            NftTransaction.Entry entry = transaction.Entries[(int)index];
            object? subject = reply.Offset is int offset && entry.Elements?.SubjectAt(entry.Start, offset) is object element ? element : entry.Subject;
            throw new NetlinkException(reply.Errno, entry.Description, reply.ExtAckMessage, reply.Offset, reply.OriginalSequence, Reason(entry, reply))
            {
                Subject = subject,
                MessageType = entry.Message,
            };
        }

        if (!acknowledged)
        {
            throw new NetlinkException(Errno.EPROTO, $"committing {transaction.Count} changes: the kernel did not acknowledge the batch");
        }
    }

    private static NetlinkException BatchError(NetlinkError reply, uint? generation) => reply.Errno switch
    {
        Errno.ERESTART => new NetlinkException(reply.Errno, $"committing the transaction planned at generation {generation}", reply.ExtAckMessage, reply.Offset, reply.OriginalSequence,
            KernelReason.RulesetChanged),
        Errno.EPERM => new NetlinkException(reply.Errno, "committing the transaction", reply.ExtAckMessage, reply.Offset, reply.OriginalSequence, KernelReason.NetAdminRequired),
        _ => new NetlinkException(reply.Errno, "committing the transaction", reply.ExtAckMessage, reply.Offset, reply.OriginalSequence),
    };

    /// <summary>
    /// What the errno alone does not say. A flowtable refused with ENOENT but no bad attribute pointed at is a
    /// missing flowtable type, not a missing table: for the table the kernel points at NFTA_FLOWTABLE_TABLE.
    /// </summary>
    private static KernelReason Reason(NftTransaction.Entry entry, NetlinkError reply) => (entry.Message, reply.Errno) switch
    {
        (_, Errno.EPERM) => KernelReason.NetAdminRequired,
        (NFT_MSG_NEWFLOWTABLE, Errno.ENOENT) when reply.Offset is null => KernelReason.FlowtableUnsupported,
        (NFT_MSG_NEWFLOWTABLE, Errno.EOPNOTSUPP) => KernelReason.HardwareOffloadUnsupported,
        (NFT_MSG_NEWFLOWTABLE, Errno.EEXIST) => KernelReason.DeviceInAnotherFlowtable,
        _ => KernelReason.None,
    };
}
