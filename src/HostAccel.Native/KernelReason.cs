namespace HostAccel.Native;

/// <summary>
/// What the library knows about a refusal that the errno alone does not say: a missing capability, a missing kernel
/// feature, a namespace that is not there. Callers classify failures by this value, never by their text.
/// </summary>
public enum KernelReason
{
    /// <summary>Nothing beyond the errno.</summary>
    None,

    /// <summary>nf_tables, conntrack and rtnetlink changes need CAP_NET_ADMIN in the socket's namespace.</summary>
    NetAdminRequired,

    /// <summary>Entering another network namespace (setns) needs CAP_SYS_ADMIN.</summary>
    SysAdminRequired,

    /// <summary>The kernel has no flowtable type (nf_flow_table, nf_flow_table_inet, nft_flow_offload).</summary>
    FlowtableUnsupported,

    /// <summary>A device of a flowtable with hardware offload has no driver support for it.</summary>
    HardwareOffloadUnsupported,

    /// <summary>A device can be in only one flowtable of a table, and one listed already is.</summary>
    DeviceInAnotherFlowtable,

    /// <summary>There is no network namespace of that name under /run/netns.</summary>
    NamespaceNotFound,

    /// <summary>The ruleset changed after the generation a transaction was planned against.</summary>
    RulesetChanged,

    /// <summary>
    /// The kernel lacks a module of the Traffic Control mode (a qdisc, classifier or action kind it cannot create);
    /// <see cref="Netlink.NetlinkException.MissingModules"/> names the ones the support probe found missing.
    /// </summary>
    TrafficControlModuleMissing,

    /// <summary>The device already has a clsact qdisc (perhaps holding another program's filters).</summary>
    QdiscExists,

    /// <summary>A filter with the same priority, protocol and handle is already on the hook.</summary>
    FilterExists,

    /// <summary>Creating a throwaway network namespace (unshare) for a probe needs CAP_SYS_ADMIN.</summary>
    SysAdminRequiredForProbe,
}

/// <summary>The words each reason adds to an error message, and the advice that goes with them.</summary>
public static class KernelReasonText
{
    public static string? Hint(KernelReason reason) => reason switch
    {
        KernelReason.NetAdminRequired => "HostAccel requires root or CAP_NET_ADMIN: the kernel refuses every nf_tables and conntrack request, and every traffic control change, without it",
        KernelReason.SysAdminRequired => "Entering a named network namespace requires CAP_SYS_ADMIN",
        KernelReason.FlowtableUnsupported =>
            "This kernel has no flowtable support: it needs CONFIG_NF_FLOW_TABLE, CONFIG_NF_FLOW_TABLE_INET and " +
            "CONFIG_NFT_FLOW_OFFLOAD, built in or as the modules nf_flow_table, nf_flow_table_inet and nft_flow_offload " +
            "(before Linux 5.17 also nf_flow_table_ipv4 and nf_flow_table_ipv6)",
        KernelReason.HardwareOffloadUnsupported =>
            "Hardware offload (flags offload) needs devices whose drivers support it (ndo_setup_tc with TC_SETUP_FT); " +
            "leave it off for software offload",
        KernelReason.DeviceInAnotherFlowtable => "A device can be in only one flowtable of a table: one of the devices listed already is",
        KernelReason.NamespaceNotFound => "ip netns list shows the named network namespaces",
        KernelReason.RulesetChanged => "The ruleset changed after it was read; nothing was applied",
        KernelReason.TrafficControlModuleMissing =>
            "The Traffic Control mode needs the modules sch_ingress, cls_flower, act_mirred, act_pedit, act_csum and act_gact, " +
            "built in or loadable (CONFIG_NET_SCH_INGRESS, CONFIG_NET_CLS_FLOWER, CONFIG_NET_ACT_MIRRED, CONFIG_NET_ACT_PEDIT, CONFIG_NET_ACT_CSUM, CONFIG_NET_ACT_GACT)",
        KernelReason.QdiscExists => "The device already has a clsact qdisc, perhaps holding another program's filters: add filters to it rather than a second one",
        KernelReason.FilterExists => "A filter with this priority, protocol and handle is already on the device",
        KernelReason.SysAdminRequiredForProbe => "Probing traffic control support creates a throwaway network namespace, which requires CAP_SYS_ADMIN",
        _ => null,
    };
}
