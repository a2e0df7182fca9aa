using HostAccel.Native.Nftables;
using HostAccel.Native.TrafficControl;
using HostAccel.Native.TrafficControl.Actions;
using HostAccel.Native.TrafficControl.Routing;

namespace HostAccel.Native.Tests.Support;

/// <summary>
/// The Node of Golden/tc/capture.sh, in objects: eth0 (index 2, 02:00:00:00:00:01) faces the peer Node
/// (172.18.0.2, 02:00:00:00:00:02) that routes the peer Pod CIDR; antrea-gw0 (index 4, 02:00:00:00:02:01) faces the
/// local Pod (10.244.2.2, 02:00:00:00:02:02). The filters are the ones the capture wrote with tc.
/// </summary>
public static class TcFixtures
{
    public const int Eth0 = 2;
    public const int AntreaGw0 = 4;

    public static readonly MacAddress Eth0Mac = MacAddress.Parse("02:00:00:00:00:01");
    public static readonly MacAddress PeerMac = MacAddress.Parse("02:00:00:00:00:02");
    public static readonly MacAddress GwMac = MacAddress.Parse("02:00:00:00:02:01");
    public static readonly MacAddress PodMac = MacAddress.Parse("02:00:00:00:02:02");

    public static IpPrefix LocalPodCidr(bool ipv6) => IpPrefix.Parse(ipv6 ? "fd00:10:244:2::/64" : "10.244.2.0/24");

    public static IpPrefix PeerPodCidr(bool ipv6) => IpPrefix.Parse(ipv6 ? "fd00:10:244::/64" : "10.244.0.0/24");

    public static IpPrefix Pod(bool ipv6) => IpPrefix.Parse(ipv6 ? "fd00:10:244:2::2" : "10.244.2.2");

    public static ushort RedirectPriority(bool ipv6) => (ushort)(ipv6 ? 40011 : 40010);

    public static ushort GuardPriority(bool ipv6) => (ushort)(ipv6 ? 40009 : 40008);

    /// <summary>Local Pods to the peer CIDR, whose next hop is the peer Node: one filter for the prefix.</summary>
    public static FlowerFilter GwToPeer(bool ipv6) =>
        FlowerFilter.Redirect(AntreaGw0, RedirectPriority(ipv6), 1, LocalPodCidr(ipv6), PeerPodCidr(ipv6), Eth0Mac, PeerMac, Eth0);

    /// <summary>The peer CIDR to the local Pod, a neighbour on antrea-gw0: one filter for the Pod's address.</summary>
    public static FlowerFilter PeerToPod(bool ipv6) =>
        FlowerFilter.Redirect(Eth0, RedirectPriority(ipv6), 2, PeerPodCidr(ipv6), Pod(ipv6), GwMac, PodMac, AntreaGw0);

    public static FlowerFilter TtlGuard(bool ipv6) => FlowerFilter.TtlGuard(AntreaGw0, GuardPriority(ipv6), 1, ipv6);

    /// <summary>Seed 001's filter on eth0, which only redirects (Antrea's OVS pipeline rewrote the MACs).</summary>
    public static readonly FlowerFilter SeedEth0 = new(Eth0, ClsactHook.Ingress, 40010, 0x0800)
    {
        Handle = 1,
        Source = IpPrefix.Parse("10.10.0.0/24"),
        Destination = IpPrefix.Parse("10.10.1.0/24"),
        Actions = new TcAction[] { MirredAction.EgressRedirect(AntreaGw0) },
    };
}
