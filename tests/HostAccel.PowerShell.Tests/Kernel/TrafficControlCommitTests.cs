using HostAccel.Native;
using HostAccel.Native.Tests.Support;
using HostAccel.Native.TrafficControl;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.TrafficControl;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// Sending the Traffic Control mode's changes (TcCommit): the refusal, before anything is sent, on a kernel without
/// the mode's modules, the kernel's own refusal of a change mapped to the same error or by its errno, and the
/// namespace that cannot be entered. Which modules the kernel lacks is asked of it with tc, the independent oracle
/// (this host has no cls_flower, act_pedit, act_csum or act_gact; a kernel with all of them takes the other branch).
/// </summary>
public sealed class TrafficControlCommitTests : EngineTest
{
    private const string Needed = "sch_ingress, cls_flower, act_mirred, act_pedit, act_csum, act_gact";
    private const string Target = "Traffic Control fastpath on antrea-gw0 and eth0";

    private static string Release => File.ReadAllText("/proc/sys/kernel/osrelease").Trim();

    private bool Tc(params string[] arguments) => Shell.TryRun("ip", ["netns", "exec", Ns.Name, "tc", .. arguments]);

    /// <summary>The mode's modules tc cannot create an object of, in the order the mode lists them.</summary>
    private List<string> MissingByTc()
    {
        Ns.AddDevice("probe0", "probe1");
        bool clsact = Tc("qdisc", "add", "dev", "probe0", "clsact");
        var answers = new (string Module, bool Works)[]
        {
            ("sch_ingress", clsact),
            ("cls_flower", clsact && Tc("filter", "add", "dev", "probe0", "ingress", "protocol", "ip", "prio", "1", "handle", "1", "flower")),
            ("act_mirred", Tc("actions", "add", "action", "mirred", "egress", "redirect", "dev", "probe0")),
            ("act_pedit", Tc("actions", "add", "action", "pedit", "ex", "munge", "eth", "dst", "set", "02:00:00:00:00:02")),
            ("act_csum", Tc("actions", "add", "action", "csum", "ip")),
            ("act_gact", Tc("actions", "add", "action", "gact", "pass")),
        };
        Ns.Exec("ip", "link", "del", "probe0");
        return answers.Where(a => !a.Works).Select(a => a.Module).ToList();
    }

    private static void AssertNotSupported(HostAccelException refused, IReadOnlyList<string> missing, Exception? inner)
    {
        Assert.Equal((ErrorIds.TrafficControlNotSupported, FailureKind.NotImplemented), (refused.ErrorId, refused.Kind));
        Assert.Equal($"this kernel ({Release}) has no {string.Join(", ", missing)}: the Traffic Control mode needs {Needed}. Nothing was changed", refused.Message);
        Assert.Equal($"Load the modules (modprobe {string.Join(" ", missing)}) or use a kernel built with them; Test-HostAccelSupport lists them.", refused.RecommendedAction);
        Assert.Equal(Target, refused.TargetObject);
        Assert.Same(inner, refused.InnerException);
    }

    [Fact]
    public void AKernelWithoutTheModesModulesIsRefusedBeforeAnythingIsSentNamingThem()
    {
        List<string> missing = MissingByTc();
        if (missing.Count == 0)
        {
            TcCommit.RequireSupport(Target);
            return;
        }

        HostAccelException refused = Assert.Throws<HostAccelException>(() => TcCommit.RequireSupport(Target));
        AssertNotSupported(refused, missing, inner: null);
    }

    [Fact]
    public void WithoutCapSysAdminTheSupportProbeCannotRunAndDecidesNothing()
    {
        (bool probed, bool refused) = ThreadCapabilities.RunWithout(ThreadCapabilities.CAP_SYS_ADMIN, () =>
        {
            bool probed = KernelSupport.ProbeTrafficControl().Probed;
            try
            {
                TcCommit.RequireSupport(Target);
                return (probed, false);
            }
            catch (HostAccelException)
            {
                return (probed, true);
            }
        });

        Assert.False(probed);
        Assert.False(refused);
    }

    [Fact]
    public void AFilterTheKernelRefusesForAMissingModuleIsTheSameRefusalAndTheClsactAddedBeforeItIsUndone()
    {
        int eth0 = (int)Ns.IfIndex("eth0");
        using TcConnection tc = TcCommit.Open(Ns.Name);
        TcChange[] changes =
        [
            TcChange.AddQdisc(TcQdisc.Clsact(eth0)),
            TcChange.AddFilter(TcDesign.Marked(FlowerFilter.TtlGuard(eth0, TcDesign.Guard4, 1, ipv6: false), addedClsact: true)) with { Origin = "not this one" },
        ];
        // The guard needs cls_flower and act_gact.
        List<string> missing = MissingByTc().Where(m => m is "cls_flower" or "act_gact").ToList();
        if (missing.Count == 0)
        {
            TcCommit.Apply(tc, changes, Target);
            Assert.Contains("flower", Ns.Exec("tc", "filter", "show", "dev", "eth0", "ingress"), StringComparison.Ordinal);
            return;
        }

        HostAccelException refused = Assert.Throws<HostAccelException>(() => TcCommit.Apply(tc, changes, Target));

        TcApplyException kernel = Assert.IsType<TcApplyException>(refused.InnerException);
        AssertNotSupported(refused, missing, kernel);
        Assert.Equal((1, KernelReason.TrafficControlModuleMissing), (kernel.Index, kernel.Reason));
        Assert.Empty(kernel.NotUndone);
        Assert.DoesNotContain("clsact", Ns.Exec("tc", "qdisc", "show", "dev", "eth0"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, Target)]
    [InlineData("peer Pod CIDR 10.244.0.0/24", "peer Pod CIDR 10.244.0.0/24")]
    public void AnyOtherRefusalMapsByItsErrnoAgainstTheChangesOriginOrTheTargetAndIsUndone(string? origin, string expectedTarget)
    {
        Ns.Exec("tc", "qdisc", "add", "dev", "eth0", "clsact");
        using TcConnection tc = TcCommit.Open(Ns.Name);
        TcChange[] changes =
        [
            TcChange.AddQdisc(TcQdisc.Clsact((int)Ns.IfIndex("antrea-gw0"))),
            TcChange.AddQdisc(TcQdisc.Clsact((int)Ns.IfIndex("eth0"))) with { Origin = origin },
        ];

        HostAccelException refused = Assert.Throws<HostAccelException>(() => TcCommit.Apply(tc, changes, Target));

        Assert.Equal((ErrorIds.ObjectExists, FailureKind.ResourceExists), (refused.ErrorId, refused.Kind));
        TcApplyException kernel = Assert.IsType<TcApplyException>(refused.InnerException);
        Assert.Equal(kernel.Message, refused.Message);
        Assert.StartsWith($"adding qdisc clsact to device #{Ns.IfIndex("eth0")}", refused.Message, StringComparison.Ordinal);
        Assert.EndsWith(" (the 1 change(s) before it were undone)", refused.Message, StringComparison.Ordinal);
        Assert.Equal(expectedTarget, refused.TargetObject);
        Assert.Null(refused.RecommendedAction);
        Assert.DoesNotContain("clsact", Ns.Exec("tc", "qdisc", "show", "dev", "antrea-gw0"), StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyListOfMissingModulesSaysSomeOfThemAndPointsToTestHostAccelSupport()
    {
        var inner = new InvalidOperationException("the kernel's refusal");
        HostAccelException refused = TcCommit.NotSupported([], Target, inner);

        Assert.Equal((ErrorIds.TrafficControlNotSupported, FailureKind.NotImplemented), (refused.ErrorId, refused.Kind));
        Assert.Equal($"this kernel ({Release}) has no some of them: the Traffic Control mode needs {Needed}. Nothing was changed", refused.Message);
        Assert.Equal("Test-HostAccelSupport lists the modules the mode needs.", refused.RecommendedAction);
        Assert.Equal(Target, refused.TargetObject);
        Assert.Same(inner, refused.InnerException);
    }

    [Fact]
    public void ANamespaceThatDoesNotExistIsRefusedNamingIt()
    {
        string name = $"{Ns.Name}-gone";
        HostAccelException refused = Assert.Throws<HostAccelException>(() => TcCommit.Open(name));

        Assert.Equal((ErrorIds.NetworkNamespaceNotFound, FailureKind.ObjectNotFound), (refused.ErrorId, refused.Kind));
        Assert.StartsWith($"the network namespace is not there: open (network namespace '{name}' at /run/netns/{name}) failed: No such file or directory (ENOENT)", refused.Message, StringComparison.Ordinal);
        Assert.Equal(name, refused.TargetObject);
        Assert.IsAssignableFrom<ErrnoException>(refused.InnerException);
    }
}
