using System.Collections;
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
/// The Traffic Control mode's plan (TcFastpaths.PlanEnable), made against the kernel's own devices, routes and
/// neighbours in a throwaway namespace laid out as the demo Node (<see cref="TcNode"/>). Only planned: this host's
/// kernel has no cls_flower, so the filters are checked as the tc commands -WhatIf prints, with their family and why
/// each is made; nothing is sent.
/// </summary>
public sealed class TrafficControlPlanTests : EngineTest
{
    private const string Added = "686f7374616363656c01";
    private const string Found = "686f7374616363656c00";

    public TrafficControlPlanTests() => TcNode.LayOut(Ns);

    private static IpPrefix P(string text) => IpPrefix.Parse(text);

    private static string Guard(string device, bool v6, uint handle, string cookie = Added) =>
        $"tc filter add dev {device} ingress protocol {(v6 ? "ipv6 prio 40009" : "ip prio 40008")} handle {handle} flower skip_hw ip_ttl 0/0xfe action gact pass cookie {cookie}";

    private static string Redirect(string device, uint handle, string source, string destination, string sourceMac, string destinationMac, string egress, string cookie = Added) =>
        source.Contains(':', StringComparison.Ordinal)
            ? $"tc filter add dev {device} ingress protocol ipv6 prio 40011 handle {handle} flower skip_hw src_ip {source} dst_ip {destination} action pedit ex munge eth src set {sourceMac} munge eth dst set {destinationMac} munge ip6 hoplimit add 0xff pipe cookie {cookie} action mirred egress redirect dev {egress}"
            : $"tc filter add dev {device} ingress protocol ip prio 40010 handle {handle} flower skip_hw src_ip {source} dst_ip {destination} action pedit ex munge eth src set {sourceMac} munge eth dst set {destinationMac} munge ip ttl add 0xff pipe cookie {cookie} action csum ip pipe action mirred egress redirect dev {egress}";

    private (IReadOnlyList<TcPlannedChange> Plan, List<string> Text) PlanEnable(TcFastpathSpec spec)
    {
        using TcConnection tc = TcCommit.Open(Ns.Name);
        IReadOnlyList<TcPlannedChange> plan = TcFastpaths.PlanEnable(tc, spec);
        Func<int, string?> names = TcFastpaths.Names(tc.ListLinks());
        return (plan, plan.Select(c => c.Change.Render(names)).ToList());
    }

    private string Qdiscs() => Ns.Exec("tc", "qdisc", "show", "dev", "eth0") + Ns.Exec("tc", "qdisc", "show", "dev", "antrea-gw0");

    [Fact]
    public void EnablingPlansAClsactPerDeviceThenEveryGuardThenRedirectsToEachPeerAndEachResolvedPodInOrder()
    {
        string qdiscs = Qdiscs();
        // The local Pod CIDRs IPv6 first and the peers unsorted: IPv4 is planned first, peers in order.
        (IReadOnlyList<TcPlannedChange> plan, List<string> text) = PlanEnable(new TcFastpathSpec("antrea-gw0", "eth0",
            [P("fd00:10:244:2::/64"), P("10.244.2.0/24")], [P("10.244.1.0/24"), P("fd00:10:244::/64"), P("10.244.0.0/24")]));

        const string eth0 = "02:00:00:00:00:01", gw = "02:00:00:00:02:01";
        Assert.Equal(
        [
            "tc qdisc add dev antrea-gw0 clsact",
            "tc qdisc add dev eth0 clsact",
            Guard("antrea-gw0", v6: false, 1),
            Guard("antrea-gw0", v6: true, 1),
            Guard("eth0", v6: false, 1),
            Guard("eth0", v6: true, 1),
            Redirect("antrea-gw0", 1, "10.244.2.0/24", "10.244.0.0/24", eth0, TcNode.PeerMac, "eth0"),
            Redirect("antrea-gw0", 2, "10.244.2.0/24", "10.244.1.0/24", eth0, TcNode.PeerMac, "eth0"),
            Redirect("antrea-gw0", 1, "fd00:10:244:2::/64", "fd00:10:244::/64", eth0, TcNode.PeerMac, "eth0"),
            Redirect("eth0", 1, "10.244.0.0/24", "10.244.2.2", gw, "02:00:00:00:02:02", "antrea-gw0"),
            Redirect("eth0", 2, "10.244.0.0/24", "10.244.2.4", gw, "02:00:00:00:02:04", "antrea-gw0"),
            Redirect("eth0", 3, "10.244.1.0/24", "10.244.2.2", gw, "02:00:00:00:02:02", "antrea-gw0"),
            Redirect("eth0", 4, "10.244.1.0/24", "10.244.2.4", gw, "02:00:00:00:02:04", "antrea-gw0"),
            Redirect("eth0", 1, "fd00:10:244::/64", "fd00:10:244:2::2", gw, "02:00:00:00:02:02", "antrea-gw0"),
        ], text);
        Assert.All(plan, c => Assert.Equal(AccelDriftKind.Missing, c.Kind));
        Assert.Equal(
            [AccelFamily.Ip, AccelFamily.Ip, AccelFamily.Ip, AccelFamily.Ip6, AccelFamily.Ip, AccelFamily.Ip6,
             AccelFamily.Ip, AccelFamily.Ip, AccelFamily.Ip6, AccelFamily.Ip, AccelFamily.Ip, AccelFamily.Ip, AccelFamily.Ip, AccelFamily.Ip6],
            plan.Select(c => c.Family));
        Assert.Equal([TcChangeKind.AddQdisc, TcChangeKind.AddQdisc], plan.Take(2).Select(c => c.Change.Kind));
        Assert.All(plan.Skip(2), c => Assert.Equal(TcChangeKind.AddFilter, c.Change.Kind));
        // Planning sends nothing.
        Assert.Equal(qdiscs, Qdiscs());
    }

    [Fact]
    public void AFamilyWithoutPeersGetsItsGuardsOnlyAndTheOtherFamilyItsRedirects()
    {
        (IReadOnlyList<TcPlannedChange> plan, List<string> text) = PlanEnable(new TcFastpathSpec("antrea-gw0", "eth0",
            [P("10.244.2.0/24"), P("fd00:10:244:2::/64")], [P("fd00:10:244::/64")]));

        Assert.Equal(
        [
            "tc qdisc add dev antrea-gw0 clsact",
            "tc qdisc add dev eth0 clsact",
            Guard("antrea-gw0", v6: false, 1),
            Guard("antrea-gw0", v6: true, 1),
            Guard("eth0", v6: false, 1),
            Guard("eth0", v6: true, 1),
            Redirect("antrea-gw0", 1, "fd00:10:244:2::/64", "fd00:10:244::/64", "02:00:00:00:00:01", TcNode.PeerMac, "eth0"),
            Redirect("eth0", 1, "fd00:10:244::/64", "fd00:10:244:2::2", "02:00:00:00:02:01", "02:00:00:00:02:02", "antrea-gw0"),
        ], text);
        Assert.Equal([AccelFamily.Ip, AccelFamily.Ip, AccelFamily.Ip, AccelFamily.Ip6, AccelFamily.Ip, AccelFamily.Ip6, AccelFamily.Ip6, AccelFamily.Ip6], plan.Select(c => c.Family));
    }

    [Fact]
    public void AnIPv6OnlyPlanAddsEachClsactForIPv6()
    {
        (IReadOnlyList<TcPlannedChange> plan, List<string> text) = PlanEnable(new TcFastpathSpec("antrea-gw0", "eth0", [P("fd00:10:244:2::/64")], []));

        Assert.Equal(["tc qdisc add dev antrea-gw0 clsact", "tc qdisc add dev eth0 clsact", Guard("antrea-gw0", v6: true, 1), Guard("eth0", v6: true, 1)], text);
        Assert.All(plan, c => Assert.Equal((AccelFamily.Ip6, AccelDriftKind.Missing), (c.Family, c.Kind)));
    }

    [Fact]
    public void OnAClsactThatWasThereFiltersAreMarkedNotAddedAndTakeHandlesAboveEveryFilterOfTheirPriority()
    {
        // Someone else's clsact on eth0, with classic-BPF filters: two at the IPv4 redirect priority (handles 9 and 5),
        // one at the IPv4 guard's (3), one at a priority of its own (50), none at the IPv6 ones.
        Ns.Exec("tc", "qdisc", "add", "dev", "eth0", "clsact");
        foreach ((string prio, string handle) in new[] { ("40010", "9"), ("40010", "5"), ("40008", "3"), ("100", "50") })
        {
            Ns.Exec("tc", "filter", "add", "dev", "eth0", "ingress", "protocol", "ip", "prio", prio, "handle", handle, "bpf", "bytecode", "1,6 0 0 0,");
        }

        (IReadOnlyList<TcPlannedChange> plan, List<string> text) = PlanEnable(new TcFastpathSpec("antrea-gw0", "eth0",
            [P("10.244.2.0/24"), P("fd00:10:244:2::/64")], [P("10.244.0.0/24"), P("10.244.1.0/24"), P("fd00:10:244::/64")]));

        const string gw = "02:00:00:00:02:01";
        Assert.Equal(
        [
            "tc qdisc add dev antrea-gw0 clsact",
            Guard("antrea-gw0", v6: false, 1),
            Guard("antrea-gw0", v6: true, 1),
            Guard("eth0", v6: false, 4, Found),
            Guard("eth0", v6: true, 1, Found),
            Redirect("antrea-gw0", 1, "10.244.2.0/24", "10.244.0.0/24", "02:00:00:00:00:01", TcNode.PeerMac, "eth0"),
            Redirect("antrea-gw0", 2, "10.244.2.0/24", "10.244.1.0/24", "02:00:00:00:00:01", TcNode.PeerMac, "eth0"),
            Redirect("antrea-gw0", 1, "fd00:10:244:2::/64", "fd00:10:244::/64", "02:00:00:00:00:01", TcNode.PeerMac, "eth0"),
            Redirect("eth0", 10, "10.244.0.0/24", "10.244.2.2", gw, "02:00:00:00:02:02", "antrea-gw0", Found),
            Redirect("eth0", 11, "10.244.0.0/24", "10.244.2.4", gw, "02:00:00:00:02:04", "antrea-gw0", Found),
            Redirect("eth0", 12, "10.244.1.0/24", "10.244.2.2", gw, "02:00:00:00:02:02", "antrea-gw0", Found),
            Redirect("eth0", 13, "10.244.1.0/24", "10.244.2.4", gw, "02:00:00:00:02:04", "antrea-gw0", Found),
            Redirect("eth0", 1, "fd00:10:244::/64", "fd00:10:244:2::2", gw, "02:00:00:00:02:02", "antrea-gw0", Found),
        ], text);
        Assert.Equal((AccelFamily.Ip, AccelDriftKind.Missing), (plan[0].Family, plan[0].Kind));
        // Someone else's filters are neither replaced nor deleted.
        Assert.DoesNotContain(plan, c => c.Change.Kind is not (TcChangeKind.AddQdisc or TcChangeKind.AddFilter));
    }

    [Theory]
    [InlineData("eth0", "eth0")]
    [InlineData("nosuchdev0", "nosuchdev0")]
    public void TheSameDeviceAsGatewayAndTransportIsRefusedBeforeAnyDeviceIsLookedUp(string gateway, string transport)
    {
        using TcConnection tc = TcCommit.Open(Ns.Name);
        HostAccelException refused = Assert.Throws<HostAccelException>(() =>
            TcFastpaths.PlanEnable(tc, new TcFastpathSpec(gateway, transport, [P("10.244.2.0/24")], [P("10.244.0.0/24")])));

        Assert.Equal((ErrorIds.InvalidArgument, FailureKind.InvalidArgument), (refused.ErrorId, refused.Kind));
        Assert.Equal($"the gateway and transport interfaces must differ, both are '{gateway}'", refused.Message);
        Assert.Equal(transport, refused.TargetObject);
    }

    [Theory]
    [InlineData("nosuchgw0", "eth0", "nosuchgw0")]
    [InlineData("antrea-gw0", "nosucheth0", "nosucheth0")]
    [InlineData("nosuchgw0", "nosucheth0", "nosuchgw0")]
    // Device names are case-sensitive: ETH0 is another device than eth0, and there is none.
    [InlineData("eth0", "ETH0", "ETH0")]
    public void AnUnknownDeviceIsRefusedNamingItAndTheNamespace(string gateway, string transport, string unknown)
    {
        using TcConnection tc = TcCommit.Open(Ns.Name);
        HostAccelException refused = Assert.Throws<HostAccelException>(() =>
            TcFastpaths.PlanEnable(tc, new TcFastpathSpec(gateway, transport, [P("10.244.2.0/24")], [P("10.244.0.0/24")])));

        Assert.Equal((ErrorIds.UnknownInterface, FailureKind.ObjectNotFound), (refused.ErrorId, refused.Kind));
        Assert.Equal($"there is no network device '{unknown}' in network namespace {Ns.Name}", refused.Message);
        Assert.Equal(unknown, refused.TargetObject);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void AnUnknownDeviceOfTheCallersOwnNamespaceIsRefusedNamingThisNamespace(string? networkNamespace)
    {
        // Refused at the first lookup: nothing else of the host's namespace is read.
        using TcConnection tc = TcCommit.Open(networkNamespace);
        HostAccelException refused = Assert.Throws<HostAccelException>(() =>
            TcFastpaths.PlanEnable(tc, new TcFastpathSpec("ha-nosuchgw0", "ha-nosucheth0", [P("10.244.2.0/24")], [])));

        Assert.Equal((ErrorIds.UnknownInterface, FailureKind.ObjectNotFound), (refused.ErrorId, refused.Kind));
        Assert.Equal("there is no network device 'ha-nosuchgw0' in this network namespace", refused.Message);
        Assert.Equal("ha-nosuchgw0", refused.TargetObject);
    }

    public static TheoryData<string[], string, string, NextHopProblem> NotRedirectable => new()
    {
        // To the peers (out of eth0, arriving on antrea-gw0): the egress device is down.
        {
            ["link set eth0 down"], "10.244.0.0/24", "traffic to 10.244.0.0/24 cannot be redirected from antrea-gw0 to eth0 as the kernel would forward it (DeviceDown): " +
            "cannot redirect traffic to 10.244.0.0/24: eth0 is down. Nothing was changed", NextHopProblem.DeviceDown
        },
        // To the local Pods (out of antrea-gw0, arriving on eth0): the egress device's MTU is the smaller.
        {
            ["link set eth0 mtu 9000"], "10.244.2.0/24", "traffic to 10.244.2.0/24 cannot be redirected from eth0 to antrea-gw0 as the kernel would forward it (SmallerMtu): " +
            "cannot redirect traffic to 10.244.2.0/24: antrea-gw0's MTU (1500) is below eth0's (9000): redirected frames too big for it would be dropped, " +
            "where the kernel would fragment them or answer 'too big'. Nothing was changed", NextHopProblem.SmallerMtu
        },
    };

    [Theory]
    [MemberData(nameof(NotRedirectable))]
    public void TrafficARedirectCannotCarryAsTheKernelWouldIsRefusedNamingThePrefixTheDevicesAndTheProblem(string[] setup, string prefix, string message, NextHopProblem problem)
    {
        TcNode.Ip(Ns, setup);
        using TcConnection tc = TcCommit.Open(Ns.Name);
        HostAccelException refused = Assert.Throws<HostAccelException>(() =>
            TcFastpaths.PlanEnable(tc, new TcFastpathSpec("antrea-gw0", "eth0", [P("10.244.2.0/24")], [P("10.244.0.0/24")])));

        Assert.Equal((ErrorIds.NotRedirectable, FailureKind.InvalidOperation), (refused.ErrorId, refused.Kind));
        Assert.Equal(message, refused.Message);
        Assert.Equal(prefix, refused.TargetObject);
        NextHopException why = Assert.IsType<NextHopException>(refused.InnerException);
        Assert.Equal((problem, P(prefix)), (why.Problem, why.Destination));
    }

    /// <summary>
    /// The forwarding lookup of traffic from the local Pods asks as for a packet from an address of the local Pod CIDR
    /// that is not this host's: the third address, or the first after it that is not one of this host's, or the
    /// prefix's own address when the prefix has no such address among its 2nd to 15th offsets. An ip rule sends
    /// exactly that source through another next hop (02:00:00:00:00:03), so the redirect's MAC tells which source
    /// was asked for.
    /// </summary>
    [Theory]
    [InlineData("10.244.2.0/24", "", "10.244.2.2")]
    [InlineData("10.244.2.0/24", "10.244.2.2", "10.244.2.3")]
    [InlineData("10.244.2.0/24", "10.244.2.2 10.244.2.3 10.244.2.4", "10.244.2.5")]
    // The last address of a /30 is still inside it.
    [InlineData("10.244.2.0/30", "10.244.2.2", "10.244.2.3")]
    // A /31 has no third address.
    [InlineData("10.244.2.4/31", "", "10.244.2.4")]
    // Every candidate (offsets 2 to 15) is this host's: the prefix's own address.
    [InlineData("10.244.2.0/24", "10.244.2.2 10.244.2.3 10.244.2.4 10.244.2.5 10.244.2.6 10.244.2.7 10.244.2.8 10.244.2.9 10.244.2.10 10.244.2.11 10.244.2.12 10.244.2.13 10.244.2.14 10.244.2.15", "10.244.2.0")]
    [InlineData("fd00:10:244:2::/64", "", "fd00:10:244:2::2")]
    [InlineData("fd00:10:244:2::/64", "fd00:10:244:2::2", "fd00:10:244:2::3")]
    public void TheRouteToAPeerIsLookedUpFromAnAddressOfTheLocalPodCidrThatIsNotThisHosts(string local, string hostAddresses, string source)
    {
        foreach (string address in hostAddresses.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            TcNode.Ip(Ns, address.Contains(':', StringComparison.Ordinal) ? $"addr add {address}/128 dev antrea-gw0 nodad" : $"addr add {address}/32 dev antrea-gw0");
        }

        TcNode.RouteFromThroughOtherPeer(Ns, source);
        bool v6 = source.Contains(':', StringComparison.Ordinal);
        (IReadOnlyList<TcPlannedChange> plan, _) = PlanEnable(new TcFastpathSpec("antrea-gw0", "eth0", [P(local)], [P(v6 ? "fd00:10:244::/64" : "10.244.0.0/24")]));

        FlowerFilter toPeer = plan.Select(c => c.Change.Filter).OfType<FlowerFilter>().Single(f => f.InterfaceIndex == Ns.IfIndex("antrea-gw0") && !TcDesign.IsGuard(f));
        Assert.Contains($"munge eth dst set {TcNode.OtherPeerMac} ", toPeer.Render(null), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ASyncOfTheModeWithBothDevicesPlansTheFiltersOfItsConfiguration(bool withPending)
    {
        AccelConfiguration c = ConfigurationReader.Read(new Hashtable
        {
            ["Mode"] = "TrafficControl", ["GatewayInterface"] = "antrea-gw0", ["TransportInterface"] = "eth0",
            ["LocalPodCidr"] = new[] { "10.244.2.0/24" }, ["PeerPodCidr"] = new[] { "10.244.1.0/24", "10.244.0.0/24" },
        }, "node.psd1");
        var pending = new List<PendingDevice>();
        using TcConnection tc = TcCommit.Open(Ns.Name);
        Func<int, string?> names = TcFastpaths.Names(tc.ListLinks());

        IReadOnlyList<TcPlannedChange> plan = TrafficControlConfiguration.Plan(tc, c, withPending ? pending : null);

        IReadOnlyList<TcPlannedChange> expected = TcFastpaths.PlanEnable(tc, new TcFastpathSpec("antrea-gw0", "eth0", [P("10.244.2.0/24")], [P("10.244.0.0/24"), P("10.244.1.0/24")]));
        Assert.Equal(10, plan.Count);
        Assert.Equal(expected, plan);
        Assert.Equal(Redirect("antrea-gw0", 2, "10.244.2.0/24", "10.244.1.0/24", "02:00:00:00:00:01", TcNode.PeerMac, "eth0"), plan[5].Change.Render(names));
        Assert.Empty(pending);
    }
}
