using System.Runtime.Versioning;
using HostAccel.Native.Interop;
using HostAccel.Native.Nftables;
using static HostAccel.Native.Netlink.NetlinkConstants;

namespace HostAccel.Native.Netlink;

/// <summary>What a notification was about.</summary>
public enum NetlinkNoticeKind
{
    /// <summary>An nf_tables object added or deleted (<see cref="NetlinkNotice.Table"/> names its table).</summary>
    Ruleset,

    /// <summary>The end of an nf_tables transaction: NFT_MSG_NEWGEN, with the new generation and the committing task.</summary>
    Generation,

    /// <summary>A network device added, changed or deleted (<see cref="NetlinkNotice.Link"/> names it).</summary>
    Link,

    /// <summary>Notifications were lost (ENOBUFS): whatever was watched must be read again in full.</summary>
    Overrun,
}

/// <summary>
/// One multicast notification, decoded as far as a watcher needs: the nf_tables message (NFT_MSG_*) or rtnetlink type
/// (RTM_NEWLINK, RTM_DELLINK), the table or device it names, and for a generation the task that committed it
/// (NFTA_GEN_PROC_PID: a thread id).
/// </summary>
public sealed record NetlinkNotice(NetlinkNoticeKind Kind, ushort Message = 0, byte Family = 0, string? Table = null, string? Link = null, uint? Pid = null, uint? Generation = null, bool Deleted = false);

/// <summary>
/// Multicast notifications of one network namespace: nf_tables changes (NFNLGRP_NFTABLES, linux/netfilter/nfnetlink.h)
/// and device changes (RTNLGRP_LINK, linux/rtnetlink.h), each on a socket of its own protocol, waited for together.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class NetlinkSubscription : IDisposable
{
    internal const int NFNLGRP_NFTABLES = 7;
    internal const int RTNLGRP_LINK = 1;
    private const int NETLINK_ADD_MEMBERSHIP = 1;
    private const ushort RTM_NEWLINK = 16;
    private const ushort RTM_DELLINK = 17;
    private const ushort IFLA_IFNAME = 3;
    private const int IfInfoMsgLength = 16;
    private const ushort NFTA_GEN_ID = 1;
    private const ushort NFTA_GEN_PROC_PID = 2;

    private readonly NetlinkSocket _nftables;
    private readonly NetlinkSocket _links;

    private NetlinkSubscription(NetlinkSocket nftables, NetlinkSocket links)
    {
        _nftables = nftables;
        _links = links;
    }

    /// <summary>Subscribes in a named namespace, or the current one when null.</summary>
    public static NetlinkSubscription Open(string? networkNamespace)
    {
        NetlinkSocket nftables = NetlinkSocket.Open(NETLINK_NETFILTER, networkNamespace);
        try
        {
            nftables.Join(NFNLGRP_NFTABLES);
            NetlinkSocket links = NetlinkSocket.Open(NETLINK_ROUTE, networkNamespace);
            try
            {
                links.Join(RTNLGRP_LINK);
                return new NetlinkSubscription(nftables, links);
            }
            catch
            {
                links.Dispose();
                throw;
            }
        }
        catch
        {
            nftables.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Waits at most <paramref name="timeout"/> for notifications and returns every one queued then, in order per
    /// socket; empty when none came. A socket whose queue overflowed yields one <see cref="NetlinkNoticeKind.Overrun"/>.
    /// </summary>
    public IReadOnlyList<NetlinkNotice> Wait(TimeSpan timeout)
    {
        var notices = new List<NetlinkNotice>();
        if (LibC.poll(_nftables.Handle, _links.Handle, (int)Math.Clamp(timeout.TotalMilliseconds, 0, int.MaxValue), out bool nft, out bool link) <= 0)
        {
            return notices;
        }

        if (nft)
        {
            Read(_nftables, notices, DecodeRuleset);
        }

        if (link)
        {
            Read(_links, notices, DecodeLink);
        }

        return notices;
    }

    private delegate void Decoder(in NetlinkMessage message, List<NetlinkNotice> notices);

    private static void Read(NetlinkSocket socket, List<NetlinkNotice> notices, Decoder decode)
    {
        while (true)
        {
            ReadOnlySpan<byte> datagram;
            try
            {
                datagram = socket.Receive(wait: false);
            }
            catch (SystemCallException ex) when (ex.Errno == Errno.ENOBUFS)
            {
                notices.Add(new NetlinkNotice(NetlinkNoticeKind.Overrun));
                continue;
            }

            if (datagram.IsEmpty)
            {
                return;
            }

            foreach (NetlinkMessage message in NetlinkMessage.Parse(datagram))
            {
                try
                {
                    decode(message, notices);
                }
                catch (NetlinkDecodeException)
                {
                    // A notification this reader cannot decode still says that something changed.
                    notices.Add(new NetlinkNotice(NetlinkNoticeKind.Overrun));
                }
            }
        }
    }

    private static void DecodeRuleset(in NetlinkMessage message, List<NetlinkNotice> notices)
    {
        if (message.Type >> 8 != NFNL_SUBSYS_NFTABLES)
        {
            return;
        }

        ushort type = (ushort)(message.Type & 0xff);
        AttributeReader attributes = message.Attributes;
        if (type == NfTablesConstants.NFT_MSG_NEWGEN)
        {
            uint? generation = null, pid = null;
            while (attributes.Next())
            {
                switch (attributes.Type)
                {
                    case NFTA_GEN_ID:
                        generation = attributes.GetU32Be();
                        break;
                    case NFTA_GEN_PROC_PID:
                        pid = attributes.GetU32Be();
                        break;
                }
            }

            notices.Add(new NetlinkNotice(NetlinkNoticeKind.Generation, type, message.Family, Pid: pid, Generation: generation));
            return;
        }

        // Every object's message names its table in attribute 1 (NFTA_TABLE_NAME, NFTA_CHAIN_TABLE, NFTA_RULE_TABLE,
        // NFTA_SET_TABLE, NFTA_SET_ELEM_LIST_TABLE, NFTA_FLOWTABLE_TABLE …).
        string? table = null;
        while (attributes.Next())
        {
            if (attributes.Type == 1)
            {
                table = attributes.GetString();
                break;
            }
        }

        bool deleted = type is NfTablesConstants.NFT_MSG_DELTABLE or NfTablesConstants.NFT_MSG_DELCHAIN or NfTablesConstants.NFT_MSG_DELRULE
            or NfTablesConstants.NFT_MSG_DELSET or NfTablesConstants.NFT_MSG_DELSETELEM or NfTablesConstants.NFT_MSG_DELFLOWTABLE;
        notices.Add(new NetlinkNotice(NetlinkNoticeKind.Ruleset, type, message.Family, table, Deleted: deleted));
    }

    private static void DecodeLink(in NetlinkMessage message, List<NetlinkNotice> notices)
    {
        if (message.Type is not (RTM_NEWLINK or RTM_DELLINK) || message.Payload.Length < IfInfoMsgLength)
        {
            return;
        }

        var attributes = new AttributeReader(message.Payload[IfInfoMsgLength..]);
        string? name = null;
        while (attributes.Next())
        {
            if (attributes.Type == IFLA_IFNAME)
            {
                name = attributes.GetString();
                break;
            }
        }

        notices.Add(new NetlinkNotice(NetlinkNoticeKind.Link, message.Type, Link: name, Deleted: message.Type == RTM_DELLINK));
    }

    public void Dispose()
    {
        _nftables.Dispose();
        _links.Dispose();
    }
}
