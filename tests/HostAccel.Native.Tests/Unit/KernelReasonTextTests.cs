using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>The advice each kernel reason adds to an error message: it names what is needed.</summary>
public class KernelReasonTextTests
{
    [Theory]
    [InlineData(KernelReason.NetAdminRequired, "HostAccel requires root or CAP_NET_ADMIN", "every traffic control change, without it")]
    [InlineData(KernelReason.SysAdminRequired, "Entering a named network namespace requires CAP_SYS_ADMIN", "")]
    [InlineData(KernelReason.FlowtableUnsupported, "This kernel has no flowtable support: it needs CONFIG_NF_FLOW_TABLE, CONFIG_NF_FLOW_TABLE_INET and ", "CONFIG_NFT_FLOW_OFFLOAD, built in or as the modules nf_flow_table, nf_flow_table_inet and nft_flow_offload (before Linux 5.17 also nf_flow_table_ipv4 and nf_flow_table_ipv6)")]
    [InlineData(KernelReason.HardwareOffloadUnsupported, "Hardware offload (flags offload) needs devices whose drivers support it (ndo_setup_tc with TC_SETUP_FT); ", "leave it off for software offload")]
    [InlineData(KernelReason.DeviceInAnotherFlowtable, "A device can be in only one flowtable of a table", "")]
    [InlineData(KernelReason.NamespaceNotFound, "ip netns list shows the named network namespaces", "")]
    [InlineData(KernelReason.RulesetChanged, "The ruleset changed after it was read; nothing was applied", "")]
    [InlineData(KernelReason.TrafficControlModuleMissing, "The Traffic Control mode needs the modules sch_ingress, cls_flower, act_mirred, act_pedit, act_csum and act_gact, ", "built in or loadable (CONFIG_NET_SCH_INGRESS, CONFIG_NET_CLS_FLOWER, CONFIG_NET_ACT_MIRRED, CONFIG_NET_ACT_PEDIT, CONFIG_NET_ACT_CSUM, CONFIG_NET_ACT_GACT)")]
    [InlineData(KernelReason.QdiscExists, "The device already has a clsact qdisc", "add filters to it rather than a second one")]
    [InlineData(KernelReason.FilterExists, "A filter with this priority, protocol and handle is already on the device", "")]
    [InlineData(KernelReason.SysAdminRequiredForProbe, "Probing traffic control support creates a throwaway network namespace", "which requires CAP_SYS_ADMIN")]
    public void EachReasonSaysWhatIsNeeded(KernelReason reason, string start, string end)
    {
        string? hint = KernelReasonText.Hint(reason);
        Assert.NotNull(hint);
        Assert.StartsWith(start, hint, StringComparison.Ordinal);
        Assert.EndsWith(end, hint, StringComparison.Ordinal);
        Assert.True(hint.Length >= start.Length + end.Length, hint);
    }

    [Fact]
    public void EveryReasonButNoneHasADistinctHint()
    {
        Assert.Null(KernelReasonText.Hint(KernelReason.None));
        string[] hints = Enum.GetValues<KernelReason>().Where(r => r != KernelReason.None).Select(r => KernelReasonText.Hint(r)!).ToArray();
        Assert.All(hints, h => Assert.False(string.IsNullOrWhiteSpace(h)));
        Assert.Equal(hints.Length, hints.Distinct(StringComparer.Ordinal).Count());
    }
}
