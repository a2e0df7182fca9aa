namespace HostAccel.Native.TrafficControl;

/// <summary>
/// Message types and attributes of traffic control over rtnetlink, under their C names: linux/rtnetlink.h (messages,
/// TCA_*), linux/pkt_sched.h (TC_H_*), linux/pkt_cls.h (TCA_ACT_*, TC_ACT_*, TCA_CLS_FLAGS_*, TCA_FLOWER_*) and
/// linux/gen_stats.h (TCA_STATS_*). Each action's own attributes are in its file under Actions/.
/// </summary>
internal static class TcConstants
{
    // linux/rtnetlink.h: enum { RTM_BASE … }
    internal const ushort RTM_NEWQDISC = 36;
    internal const ushort RTM_DELQDISC = 37;
    internal const ushort RTM_GETQDISC = 38;
    internal const ushort RTM_NEWTFILTER = 44;
    internal const ushort RTM_DELTFILTER = 45;
    internal const ushort RTM_GETTFILTER = 46;
    internal const ushort RTM_NEWACTION = 48;
    internal const ushort RTM_DELACTION = 49;
    internal const ushort RTM_GETACTION = 50;

    // linux/rtnetlink.h: enum { TCA_UNSPEC, TCA_KIND … }
    internal const ushort TCA_KIND = 1;
    internal const ushort TCA_OPTIONS = 2;
    internal const ushort TCA_STATS = 3;
    internal const ushort TCA_XSTATS = 4;
    internal const ushort TCA_STATS2 = 7;
    internal const ushort TCA_CHAIN = 11;
    internal const ushort TCA_HW_OFFLOAD = 12;

    // linux/rtnetlink.h: enum { TCA_ROOT_UNSPEC, TCA_ROOT_TAB … } (RTM_*ACTION messages)
    internal const ushort TCA_ROOT_TAB = 1;

    /// <summary>struct tcamsg (linux/rtnetlink.h): a family byte and three of padding.</summary>
    internal const int TcaMsgLength = 4;

    // linux/pkt_sched.h
    internal const uint TC_H_MAJ_MASK = 0xFFFF0000;
    internal const uint TC_H_MIN_MASK = 0x0000FFFF;
    internal const uint TC_H_INGRESS = 0xFFFFFFF1;
    internal const uint TC_H_CLSACT = TC_H_INGRESS;
    internal const uint TC_H_MIN_INGRESS = 0xFFF2;
    internal const uint TC_H_MIN_EGRESS = 0xFFF3;

    // linux/pkt_cls.h: enum { TCA_ACT_UNSPEC, TCA_ACT_KIND … }
    internal const ushort TCA_ACT_KIND = 1;
    internal const ushort TCA_ACT_OPTIONS = 2;
    internal const ushort TCA_ACT_INDEX = 3;
    internal const ushort TCA_ACT_STATS = 4;
    internal const ushort TCA_ACT_COOKIE = 6;
    internal const ushort TCA_ACT_FLAGS = 7;

    /// <summary>TC_COOKIE_MAX_SIZE (linux/pkt_cls.h): the longest cookie an action keeps.</summary>
    internal const int TC_COOKIE_MAX_SIZE = 16;
    internal const ushort TCA_ACT_HW_STATS = 8;
    internal const ushort TCA_ACT_USED_HW_STATS = 9;
    internal const ushort TCA_ACT_IN_HW_COUNT = 10;

    /// <summary>TCA_ACT_MAX_PRIO: how many actions one filter holds.</summary>
    internal const int TCA_ACT_MAX_PRIO = 32;

    // linux/pkt_cls.h: TCA_CLS_FLAGS_*
    internal const uint TCA_CLS_FLAGS_SKIP_HW = 1 << 0;
    internal const uint TCA_CLS_FLAGS_SKIP_SW = 1 << 1;
    internal const uint TCA_CLS_FLAGS_IN_HW = 1 << 2;
    internal const uint TCA_CLS_FLAGS_NOT_IN_HW = 1 << 3;

    // linux/pkt_cls.h: enum { TCA_FLOWER_UNSPEC … }
    internal const ushort TCA_FLOWER_CLASSID = 1;
    internal const ushort TCA_FLOWER_INDEV = 2;
    internal const ushort TCA_FLOWER_ACT = 3;
    internal const ushort TCA_FLOWER_KEY_ETH_TYPE = 8;
    internal const ushort TCA_FLOWER_KEY_IP_PROTO = 9;
    internal const ushort TCA_FLOWER_KEY_IPV4_SRC = 10;
    internal const ushort TCA_FLOWER_KEY_IPV4_SRC_MASK = 11;
    internal const ushort TCA_FLOWER_KEY_IPV4_DST = 12;
    internal const ushort TCA_FLOWER_KEY_IPV4_DST_MASK = 13;
    internal const ushort TCA_FLOWER_KEY_IPV6_SRC = 14;
    internal const ushort TCA_FLOWER_KEY_IPV6_SRC_MASK = 15;
    internal const ushort TCA_FLOWER_KEY_IPV6_DST = 16;
    internal const ushort TCA_FLOWER_KEY_IPV6_DST_MASK = 17;
    internal const ushort TCA_FLOWER_FLAGS = 22;
    internal const ushort TCA_FLOWER_KEY_IP_TTL = 75;
    internal const ushort TCA_FLOWER_KEY_IP_TTL_MASK = 76;
    internal const ushort TCA_FLOWER_IN_HW_COUNT = 86;

    // linux/gen_stats.h: enum { TCA_STATS_UNSPEC … }
    internal const ushort TCA_STATS_BASIC = 1;
    internal const ushort TCA_STATS_RATE_EST = 2;
    internal const ushort TCA_STATS_QUEUE = 3;
    internal const ushort TCA_STATS_APP = 4;
    internal const ushort TCA_STATS_RATE_EST64 = 5;
    internal const ushort TCA_STATS_BASIC_HW = 7;
    internal const ushort TCA_STATS_PKT64 = 8;

    // linux/if_ether.h
    internal const ushort ETH_P_IP = 0x0800;
    internal const ushort ETH_P_IPV6 = 0x86DD;
    internal const ushort ETH_P_ALL = 0x0003;

    /// <summary>TC_H_MAKE(maj, min).</summary>
    internal static uint TC_H_MAKE(uint major, uint minor) => (major & TC_H_MAJ_MASK) | (minor & TC_H_MIN_MASK);
}
