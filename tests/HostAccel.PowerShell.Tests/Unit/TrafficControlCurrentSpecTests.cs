using System.Net;
using HostAccel.Native.Nftables;
using HostAccel.Native.TrafficControl;
using HostAccel.Native.TrafficControl.Routing;
using HostAccel.PowerShell.Engine.TrafficControl;
using Xunit;
using static HostAccel.PowerShell.Tests.Support.TcOwnedFilters;

namespace HostAccel.PowerShell.Tests.Unit;

/// <summary>
/// The spec HostAccel's redirects carry out, read back from the filters a dump returns (TcFastpaths.CurrentSpec,
/// what Add-/Remove-PeerPodCidr follow in the Traffic Control mode): the gateway is the device whose redirects'
/// sources hold one of this host's addresses, the other device's sources are the peers; and the spec those commands
/// then plan (TcFastpaths.FollowPeers). Built from plain filter objects: this host's kernel has no cls_flower.
/// </summary>
public sealed class TrafficControlCurrentSpecTests
{
    private static readonly Link Eth1 = new(5, "eth1");

    private static readonly IPAddress[] HostAddresses =
        [IPAddress.Parse("127.0.0.1"), IPAddress.Parse("172.18.0.1"), IPAddress.Parse("10.244.2.1"), IPAddress.Parse("::1"), IPAddress.Parse("fd00:10:244:2::1")];

    /// <summary>
    /// The demo Node's filters, listed transport first, each device's redirects unsorted, and a third device that
    /// holds HostAccel's guards only (left over from another configuration).
    /// </summary>
    private static IReadOnlyList<(Link Device, IReadOnlyList<FlowerFilter> Filters)> DemoNode() => Owned(
        (Transport,
        [
            Guard(Transport, v6: false), Guard(Transport, v6: true),
            Redirect(Transport, "10.244.1.0/24", "10.244.2.2", Gateway.Index, 1),
            Redirect(Transport, "fd00:10:244::/64", "fd00:10:244:2::2", Gateway.Index, 1),
            Redirect(Transport, "10.244.0.0/24", "10.244.2.2", Gateway.Index, 2),
            Redirect(Transport, "10.244.0.0/24", "10.244.2.4", Gateway.Index, 3),
        ]),
        (Eth1, [Guard(Eth1, v6: false)]),
        (Gateway,
        [
            Guard(Gateway, v6: false),
            Redirect(Gateway, "fd00:10:244:2::/64", "fd00:10:244::/64", Transport.Index, 1),
            Redirect(Gateway, "10.244.2.0/24", "10.244.1.0/24", Transport.Index, 1),
            Redirect(Gateway, "10.244.2.0/24", "10.244.0.0/24", Transport.Index, 2),
        ]));

    private static void AssertSpec(TcFastpathSpec? spec, string gateway, string transport, string[] local, string[] peers)
    {
        Assert.NotNull(spec);
        Assert.Equal((gateway, transport), (spec.GatewayInterface, spec.TransportInterface));
        Assert.Equal(local, spec.LocalPodCidr.Select(p => p.ToString()));
        Assert.Equal(peers, spec.PeerPodCidr.Select(p => p.ToString()));
    }

    [Fact]
    public void TheGatewayIsTheDeviceWhoseRedirectsHoldAnAddressOfThisHostsAndEachSidesSourcesAreReadSortedOnce()
    {
        int asked = 0;
        TcFastpathSpec? spec = TcFastpaths.CurrentSpec(DemoNode(), () =>
        {
            asked++;
            return HostAddresses;
        });

        AssertSpec(spec, "antrea-gw0", "eth0", ["10.244.2.0/24", "fd00:10:244:2::/64"], ["10.244.0.0/24", "10.244.1.0/24", "fd00:10:244::/64"]);
        Assert.Equal(1, asked);
    }

    [Fact]
    public void AnIPv6OnlyNodeIsReadFromItsIPv6AddressesAsHostPrefixes()
    {
        var owned = Owned(
            (Transport, [Guard(Transport, v6: true), Redirect(Transport, "fd00:10:244::/64", "fd00:10:244:2::2", Gateway.Index)]),
            (Gateway, [Guard(Gateway, v6: true), Redirect(Gateway, "fd00:10:244:2::/64", "fd00:10:244::/64", Transport.Index)]));

        AssertSpec(TcFastpaths.CurrentSpec(owned, () => [IPAddress.Parse("::1"), IPAddress.Parse("fd00:172:18::1"), IPAddress.Parse("fd00:10:244:2::1")]),
            "antrea-gw0", "eth0", ["fd00:10:244:2::/64"], ["fd00:10:244::/64"]);
        // An address of this host's that is not in the gateway's own prefix, however close, does not make it the gateway.
        Assert.Null(TcFastpaths.CurrentSpec(owned, () => [IPAddress.Parse("fd00:10:244:3::1"), IPAddress.Parse("fd00:10:245::1")]));
    }

    [Fact]
    public void OneLocalPodCidrHoldingAnAddressOfThisHostsIsEnough()
    {
        // Dual-stack redirects, but only the IPv4 gateway address is this host's (the IPv6 one was removed).
        TcFastpathSpec? spec = TcFastpaths.CurrentSpec(DemoNode(), () => [IPAddress.Parse("172.18.0.1"), IPAddress.Parse("10.244.2.1")]);

        AssertSpec(spec, "antrea-gw0", "eth0", ["10.244.2.0/24", "fd00:10:244:2::/64"], ["10.244.0.0/24", "10.244.1.0/24", "fd00:10:244::/64"]);
    }

    public static TheoryData<string, IReadOnlyList<(Link Device, IReadOnlyList<FlowerFilter> Filters)>> NoPair => new()
    {
        { "nothing of HostAccel's", Owned() },
        { "guards only", Owned((Transport, [Guard(Transport, false)]), (Gateway, [Guard(Gateway, false), Guard(Gateway, true)])) },
        { "redirects on one device", Owned((Transport, [Guard(Transport, false)]), (Gateway, [Redirect(Gateway, "10.244.2.0/24", "10.244.0.0/24", Transport.Index)])) },
        {
            "redirects on three devices", Owned(
                (Transport, [Redirect(Transport, "10.244.0.0/24", "10.244.2.2", Gateway.Index)]),
                (Eth1, [Redirect(Eth1, "10.244.1.0/24", "10.244.2.2", Gateway.Index)]),
                (Gateway, [Redirect(Gateway, "10.244.2.0/24", "10.244.0.0/24", Transport.Index)]))
        },
        {
            // A filter at a redirect priority that matches no source is no redirect of the spec's: one device is left.
            "a redirect without a source", Owned(
                (Transport, [TcDesign.Marked(new FlowerFilter(Transport.Index, ClsactHook.Ingress, TcDesign.Redirect4, 0x0800) { Handle = 1, Destination = P("10.244.2.2"), Actions = Guard(Transport, false).Actions }, true)]),
                (Gateway, [Redirect(Gateway, "10.244.2.0/24", "10.244.0.0/24", Transport.Index)]))
        },
        {
            // A filter at a guard's priority is no redirect, whatever it matches.
            "a guard with a source", Owned(
                (Transport, [Guard(Transport, false) with { Source = P("10.244.0.0/24") }]),
                (Gateway, [Redirect(Gateway, "10.244.2.0/24", "10.244.0.0/24", Transport.Index)]))
        },
        {
            "both sides holding an address of this host's", Owned(
                (Transport, [Redirect(Transport, "172.18.0.0/24", "10.244.2.2", Gateway.Index)]),
                (Gateway, [Redirect(Gateway, "10.244.2.0/24", "172.18.0.0/24", Transport.Index)]))
        },
    };

    [Theory]
    [MemberData(nameof(NoPair))]
    public void WithoutExactlyOnePairOfRedirectingDevicesOneOfThemTheGatewayThereIsNoSpec(string why, IReadOnlyList<(Link Device, IReadOnlyList<FlowerFilter> Filters)> owned)
    {
        Assert.NotNull(why);
        Assert.Null(TcFastpaths.CurrentSpec(owned, () => HostAddresses));
    }

    [Fact]
    public void WithoutAnAddressOfThisHostsInEitherSideThereIsNoGatewayAndNoSpec()
    {
        Assert.Null(TcFastpaths.CurrentSpec(DemoNode(), () => []));
        Assert.Null(TcFastpaths.CurrentSpec(DemoNode(), () => [IPAddress.Parse("192.0.2.1")]));
    }

    private static readonly TcFastpathSpec Dual = new("antrea-gw0", "eth0", [P("10.244.2.0/24"), P("fd00:10:244:2::/64")], [P("10.244.0.0/24"), P("10.244.1.0/24")]);

    private static readonly TcFastpathSpec V4 = Dual with { LocalPodCidr = [P("10.244.2.0/24")] };

    public static TheoryData<string, string[], string[], string[], string[]> PeerChanges => new()
    {
        // spec, added, removed, the peers planned, the added peers no local Pod CIDR pairs with
        { "v4", ["10.244.5.0/24", "fd00:10:244::/64", "10.244.3.0/24", "10.244.5.0/24"], ["10.244.0.0/24"], ["10.244.1.0/24", "10.244.3.0/24", "10.244.5.0/24"], ["fd00:10:244::/64"] },
        { "v4", ["fd00:10:244::/64", "fd00:10:244:1::/64", "fd00:10:244::/64"], [], ["10.244.0.0/24", "10.244.1.0/24"], ["fd00:10:244::/64", "fd00:10:244:1::/64"] },
        { "v4", [], ["10.244.1.0/24", "10.244.9.0/24"], ["10.244.0.0/24"], [] },
        { "dual", ["fd00:10:244::/64", "10.244.3.0/24"], [], ["10.244.0.0/24", "10.244.1.0/24", "10.244.3.0/24", "fd00:10:244::/64"], [] },
        // A peer both added and removed is removed.
        { "dual", ["10.244.3.0/24"], ["10.244.3.0/24", "10.244.0.0/24"], ["10.244.1.0/24"], [] },
    };

    [Theory]
    [MemberData(nameof(PeerChanges))]
    public void APeerChangeFollowsTheCurrentSpecAddingPairedPeersRemovingOthersSortedAndListsTheUnpaired(string local, string[] added, string[] removed, string[] peers, string[] unpaired)
    {
        TcFastpathSpec current = local == "v4" ? V4 : Dual;

        (TcFastpathSpec spec, IReadOnlyList<IpPrefix> left) = TcFastpaths.FollowPeers(current, added.Select(P).ToList(), removed.Select(P).ToList());

        Assert.Equal(current with { PeerPodCidr = spec.PeerPodCidr }, spec);
        Assert.Equal(peers, spec.PeerPodCidr.Select(p => p.ToString()));
        Assert.Equal(unpaired, left.Select(p => p.ToString()));
    }
}
