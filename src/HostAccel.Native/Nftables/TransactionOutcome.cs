using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using static HostAccel.Native.Nftables.NfTablesConstants;

namespace HostAccel.Native.Nftables;

/// <summary>Turns the kernel's answers to a batch into success or the error of the message that failed first.</summary>
internal static class TransactionOutcome
{
    internal const string FlowtableHint =
        "This kernel has no flowtable support: it needs CONFIG_NF_FLOW_TABLE, CONFIG_NF_FLOW_TABLE_INET and " +
        "CONFIG_NFT_FLOW_OFFLOAD, built in or as the modules nf_flow_table, nf_flow_table_inet and nft_flow_offload " +
        "(before Linux 5.17 also nf_flow_table_ipv4 and nf_flow_table_ipv6).";

    internal const string PrivilegeHint = NetlinkException.PrivilegeHint;

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
            throw new NetlinkException(reply.Errno, entry.Description, reply.ExtAckMessage, reply.Offset, reply.OriginalSequence, Hint(entry, reply));
        }

        if (!acknowledged)
        {
            throw new NetlinkException(Errno.EPROTO, $"committing {transaction.Count} changes: the kernel did not acknowledge the batch");
        }
    }

    private static NetlinkException BatchError(NetlinkError reply, uint? generation) => reply.Errno switch
    {
        Errno.ERESTART => new NetlinkException(reply.Errno, "committing the transaction", reply.ExtAckMessage, reply.Offset, reply.OriginalSequence,
            $"The ruleset changed after generation {generation} was read; nothing was applied"),
        Errno.EPERM => new NetlinkException(reply.Errno, "committing the transaction", reply.ExtAckMessage, reply.Offset, reply.OriginalSequence, PrivilegeHint),
        _ => new NetlinkException(reply.Errno, "committing the transaction", reply.ExtAckMessage, reply.Offset, reply.OriginalSequence),
    };

    internal const string HardwareOffloadHint =
        "Hardware offload (flags offload) needs devices whose drivers support it (ndo_setup_tc with TC_SETUP_FT); " +
        "leave it off for software offload.";

    internal const string SharedDeviceHint =
        "A device can be in only one flowtable of a table: one of the devices listed already is";

    /// <summary>
    /// What the errno alone does not say. A flowtable refused with ENOENT but no bad attribute pointed at is a
    /// missing flowtable type, not a missing table: for the table the kernel points at NFTA_FLOWTABLE_TABLE.
    /// </summary>
    private static string? Hint(NftTransaction.Entry entry, NetlinkError reply) => (entry.Message, reply.Errno) switch
    {
        (_, Errno.EPERM) => PrivilegeHint,
        (NFT_MSG_NEWFLOWTABLE, Errno.ENOENT) when reply.Offset is null => FlowtableHint,
        (NFT_MSG_NEWFLOWTABLE, Errno.EOPNOTSUPP) => HardwareOffloadHint,
        (NFT_MSG_NEWFLOWTABLE, Errno.EEXIST) => SharedDeviceHint,
        _ => null,
    };
}
