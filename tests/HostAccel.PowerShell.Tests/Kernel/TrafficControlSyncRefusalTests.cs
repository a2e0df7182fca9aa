using System.Collections;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// A sync in Mode TrafficControl whose redirects can be planned (routes and neighbours as on the demo's Node) on this
/// kernel, which lacks cls_flower, act_pedit and act_csum: the Traffic Control part is refused before anything is
/// sent to it, with the modules the mode needs. Applying redirects needs a kernel with them (tests/vm).
/// </summary>
public sealed class TrafficControlSyncRefusalTests : EngineTest
{
    public TrafficControlSyncRefusalTests()
    {
        foreach (string command in new[]
        {
            "addr add 172.18.0.1/24 dev eth0", "addr add 10.244.2.1/24 dev antrea-gw0",
            "route add 10.244.0.0/24 via 172.18.0.2 dev eth0",
            "neigh add 172.18.0.2 lladdr 02:00:00:00:00:02 dev eth0 nud permanent",
            "neigh add 10.244.2.2 lladdr 02:00:00:00:02:02 dev antrea-gw0 nud permanent",
        })
        {
            Ns.Exec(["ip", .. command.Split(' ')]);
        }

        Ns.Exec("sysctl", "-qw", "net.ipv4.ip_forward=1");
    }

    [Fact]
    public void RedirectsOnAKernelWithoutTheModulesAreRefusedBeforeAnyIsSent()
    {
        AccelConfiguration tc = ConfigurationReader.Read(new Hashtable
        {
            ["Mode"] = "TrafficControl", ["GatewayInterface"] = "antrea-gw0", ["TransportInterface"] = "eth0",
            ["LocalPodCidr"] = "10.244.2.0/24", ["PeerPodCidr"] = "10.244.0.0/24",
        }, "test");
        SyncPlan plan = Synchronizer.Plan(Session, tc, force: false);
        Assert.NotEmpty(plan.TrafficControl);

        HostAccelException failure = Assert.Throws<HostAccelException>(() => Synchronizer.Sync(Session, tc, new SyncOptions(), CancellationToken.None));
        Assert.Equal((ErrorIds.TrafficControlNotSupported, FailureKind.NotImplemented, "table antrea"), (failure.ErrorId, failure.Kind, failure.TargetObject));
        string release = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        IReadOnlyList<string> missing = Native.KernelSupport.ProbeTrafficControl().Missing;
        Assert.Contains("cls_flower", missing);
        Assert.Equal(
            $"this kernel ({release}) has no {string.Join(", ", missing)}: the Traffic Control mode needs sch_ingress, cls_flower, act_mirred, act_pedit, act_csum, act_gact. Nothing was changed",
            failure.Message);

        // Refused by the probe, not by the kernel: no change was tried, no qdisc was added.
        Assert.Null(failure.InnerException);
        Assert.DoesNotContain("clsact", Ns.Exec("tc", "qdisc", "show"), StringComparison.Ordinal);
    }
}
