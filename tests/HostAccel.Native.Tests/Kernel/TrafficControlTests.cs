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
public sealed class TrafficControlTests : IDisposable
{
    private readonly TestNamespace _ns = new();
    private readonly TcConnection _tc;
    private readonly int _a;

    public TrafficControlTests()
    {
        _ns.AddDevice("veth-a", "veth-b");
        _a = (int)_ns.IfIndex("veth-a");
        _tc = TcConnection.Open(_ns.Name);
    }

    public void Dispose()
    {
        _tc.Dispose();
        _ns.Dispose();
    }

    private string Tc(params string[] arguments) => _ns.Exec(["tc", .. arguments]);

    private bool TcSucceeds(params string[] arguments) => Shell.TryRun("ip", ["netns", "exec", _ns.Name, "tc", .. arguments]);

    private bool TcSeesClsact(string device) => Tc("qdisc", "show", "dev", device).Contains("qdisc clsact", StringComparison.Ordinal);

    [Fact]
    public void ClsactIsAddedReadBackAndDeletedAsTcSeesIt()
    {
        Assert.Null(_tc.GetClsact(_a));
        _tc.AddQdisc(TcQdisc.Clsact(_a));
        Assert.Equal(TcQdisc.Clsact(_a), _tc.GetClsact(_a));
        Assert.True(TcSeesClsact("veth-a"));

        // Replace is "make sure it is there": the clsact and anything on it stay.
        _tc.ReplaceQdisc(TcQdisc.Clsact(_a));
        Assert.Single(_tc.ListQdiscs(_a), q => q.IsClsact);

        NetlinkException twice = Assert.Throws<NetlinkException>(() => _tc.AddQdisc(TcQdisc.Clsact(_a)));
        Assert.Equal(Errno.EEXIST, twice.Errno);
        Assert.Equal($"adding qdisc clsact to device #{_a}", twice.Operation);
        Assert.False(string.IsNullOrEmpty(twice.ExtAckMessage));
        Assert.Contains(twice.ExtAckMessage!, twice.Message, StringComparison.Ordinal);
        Assert.Equal(KernelReason.QdiscExists, twice.Reason);
        Assert.Contains("already has a clsact qdisc", twice.Message, StringComparison.Ordinal);

        _tc.DeleteQdisc(TcQdisc.Clsact(_a));
        Assert.Null(_tc.GetClsact(_a));
        Assert.False(TcSeesClsact("veth-a"));
    }

    [Fact]
    public void EveryDevicesQdiscsComeInOneDumpAsTcListsThem()
    {
        int b = (int)_ns.IfIndex("veth-b");
        Assert.DoesNotContain(_tc.ListQdiscs(), q => q.IsClsact);
        Tc("qdisc", "add", "dev", "veth-a", "clsact");
        Tc("qdisc", "add", "dev", "veth-b", "clsact");
        IReadOnlyList<TcQdisc> all = _tc.ListQdiscs();
        Assert.Equal(new[] { _a, b }.Order(), all.Where(q => q.IsClsact).Select(q => q.InterfaceIndex).Order());
        Assert.Equal(TcQdisc.Clsact(b), Assert.Single(all, q => q.IsClsact && q.InterfaceIndex == b));
        // The same qdiscs as the per-device reads, only all at once.
        Assert.Equal(
            _tc.ListQdiscs(_a).Concat(_tc.ListQdiscs(b)).OrderBy(q => q.InterfaceIndex).ThenBy(q => q.Kind, StringComparer.Ordinal),
            all.Where(q => q.InterfaceIndex == _a || q.InterfaceIndex == b).OrderBy(q => q.InterfaceIndex).ThenBy(q => q.Kind, StringComparer.Ordinal));
    }

    [Fact]
    public void ARedirectFilterIsAddedWhereTheKernelHasItsModulesAndOtherwiseRefusedNamingThemAndChangesNothing()
    {
        int b = (int)_ns.IfIndex("veth-b");
        FlowerFilter filter = FlowerFilter.Redirect(_a, 40010, 1, TcFixtures.LocalPodCidr(false), TcFixtures.PeerPodCidr(false), TcFixtures.Eth0Mac, TcFixtures.PeerMac, b);
        bool kernelHasAll = KernelHas("flower") && KernelHas("pedit") && KernelHas("csum") && KernelHas("mirred");

        if (kernelHasAll)
        {
            _tc.Apply([TcChange.AddQdisc(TcQdisc.Clsact(_a)), TcChange.AddFilter(filter)]);
            Assert.Equal([filter], _tc.ListFilters(_a, ClsactHook.Ingress).Select(f => f.AsWritten()));
            string shown = Tc("filter", "show", "dev", "veth-a", "ingress");
            Assert.Contains("pedit action pipe keys 5", shown, StringComparison.Ordinal);
            Assert.Contains("mirred (Egress Redirect to device veth-b) stolen", shown, StringComparison.Ordinal);
            _tc.DeleteFilter(filter);
            Assert.Empty(_tc.ListFilters(_a, ClsactHook.Ingress));
            return;
        }

        // The qdisc the plan added first is undone when the filter is refused: the device is as it was.
        TcApplyException refused = Assert.Throws<TcApplyException>(() => _tc.Apply([TcChange.AddQdisc(TcQdisc.Clsact(_a)), TcChange.AddFilter(filter)]));
        Assert.Equal(1, refused.Index);
        Assert.Empty(refused.NotUndone);
        Assert.Contains("undone", refused.Message, StringComparison.Ordinal);
        Assert.False(TcSeesClsact("veth-a"));
        AssertNamesTheMissingModules(refused.KernelError);
        Assert.Equal(refused.KernelError.Reason, refused.Reason);

        // On a clsact that was there before, the refusal leaves it, empty.
        _tc.AddQdisc(TcQdisc.Clsact(_a));
        NetlinkException error = Assert.Throws<NetlinkException>(() => _tc.AddFilter(filter));
        AssertNamesTheMissingModules(error);
        Assert.Empty(_tc.ListFilters(_a, ClsactHook.Ingress));
        Assert.Equal("", Tc("filter", "show", "dev", "veth-a", "ingress").Trim());
        Assert.True(TcSeesClsact("veth-a"));
    }

    private void AssertNamesTheMissingModules(NetlinkException error)
    {
        Assert.True(error.Errno is Errno.ENOENT or Errno.EOPNOTSUPP, error.Message);
        Assert.Equal($"adding flower filter prio 40010 protocol ip handle 0x1 on device #{_a} ingress", error.Operation);

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
        _tc.AddQdisc(TcQdisc.Clsact(_a));
        if (!TcSucceeds("filter", "add", "dev", "veth-a", "ingress", "protocol", "ip", "prio", "5", "u32", "match", "u32", "0", "0", "action", "mirred", "egress", "redirect", "dev", "veth-b"))
        {
            return;
        }

        IReadOnlyList<TcFilter> filters = _tc.ListFilters(_a, ClsactHook.Ingress);
        Assert.NotEmpty(filters);
        Assert.All(filters, f =>
        {
            UnknownFilter u = Assert.IsType<UnknownFilter>(f);
            Assert.Equal(("u32", (ushort)5, (ushort)0x0800), (u.Kind, u.Priority, u.Protocol));
        });
        Assert.Throws<ArgumentException>(() => TcChange.AddFilter(filters[0]));

        _tc.Execute(TcChange.DeletePriority(new TcPriority(_a, ClsactHook.Ingress, 5)));
        Assert.Empty(_tc.ListFilters(_a, ClsactHook.Ingress));
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
