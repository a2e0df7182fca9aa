using System.Collections;
using System.Net;
using HostAccel.Native.Nftables;
using HostAccel.Native.TrafficControl;
using HostAccel.Native.TrafficControl.Routing;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Engine.TrafficControl;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// What the Traffic Control mode reads from the kernel before it plans, in a namespace laid out as the demo Node
/// (<see cref="TcNode"/>): this host's own addresses (which tell the gateway's redirects), the devices a disable looks
/// at, a sync's missing device without a list of pending ones, the null arguments refused by name, and a read over a
/// connection that is closed. `ip` is the oracle for the addresses.
/// </summary>
public sealed class TrafficControlReadScopeTests : EngineTest
{
    public TrafficControlReadScopeTests() => TcNode.LayOut(Ns);

    [Fact]
    public void ThisHostsOwnAddressesAreEveryLocalAddressOfBothFamiliesIPv4First()
    {
        using TcConnection tc = TcCommit.Open(Ns.Name);

        List<IPAddress> own = TcFastpaths.OwnAddresses(tc).ToList();

        // ip's own list of the namespace's addresses, loopback included, and lo's 127.0.0.0/8. Link-local addresses are
        // left out: the kernel adds their local route only once duplicate address detection is done.
        var byIp = Ns.Exec("ip", "-o", "addr", "show").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => IPAddress.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3].Split('/')[0])).Append(IPAddress.Parse("127.0.0.0"));
        Assert.Equal(byIp.Where(a => !a.IsIPv6LinkLocal).Select(a => a.ToString()).Order(StringComparer.Ordinal),
            own.Where(a => !a.IsIPv6LinkLocal).Select(a => a.ToString()).Order(StringComparer.Ordinal));
        foreach (string address in new[] { "172.18.0.1", "10.244.2.1", "fd00:172:18::1", "fd00:10:244:2::1" })
        {
            Assert.Contains(IPAddress.Parse(address), own);
        }

        // No broadcast or anycast route of the local table is an address of this host's.
        Assert.DoesNotContain(IPAddress.Parse("10.244.2.255"), own);
        Assert.DoesNotContain(IPAddress.Parse("fd00:10:244:2::"), own);
        int firstV6 = own.FindIndex(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6);
        Assert.True(firstV6 > 0);
        Assert.All(own.Skip(firstV6), a => Assert.Equal(System.Net.Sockets.AddressFamily.InterNetworkV6, a.AddressFamily));
    }

    [Fact]
    public void ADisableLooksAtTheNamedDevicesThatExistInTheirOrderOrAtEveryDevice()
    {
        using TcConnection tc = TcCommit.Open(Ns.Name);
        Link eth0 = tc.GetLink("eth0")!, gateway = tc.GetLink("antrea-gw0")!;

        Assert.Equal([(eth0.Index, "eth0"), (gateway.Index, "antrea-gw0")], TcFastpaths.Devices(tc, ["eth0", "nosuch0", "antrea-gw0"]).Select(l => (l.Index, l.Name)));
        Assert.Empty(TcFastpaths.Devices(tc, []));
        List<Link> all = TcFastpaths.Devices(tc, null);
        Assert.Equal(tc.ListLinks().Select(l => l.Name), all.Select(l => l.Name));
        Assert.Equal(["lo", "antrea-gw0", "eth0"], all.Select(l => l.Name).Where(n => n is "lo" or "antrea-gw0" or "eth0").ToList());
        Assert.Equal(Ns.Exec("ip", "-o", "link", "show").Split('\n', StringSplitOptions.RemoveEmptyEntries).Length, all.Count);
    }

    [Fact]
    public void ASyncPlanWithoutPendingDevicesRefusesAMissingTransportDeviceNamingIt()
    {
        AccelConfiguration c = ConfigurationReader.Read(new Hashtable
        {
            ["Mode"] = "TrafficControl", ["GatewayInterface"] = "antrea-gw0", ["TransportInterface"] = "nosuch0",
            ["LocalPodCidr"] = new[] { "10.244.2.0/24" }, ["PeerPodCidr"] = new[] { "10.244.0.0/24" },
        }, "node.psd1");
        using TcConnection tc = TcCommit.Open(Ns.Name);

        HostAccelException refused = Assert.Throws<HostAccelException>(() => TrafficControlConfiguration.Plan(tc, c));

        Assert.Equal((ErrorIds.UnknownInterface, FailureKind.ObjectNotFound, (object)"nosuch0"), (refused.ErrorId, refused.Kind, refused.TargetObject));
        Assert.Equal($"there is no network device 'nosuch0' in network namespace {Ns.Name}", refused.Message);

        // With a list, the device is pending and nothing is planned (no filter of HostAccel's is there to delete).
        var pending = new List<PendingDevice>();
        Assert.Empty(TrafficControlConfiguration.Plan(tc, c, pending));
        Assert.Equal("transport device 'nosuch0' does not exist: the Traffic Control redirects of PodToPod are left out until it appears", Assert.Single(pending).ToString());
    }

    [Fact]
    public void TheModesPlansAndCommitRefuseNullArgumentsByName()
    {
        using TcConnection tc = TcCommit.Open(Ns.Name);
        var spec = new TcFastpathSpec("antrea-gw0", "eth0", [IpPrefix.Parse("10.244.2.0/24")], [IpPrefix.Parse("10.244.0.0/24")]);

        Assert.Equal("tc", Assert.Throws<ArgumentNullException>(() => TcFastpaths.PlanEnable(null!, spec)).ParamName);
        Assert.Equal("spec", Assert.Throws<ArgumentNullException>(() => TcFastpaths.PlanEnable(tc, null!)).ParamName);
        Assert.Equal("tc", Assert.Throws<ArgumentNullException>(() => TcFastpaths.PlanDisable(null!)).ParamName);
        Assert.Equal("tc", Assert.Throws<ArgumentNullException>(() => TcFastpaths.PlanDisable(null!, ["eth0"])).ParamName);
        Assert.Equal("tc", Assert.Throws<ArgumentNullException>(() => TcFastpaths.CurrentSpec(null!)).ParamName);
        Assert.Equal("tc", Assert.Throws<ArgumentNullException>(() => TcFastpaths.PlanPeers(null!, [], [])).ParamName);
        Assert.Equal("tc", Assert.Throws<ArgumentNullException>(() => TcCommit.Apply(null!, [], "Traffic Control fastpath")).ParamName);
    }

    [Fact]
    public void AReadOverAClosedConnectionFailsAsHostAccelsFailureNamingTheNamespace()
    {
        TcConnection tc = TcCommit.Open(Ns.Name);
        tc.Dispose();

        foreach (Action read in new Action[]
        {
            () => TrafficControlFastpaths.Get(tc, Ns.Name, null),
            () => TrafficControlFastpaths.Counters(tc, Ns.Name, [AccelFamily.Ip]),
        })
        {
            HostAccelException failure = Assert.Throws<HostAccelException>(read);
            Assert.Equal((ErrorIds.KernelError, FailureKind.NotSpecified, (object)Ns.Name), (failure.ErrorId, failure.Kind, failure.TargetObject));
            Assert.IsType<ObjectDisposedException>(failure.InnerException);
            Assert.Equal(failure.InnerException.Message, failure.Message);
        }
    }
}
