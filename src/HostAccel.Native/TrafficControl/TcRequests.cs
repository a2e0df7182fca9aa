using System.Buffers.Binary;
using System.Net;
using HostAccel.Native.Netlink;
using HostAccel.Native.TrafficControl.Actions;
using HostAccel.Native.TrafficControl.Routing;
using static HostAccel.Native.Netlink.NetlinkConstants;
using static HostAccel.Native.TrafficControl.Routing.RouteConstants;
using static HostAccel.Native.TrafficControl.TcConstants;

namespace HostAccel.Native.TrafficControl;

/// <summary>
/// Every rtnetlink request <see cref="TcConnection"/> sends, each laid out as iproute2 lays out the command named
/// on it (Golden/tc holds those bytes, captured from tc and ip). Requests for changes and single objects ask for an
/// ACK; tc asks for one on changes too, ip not on its lookups, which is the only difference.
/// </summary>
internal static class TcRequests
{
    /// <summary>The message of a change: <c>tc qdisc add|replace|del …</c>, <c>tc filter add|replace|del …</c>.</summary>
    internal static void Change(NetlinkWriter writer, uint sequence, TcChange change)
    {
        switch (change.Kind)
        {
            case TcChangeKind.AddQdisc:
                Message(writer, RTM_NEWQDISC, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, sequence, change.Qdisc!.Encode);
                break;
            case TcChangeKind.ReplaceQdisc:
                Message(writer, RTM_NEWQDISC, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, sequence, change.Qdisc!.Encode);
                break;
            case TcChangeKind.DeleteQdisc:
                Message(writer, RTM_DELQDISC, NLM_F_ACK, sequence, change.Qdisc!.Encode);
                break;
            case TcChangeKind.AddFilter:
                Message(writer, RTM_NEWTFILTER, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, sequence, change.Filter!.Encode);
                break;
            case TcChangeKind.ReplaceFilter:
                Message(writer, RTM_NEWTFILTER, NLM_F_ACK | NLM_F_CREATE, sequence, change.Filter!.Encode);
                break;
            case TcChangeKind.DeleteFilter:
                Message(writer, RTM_DELTFILTER, NLM_F_ACK, sequence, change.Filter!.EncodeDelete);
                break;
            case TcChangeKind.DeletePriority:
                TcPriority p = change.Priority!;
                uint info = ((uint)p.Priority << 16) | BinaryPrimitives.ReverseEndianness(p.Protocol);
                Message(writer, RTM_DELTFILTER, NLM_F_ACK, sequence, w => w.WriteStruct(new TcMsg(0, p.InterfaceIndex, 0, (uint)p.Hook, info)));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(change), change.Kind, "unknown change");
        }
    }

    /// <summary><c>tc actions add action …</c>: one action shared by no filter.</summary>
    internal static void AddStandaloneAction(NetlinkWriter writer, uint sequence, TcAction action) =>
        Message(writer, RTM_NEWACTION, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, sequence, w =>
        {
            w.WriteStruct(new TcaMsg(0));
            ActionCodec.EncodeList(w, TCA_ROOT_TAB, [action]);
        });

    /// <summary><c>tc qdisc show dev X</c>: the kernel dumps every device's qdiscs whatever the index.</summary>
    internal static void ListQdiscs(NetlinkWriter writer, uint sequence, int interfaceIndex) =>
        Message(writer, RTM_GETQDISC, NLM_F_DUMP, sequence, w => w.WriteStruct(new TcMsg(0, interfaceIndex, 0, 0, 0)));

    /// <summary><c>tc -s filter show dev X ingress|egress</c>: every priority and chain of the hook.</summary>
    internal static void ListFilters(NetlinkWriter writer, uint sequence, int interfaceIndex, ClsactHook hook) =>
        Message(writer, RTM_GETTFILTER, NLM_F_DUMP, sequence, w => w.WriteStruct(new TcMsg(0, interfaceIndex, 0, (uint)hook, 0)));

    /// <summary>ip's lookup of a device by name (ll_link_get): statistics skipped.</summary>
    internal static void GetLink(NetlinkWriter writer, uint sequence, string name) =>
        Message(writer, RTM_GETLINK, NLM_F_ACK, sequence, w =>
        {
            w.WriteStruct(new IfInfoMsg(AF_UNSPEC, 0, 0, 0, 0));
            w.WriteU32Host(IFLA_EXT_MASK, RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS);
            w.WriteString(IFLA_IFNAME, name);
        });

    /// <summary>tc's device cache (ll_init_map): every device.</summary>
    internal static void ListLinks(NetlinkWriter writer, uint sequence) =>
        Message(writer, RTM_GETLINK, NLM_F_DUMP, sequence, w =>
        {
            w.WriteStruct(new IfInfoMsg(AF_UNSPEC, 0, 0, 0, 0));
            w.WriteU32Host(IFLA_EXT_MASK, RTEXT_FILTER_VF);
        });

    /// <summary><c>ip neigh get A dev D</c>.</summary>
    internal static void GetNeighbour(NetlinkWriter writer, uint sequence, IPAddress address, int interfaceIndex) =>
        Message(writer, RTM_GETNEIGH, NLM_F_ACK, sequence, w =>
        {
            w.WriteStruct(new NdMsg(Neighbour.FamilyOf(address), interfaceIndex, 0, 0, 0));
            w.WriteBytes(NDA_DST, address.GetAddressBytes());
        });

    /// <summary><c>ip [-4|-6] neigh show dev D</c>: with strict checking the kernel keeps the device's entries.</summary>
    internal static void ListNeighbours(NetlinkWriter writer, uint sequence, int interfaceIndex, byte family) =>
        Message(writer, RTM_GETNEIGH, NLM_F_DUMP, sequence, w =>
        {
            w.WriteStruct(new NdMsg(family, 0, 0, 0, 0));
            w.WriteU32Host(NDA_IFINDEX, (uint)interfaceIndex);
        });

    /// <summary>
    /// <c>ip route get [fibmatch] D [from S] [iif I]</c>. For IPv4 ip also asks for RTM_F_LOOKUP_TABLE (the table the
    /// route came from in the answer's rtm_table); for IPv6 it does not, and the answer carries RTA_TABLE anyway.
    /// </summary>
    internal static void GetRoute(NetlinkWriter writer, uint sequence, IPAddress destination, IPAddress? source, int? inputInterface, bool fibMatch)
    {
        byte family = Neighbour.FamilyOf(destination);
        byte bits = (byte)(family == AF_INET6 ? 128 : 32);
        Message(writer, RTM_GETROUTE, NLM_F_ACK, sequence, w =>
        {
            w.WriteStruct(new RtMsg(family, bits, source is null ? (byte)0 : bits, 0, 0, 0, 0, 0,
                (family == AF_INET ? RTM_F_LOOKUP_TABLE : 0) | (fibMatch ? RTM_F_FIB_MATCH : 0)));
            w.WriteBytes(RTA_DST, destination.GetAddressBytes());
            if (source is not null)
            {
                w.WriteBytes(RTA_SRC, source.GetAddressBytes());
            }

            if (inputInterface is int iif)
            {
                w.WriteU32Host(RTA_IIF, (uint)iif);
            }
        });
    }

    /// <summary><c>ip [-4|-6] route show table T</c>.</summary>
    internal static void ListRoutes(NetlinkWriter writer, uint sequence, byte family, uint table) =>
        Message(writer, RTM_GETROUTE, NLM_F_DUMP, sequence, w =>
        {
            w.WriteStruct(new RtMsg(family, 0, 0, 0, 0, 0, 0, 0, 0));
            w.WriteU32Host(RTA_TABLE, table);
        });

    private static void Message(NetlinkWriter writer, ushort type, ushort flags, uint sequence, Action<NetlinkWriter> body)
    {
        int start = writer.BeginMessage(type, (ushort)(NLM_F_REQUEST | flags), sequence);
        body(writer);
        writer.EndMessage(start);
    }
}
