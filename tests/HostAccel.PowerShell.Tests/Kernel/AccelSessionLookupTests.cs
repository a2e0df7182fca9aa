using HostAccel.Native.Interop;
using HostAccel.Native.Nftables;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Engine = HostAccel.PowerShell.Engine;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// What the engine's session looks up on its namespace: the tables in scope (no family asked for is both), a named
/// table in neither family, devices by name (an empty one, one missing in the caller's own namespace) and by index
/// (read once per invocation), its rtnetlink connection closed with it; and Test-HostAccelSupport's own namespace and
/// Traffic Control modules.
/// </summary>
public sealed class AccelSessionLookupTests : EngineTest
{
    private static string Target(NftFamily family) => $"table {family.ToNftName()} antrea";

    [Fact]
    public void AnEmptyListOfFamiliesIsNoneAskedForAndBothAreLookedAt()
    {
        Ns.NftLoad("table ip6 antrea { }");
        var found = Session.Tables([], "antrea", named: false, Target);
        (NftFamily family, _, bool asked) = Assert.Single(found);
        Assert.Equal((NftFamily.Ip6, false), (family, asked));

        var visited = new List<(NftFamily, bool)>();
        Session.ForEachTable(Array.Empty<AccelFamily>(), "antrea", Target, (f, _, a) => visited.Add((f, a)), named: true);
        Assert.Equal([(NftFamily.Ip6, false)], visited);
    }

    [Fact]
    public void ANamedTableInNeitherFamilyIsNotFoundNamingBoth()
    {
        Ns.NftLoad("table inet antrea { }");
        HostAccelException failure = FailsAndChangesNothing(() => Session.Tables(null, "antrea", named: true, Target), ErrorIds.TableNotFound, FailureKind.ObjectNotFound);
        Assert.Equal(("there is no table ip antrea or ip6 antrea", (object?)"antrea"), (failure.Message, failure.TargetObject));
        Assert.Empty(Session.Tables([], "antrea", named: false, Target));
    }

    [Fact]
    public void AnEmptyDeviceNameIsAnUnknownInterfaceOfTheNamespace()
    {
        HostAccelException failure = Assert.Throws<HostAccelException>(() => Session.ResolveInterface(""));
        Assert.Equal((ErrorIds.UnknownInterface, FailureKind.ObjectNotFound, (object?)""), (failure.ErrorId, failure.Kind, failure.TargetObject));
        Assert.Equal($"there is no network device '' in network namespace {Ns.Name}", failure.Message);
    }

    [Fact]
    public void AMissingDeviceInTheCallersOwnNamespaceIsSaidToBeMissingInThisNetworkNamespace()
    {
        HostAccelException failure = NetworkNamespace.Run(Ns.Name, () =>
        {
            using AccelSession own = AccelSession.Open(null);
            Assert.Equal((uint)Ns.IfIndex("eth0"), own.ResolveInterface("eth0"));
            return Assert.Throws<HostAccelException>(() => own.ResolveInterface("eth9"));
        });
        Assert.Equal((ErrorIds.UnknownInterface, FailureKind.ObjectNotFound, (object?)"eth9"), (failure.ErrorId, failure.Kind, failure.TargetObject));
        Assert.Equal("there is no network device 'eth9' in this network namespace", failure.Message);
    }

    [Fact]
    public void DeviceNamesAreReadOnceUntilTheSessionIsRefreshed()
    {
        uint index = Session.ResolveInterface("eth0");
        Assert.Equal("eth0", Session.InterfaceName(index));

        Ns.Exec("ip", "link", "set", "eth0", "name", "uplink0");
        Assert.Equal("eth0", Session.InterfaceName(index));

        Session.Refresh();
        Assert.Equal("uplink0", Session.InterfaceName(index));
        Assert.Equal(index, Session.ResolveInterface("uplink0"));
    }

    [Fact]
    public void TheTrafficControlConnectionIsClosedWithTheSession()
    {
        AccelSession session = AccelSession.Open(Ns.Name);
        Native.TrafficControl.TcConnection tc = session.Tc;
        Assert.NotEmpty(tc.ListLinks());
        session.Dispose();
        Assert.Throws<ObjectDisposedException>(() => tc.ListLinks());
    }

    [Fact]
    public void SupportAskedForAnEmptyNamespaceNameIsTheCallersOwnAndListsTheTrafficControlModulesAsTheKernelAnswered()
    {
        HostAccelSupport support = NetworkNamespace.Run(Ns.Name, () => Engine.Support.Test(""));
        Assert.Null(support.NetworkNamespace);
        Assert.False(support.TrafficControl);

        // This kernel refuses cls_flower, act_pedit, act_csum and act_gact: those are Missing, whatever their module's state;
        // the others are shown with their module's state.
        Native.TrafficControlSupportReport probe = Native.KernelSupport.ProbeTrafficControl();
        Assert.Equal(["act_csum", "act_gact", "act_pedit", "cls_flower"], probe.Missing.Order(StringComparer.Ordinal));
        Assert.Equal(probe.Modules.Count, support.TrafficControlModules.Count);
        foreach (Native.ModuleStatus module in probe.Modules)
        {
            Assert.Contains(probe.Missing.Contains(module.Name) ? $"{module.Name}: Missing" : $"{module.Name}: {module.State}", support.TrafficControlModules);
        }

        Assert.Contains("cls_flower: Missing", support.TrafficControlModules);
        Assert.Contains(support.TrafficControlModules, m => m.StartsWith("sch_ingress: ", StringComparison.Ordinal) && m != "sch_ingress: Missing");
        Assert.Equal(probe.Reasons, support.TrafficControlReasons);
    }
}
