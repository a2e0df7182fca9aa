using System.Globalization;

namespace HostAccel.VmChecks.TrafficControl;

/// <summary>
/// The demo's Node between a local Pod and a peer, dual-stack, with the peer Pod CIDR routed through the peer Node as
/// on a real cluster: a Pod namespace (c0, 10.244.2.2) behind the Node's antrea-gw0 (10.244.2.1), whose local Pod CIDR
/// is on-link; the Node's eth0 (172.18.0.1) faces a peer Node namespace (s0, 172.18.0.2) that holds the peer Pod
/// address 10.244.0.2 and is the Node's next hop for 10.244.0.0/24, and sends to the local Pods from that address as a
/// peer Pod would (traffic from the peer Node's own 172.18.0.2 matches no filter and takes the kernel's path). IPv6
/// alike under fd00:.
/// </summary>
internal sealed class TcTopology : IDisposable
{
    public const string PodAddress = "10.244.2.2";
    public const string PodAddress6 = "fd00:10:244:2::2";
    public const string PeerAddress = "10.244.0.2";
    public const string PeerAddress6 = "fd00:10:244::2";
    public const string LocalCidr = "10.244.2.0/24";
    public const string LocalCidr6 = "fd00:10:244:2::/64";
    public const string PeerCidr = "10.244.0.0/24";
    public const string PeerCidr6 = "fd00:10:244::/64";

    public TcTopology()
    {
        string suffix = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        Pod = $"vmc-tc-pod-{suffix}";
        Node = $"vmc-tc-node-{suffix}";
        Peer = $"vmc-tc-peer-{suffix}";
        foreach (string ns in new[] { Pod, Node, Peer })
        {
            Sh.Run("ip", "netns", "add", ns);
            Sh.In(ns, "ip", "link", "set", "lo", "up");
        }

        Sh.Run("ip", "link", "add", "c0", "netns", Pod, "type", "veth", "peer", "name", "antrea-gw0", "netns", Node);
        Sh.Run("ip", "link", "add", "eth0", "netns", Node, "type", "veth", "peer", "name", "s0", "netns", Peer);
        Ip(Pod, "addr add 10.244.2.2/24 dev c0", "addr add fd00:10:244:2::2/64 dev c0 nodad", "link set c0 up",
            "route add default via 10.244.2.1", "route add default via fd00:10:244:2::1");
        Ip(Node, "addr add 10.244.2.1/24 dev antrea-gw0", "addr add fd00:10:244:2::1/64 dev antrea-gw0 nodad",
            "addr add 172.18.0.1/24 dev eth0", "addr add fd00:172:18::1/64 dev eth0 nodad", "link set antrea-gw0 up", "link set eth0 up",
            "route add 10.244.0.0/24 via 172.18.0.2 dev eth0", "route add fd00:10:244::/64 via fd00:172:18::2 dev eth0");
        Ip(Peer, "addr add 172.18.0.2/24 dev s0", "addr add fd00:172:18::2/64 dev s0 nodad", "link set s0 up",
            "addr add 10.244.0.2/32 dev lo", "addr add fd00:10:244::2/128 dev lo",
            "route add 10.244.2.0/24 via 172.18.0.1 src 10.244.0.2", "route add fd00:10:244:2::/64 via fd00:172:18::1 src fd00:10:244::2");
        Sh.In(Node, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1");

        // The kernel's own path first: both ways, both families, which also fills the Node's neighbour tables.
        Sh.In(Pod, "ping", "-c", "1", "-W", "5", PeerAddress);
        Sh.In(Pod, "ping", "-6", "-c", "1", "-W", "5", PeerAddress6);
        Sh.In(Peer, "ping", "-c", "1", "-W", "5", "-I", PeerAddress, PodAddress);
        Sh.In(Peer, "ping", "-6", "-c", "1", "-W", "5", "-I", PeerAddress6, PodAddress6);
    }

    public string Pod { get; }

    public string Node { get; }

    public string Peer { get; }

    public static void Ip(string ns, params string[] commands)
    {
        foreach (string command in commands)
        {
            Sh.In(ns, ["ip", .. command.Split(' ')]);
        }
    }

    public static string Mac(string ns, string device) => Sh.In(ns, "cat", $"/sys/class/net/{device}/address").Trim();

    /// <summary>Datagrams the Node's stack forwarded: Ip: ForwDatagrams plus Ip6OutForwDatagrams.</summary>
    public ulong Forwarded()
    {
        string[] lines = Sh.In(Node, "cat", "/proc/net/snmp").Split('\n');
        string[] names = lines.First(l => l.StartsWith("Ip:", StringComparison.Ordinal)).Split(' ');
        string[] values = lines.Where(l => l.StartsWith("Ip:", StringComparison.Ordinal)).Skip(1).First().Split(' ');
        ulong v4 = ulong.Parse(values[Array.IndexOf(names, "ForwDatagrams")], CultureInfo.InvariantCulture);
        string v6 = Sh.In(Node, "cat", "/proc/net/snmp6").Split('\n').First(l => l.StartsWith("Ip6OutForwDatagrams", StringComparison.Ordinal));
        return v4 + ulong.Parse(v6.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        foreach (string ns in new[] { Pod, Node, Peer })
        {
            Sh.Execute("ip", "netns", "del", ns);
        }
    }
}
