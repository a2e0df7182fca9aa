using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.Native.TrafficControl;
using HostAccel.Native.TrafficControl.Routing;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>
/// clsact and flower filters on whatever kernel runs the tests, in a throwaway namespace, with tc as the oracle: this
/// host's kernel has clsact, u32 and mirred but no flower, pedit, csum or gact; the VM's has all of them.
/// </summary>
public sealed class TrafficControlTests : TcNamespaceTest
{
    private string Tc(params string[] arguments) => Ns.Exec(["tc", .. arguments]);

    private bool TcSucceeds(params string[] arguments) => Shell.TryRun("ip", ["netns", "exec", Ns.Name, "tc", .. arguments]);

    private bool TcSeesClsact(string device) => Tc("qdisc", "show", "dev", device).Contains("qdisc clsact", StringComparison.Ordinal);

    [Fact]
    public void ClsactIsAddedReadBackAndDeletedAsTcSeesIt()
    {
        Assert.Null(Connection.GetClsact(A));
        Connection.AddQdisc(TcQdisc.Clsact(A));
        Assert.Equal(TcQdisc.Clsact(A), Connection.GetClsact(A));
        Assert.True(TcSeesClsact("veth-a"));

        // Replace is "make sure it is there": the clsact and anything on it stay.
        Connection.ReplaceQdisc(TcQdisc.Clsact(A));
        Assert.Single(Connection.ListQdiscs(A), q => q.IsClsact);

        NetlinkException twice = Assert.Throws<NetlinkException>(() => Connection.AddQdisc(TcQdisc.Clsact(A)));
        Assert.Equal(Errno.EEXIST, twice.Errno);
        Assert.Equal($"adding qdisc clsact to device #{A}", twice.Operation);
        Assert.False(string.IsNullOrEmpty(twice.ExtAckMessage));
        Assert.Contains(twice.ExtAckMessage!, twice.Message, StringComparison.Ordinal);
        Assert.Equal(KernelReason.QdiscExists, twice.Reason);
        Assert.Contains("already has a clsact qdisc", twice.Message, StringComparison.Ordinal);

        Connection.DeleteQdisc(TcQdisc.Clsact(A));
        Assert.Null(Connection.GetClsact(A));
        Assert.False(TcSeesClsact("veth-a"));
    }

    [Fact]
    public void EveryDevicesQdiscsComeInOneDumpAsTcListsThem()
    {
        int b = (int)Ns.IfIndex("veth-b");
        Assert.DoesNotContain(Connection.ListQdiscs(), q => q.IsClsact);
        Tc("qdisc", "add", "dev", "veth-a", "clsact");
        Tc("qdisc", "add", "dev", "veth-b", "clsact");
        IReadOnlyList<TcQdisc> all = Connection.ListQdiscs();
        Assert.Equal(new[] { A, b }.Order(), all.Where(q => q.IsClsact).Select(q => q.InterfaceIndex).Order());
        Assert.Equal(TcQdisc.Clsact(b), Assert.Single(all, q => q.IsClsact && q.InterfaceIndex == b));
        // The same qdiscs as the per-device reads, only all at once.
        Assert.Equal(
            Connection.ListQdiscs(A).Concat(Connection.ListQdiscs(b)).OrderBy(q => q.InterfaceIndex).ThenBy(q => q.Kind, StringComparer.Ordinal),
            all.Where(q => q.InterfaceIndex == A || q.InterfaceIndex == b).OrderBy(q => q.InterfaceIndex).ThenBy(q => q.Kind, StringComparer.Ordinal));
    }

    [Fact]
    public void ARedirectFilterIsAddedWhereTheKernelHasItsModulesAndOtherwiseRefusedNamingThemAndChangesNothing()
    {
        int b = (int)Ns.IfIndex("veth-b");
        FlowerFilter filter = FlowerFilter.Redirect(A, 40010, 1, TcFixtures.LocalPodCidr(false), TcFixtures.PeerPodCidr(false), TcFixtures.Eth0Mac, TcFixtures.PeerMac, b);
        bool kernelHasAll = KernelHas("flower") && KernelHas("pedit") && KernelHas("csum") && KernelHas("mirred");

        if (kernelHasAll)
        {
            Connection.Apply([TcChange.AddQdisc(TcQdisc.Clsact(A)), TcChange.AddFilter(filter)]);
            Assert.Equal([filter], Connection.ListFilters(A, ClsactHook.Ingress).Select(f => f.AsWritten()));
            string shown = Tc("filter", "show", "dev", "veth-a", "ingress");
            Assert.Contains("pedit action pipe keys 5", shown, StringComparison.Ordinal);
            Assert.Contains("mirred (Egress Redirect to device veth-b) stolen", shown, StringComparison.Ordinal);
            Connection.DeleteFilter(filter);
            Assert.Empty(Connection.ListFilters(A, ClsactHook.Ingress));
            return;
        }

        // The qdisc the plan added first is undone when the filter is refused: the device is as it was.
        TcApplyException refused = Assert.Throws<TcApplyException>(() => Connection.Apply([TcChange.AddQdisc(TcQdisc.Clsact(A)), TcChange.AddFilter(filter)]));
        Assert.Equal(1, refused.Index);
        Assert.Empty(refused.NotUndone);
        Assert.Contains("undone", refused.Message, StringComparison.Ordinal);
        Assert.False(TcSeesClsact("veth-a"));
        AssertNamesTheMissingModules(refused.KernelError);
        Assert.Equal(refused.KernelError.Reason, refused.Reason);

        // On a clsact that was there before, the refusal leaves it, empty.
        Connection.AddQdisc(TcQdisc.Clsact(A));
        NetlinkException error = Assert.Throws<NetlinkException>(() => Connection.AddFilter(filter));
        AssertNamesTheMissingModules(error);
        Assert.Empty(Connection.ListFilters(A, ClsactHook.Ingress));
        Assert.Equal("", Tc("filter", "show", "dev", "veth-a", "ingress").Trim());
        Assert.True(TcSeesClsact("veth-a"));
    }

    private void AssertNamesTheMissingModules(NetlinkException error)
    {
        Assert.True(error.Errno is Errno.ENOENT or Errno.EOPNOTSUPP, error.Message);
        Assert.Equal($"adding flower filter prio 40010 protocol ip handle 0x1 on device #{A} ingress", error.Operation);

        // The kernel's own words come through ("TC classifier not found" on this host).
        Assert.False(string.IsNullOrEmpty(error.ExtAckMessage));
        Assert.Contains(error.ExtAckMessage!, error.Message, StringComparison.Ordinal);
        // Which modules are missing comes from asking the kernel (the probe), and is said in the message.
        Assert.Equal(KernelReason.TrafficControlModuleMissing, error.Reason);
        Assert.Contains("cls_flower", error.Hint, StringComparison.Ordinal);
        foreach ((string kind, string module) in new[] { ("flower", "cls_flower"), ("pedit", "act_pedit"), ("csum", "act_csum"), ("mirred", "act_mirred") })
        {
            Assert.Equal(!KernelHas(kind), error.MissingModules.Contains(module));
        }

        Assert.Contains($"this kernel has no {string.Join(", ", error.MissingModules)}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSupportProbeAgreesWithTcAndLeavesNothingBehind()
    {
        TrafficControlSupportReport report = KernelSupport.ProbeTrafficControl();

        Assert.True(report.Probed);
        Assert.Equal(KernelHas("clsact"), report.Clsact);
        Assert.Equal(KernelHas("flower"), report.Flower);
        Assert.Equal(KernelHas("mirred"), report.Mirred);
        Assert.Equal(KernelHas("pedit"), report.Pedit);
        Assert.Equal(KernelHas("csum"), report.Csum);
        Assert.Equal(KernelHas("gact"), report.Gact);
        Assert.Equal(report.Clsact && report.Flower && report.Mirred && report.Pedit && report.Csum && report.Gact, report.Supported);
        foreach ((string name, string kind, string config, _) in KernelSupport.TrafficControlModules)
        {
            Assert.Equal(!KernelHas(kind), report.Missing.Contains(name));
            Assert.Equal(!KernelHas(kind), report.Reasons.Any(r => r.Contains(config, StringComparison.Ordinal)));
        }

        // It ran in a namespace of its own (unshared, never named under /run/netns), gone with its socket; nothing
        // it made shows in this test's namespace or the host's.
        Assert.DoesNotContain("qdisc clsact", Shell.Run("tc", "qdisc", "show", "dev", "lo"), StringComparison.Ordinal);
        Assert.False(TcSeesClsact("veth-a"));
        Assert.DoesNotContain("qdisc clsact", Tc("qdisc", "show", "dev", "lo"), StringComparison.Ordinal);
    }

    /// <summary>Another program's filter (u32 here, which this host has) is listed, not modelled, and can be removed.</summary>
    [Fact]
    public void AFilterOfAnotherKindIsListedAsUnknownAndItsPriorityCanBeDeleted()
    {
        Connection.AddQdisc(TcQdisc.Clsact(A));
        if (!TcSucceeds("filter", "add", "dev", "veth-a", "ingress", "protocol", "ip", "prio", "5", "u32", "match", "u32", "0", "0", "action", "mirred", "egress", "redirect", "dev", "veth-b"))
        {
            return;
        }

        IReadOnlyList<TcFilter> filters = Connection.ListFilters(A, ClsactHook.Ingress);
        Assert.NotEmpty(filters);
        Assert.All(filters, f =>
        {
            UnknownFilter u = Assert.IsType<UnknownFilter>(f);
            Assert.Equal(("u32", (ushort)5, (ushort)0x0800), (u.Kind, u.Priority, u.Protocol));
        });
        Assert.Throws<ArgumentException>(() => TcChange.AddFilter(filters[0]));

        Connection.Execute(TcChange.DeletePriority(new TcPriority(A, ClsactHook.Ingress, 5)));
        Assert.Empty(Connection.ListFilters(A, ClsactHook.Ingress));
        Assert.Equal("", Tc("filter", "show", "dev", "veth-a", "ingress").Trim());
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> Kinds = new();

    /// <summary>Whether this kernel creates a tc kind, asked of tc itself in a namespace of the test's own.</summary>
    private static bool KernelHas(string kind) => Kinds.GetOrAdd(kind, AskTc);

    private static bool AskTc(string kind)
    {
        using var ns = new TestNamespace();
        bool Run(params string[] arguments) => Shell.TryRun("ip", ["netns", "exec", ns.Name, "tc", .. arguments]);
        bool clsact = Run("qdisc", "add", "dev", "lo", "clsact");
        return kind switch
        {
            "clsact" => clsact,
            "flower" => clsact && Run("filter", "add", "dev", "lo", "ingress", "protocol", "ip", "prio", "1", "flower", "skip_hw"),
            "mirred" => Run("actions", "add", "action", "mirred", "egress", "redirect", "dev", "lo"),
            "pedit" => Run("actions", "add", "action", "pedit", "ex", "munge", "ip", "ttl", "add", "0xff", "pipe"),
            "csum" => Run("actions", "add", "action", "csum", "ip", "pipe"),
            "gact" => Run("actions", "add", "action", "gact", "pass"),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }
}
