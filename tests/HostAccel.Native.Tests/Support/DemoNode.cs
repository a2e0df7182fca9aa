namespace HostAccel.Native.Tests.Support;

/// <summary>
/// The demo's Node laid out in a throwaway namespace, for the tests of what a MAC rewrite is planned from: eth0
/// (02:00:00:00:00:01; 172.18.0.1/24, fd00:172:18::1/64) towards the peer Node 172.18.0.2 (fd00:172:18::2), the next
/// hop of the peer Pod CIDRs 10.244.0.0/24 and fd00:10:244::/64; antrea-gw0 (02:00:00:00:02:01; 10.244.2.1/24,
/// fd00:10:244:2::1/64) towards the local Pods; both veth peers up, forwarding on. Neighbours, permanent: the peer Node
/// at 02:00:00:00:00:02 (both families) and the local Pod 10.244.2.2 at 02:00:00:00:02:02; 10.244.2.3 incomplete.
/// </summary>
internal static class DemoNode
{
    public static void LayOut(TestNamespace ns)
    {
        ns.Exec("ip", "link", "add", "eth0", "address", "02:00:00:00:00:01", "type", "veth", "peer", "name", "eth0-peer", "address", "02:00:00:00:00:02");
        ns.Exec("ip", "link", "add", "antrea-gw0", "address", "02:00:00:00:02:01", "type", "veth", "peer", "name", "gw-peer", "address", "02:00:00:00:02:02");
        foreach (string device in new[] { "eth0", "eth0-peer", "antrea-gw0", "gw-peer" })
        {
            ns.Exec("ip", "link", "set", device, "up");
        }

        ns.Exec("sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1");
        Ip(ns, "addr add 172.18.0.1/24 dev eth0", "addr add 10.244.2.1/24 dev antrea-gw0",
            "addr add fd00:172:18::1/64 dev eth0 nodad", "addr add fd00:10:244:2::1/64 dev antrea-gw0 nodad",
            "route add 10.244.0.0/24 via 172.18.0.2 dev eth0", "route add fd00:10:244::/64 via fd00:172:18::2 dev eth0",
            "neigh add 172.18.0.2 lladdr 02:00:00:00:00:02 dev eth0 nud permanent",
            "neigh add fd00:172:18::2 lladdr 02:00:00:00:00:02 dev eth0 nud permanent",
            "neigh add 10.244.2.2 lladdr 02:00:00:00:02:02 dev antrea-gw0 nud permanent",
            "neigh add 10.244.2.3 dev antrea-gw0 nud incomplete");
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
