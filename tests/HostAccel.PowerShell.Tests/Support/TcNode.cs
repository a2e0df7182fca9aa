using HostAccel.Native.Tests.Support;

namespace HostAccel.PowerShell.Tests.Support;

/// <summary>
/// The demo Node of the native tests (DemoNode) laid over <see cref="EngineTest"/>'s devices, for planning the
/// Traffic Control mode against the kernel's own routes and neighbours: eth0 (02:00:00:00:00:01; 172.18.0.1/24,
/// fd00:172:18::1/64) towards the peer Node 172.18.0.2 (fd00:172:18::2, 02:00:00:00:00:02), the next hop of the peer
/// Pod CIDRs 10.244.0.0/24, 10.244.1.0/24 and fd00:10:244::/64; antrea-gw0 (02:00:00:00:02:01; 10.244.2.1/24,
/// fd00:10:244:2::1/64) towards the local Pods 10.244.2.2 (02:00:00:00:02:02), 10.244.2.4 (02:00:00:00:02:04) and
/// fd00:10:244:2::2 (02:00:00:00:02:02); forwarding on. Neighbours are permanent.
/// </summary>
internal static class TcNode
{
    public const string PeerMac = "02:00:00:00:00:02";
    public const string OtherPeerMac = "02:00:00:00:00:03";

    public static void LayOut(TestNamespace ns)
    {
        Ip(ns, "link set eth0 address 02:00:00:00:00:01", "link set antrea-gw0 address 02:00:00:00:02:01");
        ns.Exec("sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1");
        Ip(ns, "addr add 172.18.0.1/24 dev eth0", "addr add 10.244.2.1/24 dev antrea-gw0",
            "addr add fd00:172:18::1/64 dev eth0 nodad", "addr add fd00:10:244:2::1/64 dev antrea-gw0 nodad",
            "route add 10.244.0.0/24 via 172.18.0.2 dev eth0", "route add 10.244.1.0/24 via 172.18.0.2 dev eth0",
            "route add fd00:10:244::/64 via fd00:172:18::2 dev eth0",
            "neigh add 172.18.0.2 lladdr 02:00:00:00:00:02 dev eth0 nud permanent",
            "neigh add fd00:172:18::2 lladdr 02:00:00:00:00:02 dev eth0 nud permanent",
            "neigh add 10.244.2.2 lladdr 02:00:00:00:02:02 dev antrea-gw0 nud permanent",
            "neigh add 10.244.2.4 lladdr 02:00:00:00:02:04 dev antrea-gw0 nud permanent",
            "neigh add fd00:10:244:2::2 lladdr 02:00:00:00:02:02 dev antrea-gw0 nud permanent");
    }

    /// <summary>
    /// Forwarded traffic from <paramref name="source"/> alone reaches the peer Pod CIDRs through another next hop
    /// (172.18.0.3 / fd00:172:18::3 at 02:00:00:00:00:03, routing table 100): a redirect whose destination MAC is
    /// that one was planned from a lookup with that source.
    /// </summary>
    public static void RouteFromThroughOtherPeer(TestNamespace ns, string source)
    {
        bool v6 = source.Contains(':', StringComparison.Ordinal);
        Ip(ns, v6
            ? ["neigh add fd00:172:18::3 lladdr 02:00:00:00:00:03 dev eth0 nud permanent",
               "-6 route add fd00:10:244::/64 via fd00:172:18::3 dev eth0 table 100",
               $"-6 rule add from {source} lookup 100"]
            : ["neigh add 172.18.0.3 lladdr 02:00:00:00:00:03 dev eth0 nud permanent",
               "route add 10.244.0.0/24 via 172.18.0.3 dev eth0 table 100",
               $"rule add from {source} lookup 100"]);
    }

    /// <summary>Runs each `ip` command line (words separated by single spaces) in <paramref name="ns"/>.</summary>
    public static void Ip(TestNamespace ns, params string[] commands)
    {
        foreach (string command in commands)
        {
            ns.Exec(["ip", .. command.Split(' ')]);
        }
    }
}
