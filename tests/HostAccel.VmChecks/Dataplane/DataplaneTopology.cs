using System.Diagnostics;
using System.Globalization;

namespace HostAccel.VmChecks.Dataplane;

/// <summary>
/// One Node between its Pods and the rest of the cluster, with every traffic type of Antrea's host network
/// acceleration slides routed as on a noEncap Node:
/// <list type="bullet">
/// <item>Pod namespace (what is behind antrea-gw0: OVS and the local Pods): c0 10.111.1.2/24, plus Antrea's virtual IPs
/// 169.254.0.253 (the SNAT source of external traffic to remote Pods) and 169.254.0.252 (the NodePort DNAT target), and
/// the LoadBalancer IP 172.18.0.151, all on lo; AntreaProxy's ClusterIP DNAT (10.96.0.10 → the remote Pod) in its
/// output hook, since Antrea DNATs Services in OVS, before the Node's stack sees the packet.</item>
/// <item>Node namespace: antrea-gw0 10.111.1.1/24, transport eth0 172.18.0.1/24; routes to the remote Pod CIDR
/// 10.111.2.0/24 via the peer Node and to Antrea's virtual IPs and the LoadBalancer IP via antrea-gw0; kube-proxy's
/// part: NodePort DNAT of 172.18.0.1:5201/7000 to 169.254.0.252 and SNAT of 169.254.0.253 out of eth0.</item>
/// <item>Remote namespace: s0 172.18.0.2/24 (the peer Node and the external client) and the remote Pod 10.111.2.2.</item>
/// </list>
/// The NAT rules are the environment a Node has (kube-proxy's and AntreaProxy's), written with nft; the acceleration
/// under test is written by HostAccel only. Segmentation offloads are off on every veth so that the per-packet cost,
/// which acceleration removes, dominates (a TCG guest's GSO'd veths otherwise move 64 KiB per "packet").
/// </summary>
internal sealed class DataplaneTopology : IDisposable
{
    public const string LocalCidr = "10.111.1.0/24";
    public const string PeerCidr = "10.111.2.0/24";
    public const string PodAddress = "10.111.1.2";
    public const string RemotePod = "10.111.2.2";
    public const string ClusterIP = "10.96.0.10";
    public const string NodeAddress = "172.18.0.1";
    public const string PeerNode = "172.18.0.2";
    public const string SnatAddress = "169.254.0.253";
    public const string DnatAddress = "169.254.0.252";
    public const string LoadBalancerIP = "172.18.0.151";
    public const int StreamPort = 5201;
    public const int RrPort = 7000;

    private readonly List<Process> _servers = [];

    public DataplaneTopology(string tcprr)
    {
        string suffix = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        Pod = $"dp-pod-{suffix}";
        Node = $"dp-node-{suffix}";
        Remote = $"dp-remote-{suffix}";
        foreach (string ns in new[] { Pod, Node, Remote })
        {
            Sh.Run("ip", "netns", "add", ns);
            Sh.In(ns, "ip", "link", "set", "lo", "up");
        }

        Sh.Run("ip", "link", "add", "c0", "netns", Pod, "type", "veth", "peer", "name", "antrea-gw0", "netns", Node);
        Sh.Run("ip", "link", "add", "eth0", "netns", Node, "type", "veth", "peer", "name", "s0", "netns", Remote);
        Ip(Pod, "addr add 10.111.1.2/24 dev c0", $"addr add {SnatAddress}/32 dev lo", $"addr add {DnatAddress}/32 dev lo",
            $"addr add {LoadBalancerIP}/32 dev lo", "link set c0 up", "route add default via 10.111.1.1");
        Ip(Node, "addr add 10.111.1.1/24 dev antrea-gw0", "addr add 172.18.0.1/24 dev eth0", "link set antrea-gw0 up", "link set eth0 up",
            $"route add {PeerCidr} via {PeerNode} dev eth0", $"route add {SnatAddress}/32 via {PodAddress} dev antrea-gw0",
            $"route add {DnatAddress}/32 via {PodAddress} dev antrea-gw0", $"route add {LoadBalancerIP}/32 via {PodAddress} dev antrea-gw0");
        Ip(Remote, "addr add 172.18.0.2/24 dev s0", $"addr add {RemotePod}/32 dev lo", "link set s0 up",
            $"route add {LocalCidr} via {NodeAddress} src {RemotePod}", $"route add {LoadBalancerIP}/32 via {NodeAddress}");
        Sh.In(Node, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        // A few thousand short connections per cell: ports and TIME_WAIT must not run out across the cells of a round.
        foreach (string ns in new[] { Pod, Remote })
        {
            Sh.In(ns, "sysctl", "-qw", "net.ipv4.tcp_tw_reuse=1", "net.ipv4.ip_local_port_range=10000 65000");
        }

        Sh.Execute("sysctl", "-qw", "net.netfilter.nf_conntrack_max=1048576");
        foreach ((string ns, string dev) in new[] { (Pod, "c0"), (Node, "antrea-gw0"), (Node, "eth0"), (Remote, "s0") })
        {
            Sh.In(ns, "ethtool", "-K", dev, "gso", "off", "tso", "off", "gro", "off");
        }

        NftLoad(Pod, $$"""
            table ip antrea-proxy {
                chain output { type nat hook output priority -100; ip daddr {{ClusterIP}} dnat to {{RemotePod}}; }
            }
            """);
        NftLoad(Node, $$"""
            table ip kube-proxy {
                chain prerouting { type nat hook prerouting priority -100; ip daddr {{NodeAddress}} tcp dport { {{StreamPort}}, {{RrPort}} } dnat to {{DnatAddress}}; }
                chain postrouting { type nat hook postrouting priority 100; ip saddr {{SnatAddress}} oifname "eth0" snat to {{NodeAddress}}; }
            }
            """);

        foreach (string ns in new[] { Pod, Remote })
        {
            // Their output goes nowhere: an unread pipe would stop iperf3's per-second reports, and the server with them.
            _servers.Add(Sh.Start("sh", "-c", $"exec ip netns exec {ns} iperf3 -s >/dev/null 2>&1"));
            _servers.Add(Sh.Start("sh", "-c", $"exec ip netns exec {ns} '{tcprr}' server {RrPort} >/dev/null 2>&1"));
            Topology.WaitForListener(ns, StreamPort);
            Topology.WaitForListener(ns, RrPort);
        }

        Sh.In(Pod, "ping", "-c", "1", "-W", "5", RemotePod);
        Sh.In(Remote, "ping", "-c", "1", "-W", "5", PodAddress);
    }

    public string Pod { get; }

    public string Node { get; }

    public string Remote { get; }

    public static void Ip(string ns, params string[] commands)
    {
        foreach (string command in commands)
        {
            Sh.In(ns, ["ip", .. command.Split(' ')]);
        }
    }

    /// <summary>Loads a ruleset with nft -f: the environment's NAT, and the by-hand control, never HostAccel's rules.</summary>
    public static void NftLoad(string ns, string ruleset)
    {
        string file = Path.Combine(Path.GetTempPath(), $"{ns}-{Guid.NewGuid():N}.nft");
        File.WriteAllText(file, ruleset);
        try
        {
            Sh.In(ns, "nft", "-f", file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    public static ulong TxPackets(string ns, string dev) =>
        ulong.Parse(Sh.In(ns, "cat", $"/sys/class/net/{dev}/statistics/tx_packets").Trim(), CultureInfo.InvariantCulture);

    /// <summary>Ip: ForwDatagrams of the Node: what its stack forwarded.</summary>
    public ulong Forwarded()
    {
        string[] lines = Sh.In(Node, "cat", "/proc/net/snmp").Split('\n');
        string[] names = lines.First(l => l.StartsWith("Ip:", StringComparison.Ordinal)).Split(' ');
        string[] values = lines.Where(l => l.StartsWith("Ip:", StringComparison.Ordinal)).Skip(1).First().Split(' ');
        return ulong.Parse(values[Array.IndexOf(names, "ForwDatagrams")], CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        foreach (Process server in _servers)
        {
            try
            {
                server.Kill();
                server.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            server.Dispose();
        }

        foreach (string ns in new[] { Pod, Node, Remote })
        {
            Sh.Execute("ip", "netns", "del", ns);
        }
    }
}
