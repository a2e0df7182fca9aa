using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>
/// The module states of both probes read from /lib/modules/&lt;release&gt;/modules.builtin and modules.dep, as a
/// distribution ships them. This host has neither (its kernel is built without modules), so each test gives its
/// thread a private view of /lib/modules (<see cref="PrivateMounts"/>) with lists written for it; the kernel probed
/// is the real one. /proc/modules, which says what is loaded, cannot be given here (a kernel without modules has none;
/// where there is one, a module it lists is Loaded whatever the lists say).
/// </summary>
public sealed class ModuleListTests : NamespaceTest
{
    private static readonly string Release = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();

    private static readonly HashSet<string> Loaded = File.Exists("/proc/modules")
        ? File.ReadLines("/proc/modules").Select(l => l.Split(' ')[0]).ToHashSet(StringComparer.Ordinal)
        : [];

    private const string BuiltIn = """
        kernel/net/netfilter/nf_tables.ko
        kernel/net/sched/sch_ingress.ko

        """;

    // modules.dep names each module file, compressed or not, then what it depends on; a '-' in a file name is a '_'
    // in the module's name.
    private const string Dependencies = """
        kernel/net/netfilter/nf_flow_table.ko.xz: kernel/net/netfilter/nf_conntrack.ko.xz
        kernel/net/netfilter/nft-flow-offload.ko.zst: kernel/net/netfilter/nf_flow_table.ko.xz
        kernel/net/sched/act_mirred.ko:
        modules.order

        """;

    [Fact]
    public void ModulesAreBuiltInOrLoadableAsTheReleasesListsSayAndMissingOtherwise()
    {
        (KernelSupportReport report, TrafficControlSupportReport tc) = ProbeWith(new Dictionary<string, string>
        {
            [$"/lib/modules/{Release}/modules.builtin"] = BuiltIn,
            [$"/lib/modules/{Release}/modules.dep"] = Dependencies,
        });

        Assert.Equal(Release, report.KernelRelease);
        Assert.Equal(
            Expected(
            [
                ("nf_tables", ModuleState.BuiltIn),
                ("nf_flow_table", ModuleState.Loadable),
                ("nft_flow_offload", ModuleState.Loadable),
                ("nf_flow_table_inet", ModuleState.Missing),
                ("nf_flow_table_ipv4", ModuleState.Missing),
                ("nf_flow_table_ipv6", ModuleState.Missing),
            ]),
            report.Modules.Select(m => (m.Name, m.State)));
        Assert.Equal(
            Expected(
            [
                ("sch_ingress", ModuleState.BuiltIn),
                ("cls_flower", ModuleState.Missing),
                ("act_mirred", ModuleState.Loadable),
                ("act_pedit", ModuleState.Missing),
                ("act_csum", ModuleState.Missing),
                ("act_gact", ModuleState.Missing),
            ]),
            tc.Modules.Select(m => (m.Name, m.State)));
    }

    [Theory]
    [InlineData("modules.builtin", BuiltIn, "nf_tables", ModuleState.BuiltIn)]
    [InlineData("modules.dep", Dependencies, "nf_flow_table", ModuleState.Loadable)]
    public void EitherListAloneIsEnoughToCallTheOthersMissing(string list, string contents, string listed, ModuleState state)
    {
        (KernelSupportReport report, _) = ProbeWith(new Dictionary<string, string> { [$"/lib/modules/{Release}/{list}"] = contents });

        Assert.Equal(State(listed, state), report.Modules.Single(m => m.Name == listed).State);
        Assert.All(report.Modules.Where(m => m.Name != listed && m.Name != "nft_flow_offload"), m => Assert.Equal(State(m.Name, ModuleState.Missing), m.State));
    }

    [Fact]
    public void ListsThatNameNoModuleLeaveEveryStateUnknown()
    {
        // ".ko" alone is no module's file; a line without ".ko" is no module at all.
        (KernelSupportReport report, TrafficControlSupportReport tc) = ProbeWith(new Dictionary<string, string>
        {
            [$"/lib/modules/{Release}/modules.builtin"] = ".ko\nkernel/net/.ko\nREADME\n",
        });

        Assert.All(report.Modules.Concat(tc.Modules), m => Assert.Equal(State(m.Name, ModuleState.Unknown), m.State));
    }

    [Fact]
    public void AKernelReleaseThatReadsEmptyIsUnknownAndItsListsAreLookedForUnderThatName()
    {
        (KernelSupportReport report, TrafficControlSupportReport tc) = ProbeWith(
            new Dictionary<string, string> { ["/lib/modules/unknown/modules.builtin"] = BuiltIn },
            new Dictionary<string, string> { ["/proc/sys/kernel/osrelease"] = "" });

        Assert.Equal("unknown", report.KernelRelease);
        Assert.Equal(State("nf_tables", ModuleState.BuiltIn), report.Modules.Single(m => m.Name == "nf_tables").State);
        Assert.Equal(State("sch_ingress", ModuleState.BuiltIn), tc.Modules.Single(m => m.Name == "sch_ingress").State);
        Assert.Equal(State("act_mirred", ModuleState.Missing), tc.Modules.Single(m => m.Name == "act_mirred").State);
    }

    /// <summary>What the lists make of a module, unless the kernel has it loaded.</summary>
    private static ModuleState State(string name, ModuleState listed) => Loaded.Contains(name) ? ModuleState.Loaded : listed;

    private static IEnumerable<(string, ModuleState)> Expected(IEnumerable<(string Name, ModuleState State)> listed) =>
        listed.Select(m => (m.Name, State(m.Name, m.State)));

    private (KernelSupportReport Report, TrafficControlSupportReport Tc) ProbeWith(
        Dictionary<string, string> lists, Dictionary<string, string>? covers = null) =>
        PrivateMounts.Run(lists, covers ?? [], () => (KernelSupport.Probe(Ns.Name), KernelSupport.ProbeTrafficControl()));
}
