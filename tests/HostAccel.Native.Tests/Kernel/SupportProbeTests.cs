using HostAccel.Native.Interop;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>
/// The support probes where the kernel refuses them: run on a thread that has given up CAP_NET_ADMIN (the kernel
/// refuses every nf_tables and tc change) or CAP_SYS_ADMIN (no throwaway namespace), the reports say so instead of
/// throwing; and the module states against the machine's own module lists.
/// </summary>
public sealed class SupportProbeTests : NamespaceTest
{
    private static readonly string[] TcModules = ["sch_ingress", "cls_flower", "act_mirred", "act_pedit", "act_csum", "act_gact"];

    [Fact]
    public void WithoutCapNetAdminTheProbeReportsUnprivilegedAndNothingSupported()
    {
        uint generation = Nft.GetGeneration();

        KernelSupportReport report = ThreadCapabilities.RunWithout(ThreadCapabilities.CAP_NET_ADMIN, () => KernelSupport.Probe(Ns.Name));

        Assert.False(report.Privileged);
        Assert.False(report.NfTables);
        Assert.False(report.Flowtable);
        Assert.False(report.FlowtableCounter);
        Assert.False(report.Supported);
        Assert.Equal([KernelReasonText.Hint(KernelReason.NetAdminRequired)!], report.Reasons);
        Assert.Contains("requires root or CAP_NET_ADMIN", Assert.Single(report.Reasons), StringComparison.Ordinal);
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), report.KernelRelease);
        Assert.Equal(generation, Nft.GetGeneration());
        Assert.Equal("", Ns.Nft("list", "ruleset").Trim());
    }

    [Fact]
    public void WithoutCapNetAdminEveryTrafficControlKindIsReportedAsNotCreatedRatherThanMissing()
    {
        TrafficControlSupportReport report = ThreadCapabilities.RunWithout(ThreadCapabilities.CAP_NET_ADMIN, KernelSupport.ProbeTrafficControl);

        Assert.True(report.Probed);
        Assert.False(report.Clsact || report.Flower || report.Mirred || report.Pedit || report.Csum || report.Gact);
        Assert.False(report.Supported);
        Assert.Equal(TcModules, report.Missing);
        // EPERM is not a missing kind: the reasons do not send anyone to rebuild the kernel.
        Assert.Equal(
            [
                "clsact could not be created (EPERM): the clsact qdisc that filters attach to may not work",
                "flower could not be created (EPERM): the flower classifier (source and destination prefixes) may not work",
                "mirred could not be created (EPERM): the redirect to the other device may not work",
                "pedit could not be created (EPERM): the MAC address and TTL / hop limit rewrite may not work",
                "csum could not be created (EPERM): the IPv4 header checksum after the TTL change may not work",
                "gact could not be created (EPERM): handing packets whose TTL expires back to the stack may not work",
            ],
            report.Reasons);
        Assert.Equal(TcModules, report.Modules.Select(m => m.Name));
    }

    [Fact]
    public void WithoutCapNetAdminNoTrafficControlModuleIsCalledMissing()
    {
        IReadOnlyList<string>? missing = ThreadCapabilities.RunWithout(ThreadCapabilities.CAP_NET_ADMIN,
            () => KernelSupport.MissingTrafficControlModules(["clsact", "flower", "mirred", "pedit", "csum", "gact"]));
        Assert.NotNull(missing);
        Assert.Empty(missing);
    }

    [Fact]
    public void WithoutCapSysAdminTheTrafficControlProbeSaysItDidNotRun()
    {
        TrafficControlSupportReport report = ThreadCapabilities.RunWithout(ThreadCapabilities.CAP_SYS_ADMIN, KernelSupport.ProbeTrafficControl);

        Assert.False(report.Probed);
        Assert.False(report.Clsact || report.Flower || report.Mirred || report.Pedit || report.Csum || report.Gact);
        Assert.False(report.Supported);
        Assert.Empty(report.Missing);
        string expected = "traffic control support was not probed: " +
            new SystemCallException("unshare", Errno.EPERM, "a new network namespace", KernelReason.SysAdminRequiredForProbe).Message;
        Assert.Equal([expected], report.Reasons);
        Assert.Contains("requires CAP_SYS_ADMIN", expected, StringComparison.Ordinal);
        Assert.Equal(TcModules, report.Modules.Select(m => m.Name));
    }

    [Fact]
    public void WithoutCapSysAdminMissingTrafficControlModulesIsUnknown() =>
        Assert.Null(ThreadCapabilities.RunWithout(ThreadCapabilities.CAP_SYS_ADMIN,
            () => KernelSupport.MissingTrafficControlModules(["flower"])));

    /// <summary>
    /// The module states agree with /proc/modules and /lib/modules/&lt;release&gt;: a loaded module is Loaded, and where
    /// the machine lists no modules at all (as this host, whose kernel has everything built in) nothing is called
    /// Missing, only Unknown.
    /// </summary>
    [Fact]
    public void ModuleStatesFollowTheMachinesModuleLists()
    {
        string release = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        string directory = Path.Combine("/lib/modules", release);
        bool listed = File.Exists(Path.Combine(directory, "modules.builtin")) || File.Exists(Path.Combine(directory, "modules.dep"));
        HashSet<string> loaded = File.Exists("/proc/modules")
            ? File.ReadLines("/proc/modules").Select(l => l.Split(' ')[0]).ToHashSet(StringComparer.Ordinal)
            : [];

        KernelSupportReport report = KernelSupport.Probe(Ns.Name);
        TrafficControlSupportReport tc = KernelSupport.ProbeTrafficControl();

        Assert.Equal(release, report.KernelRelease);
        Assert.Equal(KernelSupport.RequiredModules.Select(m => (m.Name, m.Purpose)), report.Modules.Select(m => (m.Name, m.Purpose)));
        Assert.Equal(KernelSupport.TrafficControlModules.Select(m => (m.Name, m.Purpose)), tc.Modules.Select(m => (m.Name, m.Purpose)));
        Assert.All(report.Modules.Concat(tc.Modules), m =>
        {
            if (loaded.Contains(m.Name))
            {
                Assert.Equal(ModuleState.Loaded, m.State);
            }
            else if (!listed)
            {
                Assert.Equal(ModuleState.Unknown, m.State);
            }
            else
            {
                Assert.NotEqual(ModuleState.Unknown, m.State);
                Assert.NotEqual(ModuleState.Loaded, m.State);
            }
        });
    }
}
