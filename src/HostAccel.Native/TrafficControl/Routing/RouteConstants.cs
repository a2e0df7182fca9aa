namespace HostAccel.Native.TrafficControl.Routing;

/// <summary>
/// Links, routes and neighbours over rtnetlink, under their C names: linux/rtnetlink.h (RTM_*, RTA_*, RTN_*,
/// RT_SCOPE_*, RTM_F_*), linux/if_link.h (IFLA_*), linux/neighbour.h (NDA_*), linux/if_arp.h (ARPHRD_*).
/// </summary>
internal static class RouteConstants
{
    internal const ushort RTM_NEWLINK = 16;
    internal const ushort RTM_GETLINK = 18;
    internal const ushort RTM_NEWROUTE = 24;
    internal const ushort RTM_GETROUTE = 26;
    internal const ushort RTM_NEWNEIGH = 28;
    internal const ushort RTM_GETNEIGH = 30;

    // linux/if_link.h: enum { IFLA_UNSPEC … }
    internal const ushort IFLA_ADDRESS = 1;
    internal const ushort IFLA_IFNAME = 3;
    internal const ushort IFLA_MTU = 4;
    internal const ushort IFLA_LINK = 5;
    internal const ushort IFLA_MASTER = 10;
    internal const ushort IFLA_OPERSTATE = 16;
    internal const ushort IFLA_LINKINFO = 18;
    internal const ushort IFLA_EXT_MASK = 29;
    internal const ushort IFLA_INFO_KIND = 1;

    // linux/rtnetlink.h: RTEXT_FILTER_*
    internal const uint RTEXT_FILTER_VF = 1 << 0;
    internal const uint RTEXT_FILTER_SKIP_STATS = 1 << 3;

    // linux/if_arp.h
    internal const ushort ARPHRD_ETHER = 1;

    // linux/if.h
    internal const uint IFF_UP = 0x1;

    // linux/rtnetlink.h: enum rtattr_type_t
    internal const ushort RTA_DST = 1;
    internal const ushort RTA_SRC = 2;
    internal const ushort RTA_IIF = 3;
    internal const ushort RTA_OIF = 4;
    internal const ushort RTA_GATEWAY = 5;
    internal const ushort RTA_PRIORITY = 6;
    internal const ushort RTA_PREFSRC = 7;
    internal const ushort RTA_MULTIPATH = 9;
    internal const ushort RTA_TABLE = 15;
    internal const ushort RTA_VIA = 18;
    internal const ushort RTA_ENCAP_TYPE = 21;
    internal const ushort RTA_ENCAP = 22;
    internal const ushort RTA_NH_ID = 30;

    // linux/rtnetlink.h: rtm_flags
    internal const uint RTM_F_CLONED = 0x200;
    internal const uint RTM_F_LOOKUP_TABLE = 0x1000;
    internal const uint RTM_F_FIB_MATCH = 0x2000;

    // linux/rtnetlink.h: enum rt_class_t
    internal const byte RT_TABLE_UNSPEC = 0;
    internal const byte RT_TABLE_COMPAT = 252;
    internal const byte RT_TABLE_MAIN = 254;
    internal const byte RT_TABLE_LOCAL = 255;

    // linux/neighbour.h: enum { NDA_UNSPEC … }
    internal const ushort NDA_DST = 1;
    internal const ushort NDA_LLADDR = 2;
    internal const ushort NDA_IFINDEX = 8;

    // linux/socket.h
    internal const byte AF_UNSPEC = 0;
    internal const byte AF_INET = 2;
    internal const byte AF_INET6 = 10;
    internal const byte AF_PACKET = 17;
}
