namespace HostAccel.VmChecks;

/// <summary>
/// client — router — server, joined by veth pairs. The router's devices carry the seed's names: antrea-gw0 faces
/// the local Pods (the client), eth0 the transport network (the server, a "remote Pod CIDR").
/// </summary>
internal sealed class Topology : IDisposable
{
    public const string LocalCidr = "10.111.1.0/24";
    public const string PeerCidr = "10.111.2.0/24";
    public const string ServerAddress = "10.111.2.2";

    public Topology()
    {
        string suffix = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Client = $"vmc-client-{suffix}";
        Router = $"vmc-router-{suffix}";
        Server = $"vmc-server-{suffix}";
        foreach (string ns in new[] { Client, Router, Server })
        {
            Sh.Run("ip", "netns", "add", ns);
            Sh.In(ns, "ip", "link", "set", "lo", "up");
        }

        Sh.Run("ip", "link", "add", "c0", "netns", Client, "type", "veth", "peer", "name", "antrea-gw0", "netns", Router);
        Sh.Run("ip", "link", "add", "eth0", "netns", Router, "type", "veth", "peer", "name", "s0", "netns", Server);
        Sh.In(Client, "ip", "addr", "add", "10.111.1.2/24", "dev", "c0");
        Sh.In(Router, "ip", "addr", "add", "10.111.1.1/24", "dev", "antrea-gw0");
        Sh.In(Router, "ip", "addr", "add", "10.111.2.1/24", "dev", "eth0");
        Sh.In(Server, "ip", "addr", "add", "10.111.2.2/24", "dev", "s0");
        Sh.In(Client, "ip", "link", "set", "c0", "up");
        Sh.In(Router, "ip", "link", "set", "antrea-gw0", "up");
        Sh.In(Router, "ip", "link", "set", "eth0", "up");
        Sh.In(Server, "ip", "link", "set", "s0", "up");
        Sh.In(Client, "ip", "route", "add", "default", "via", "10.111.1.1");
        Sh.In(Server, "ip", "route", "add", "default", "via", "10.111.2.1");
        Sh.In(Router, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        Sh.In(Client, "ping", "-c", "1", "-W", "5", ServerAddress);
    }

    public string Client { get; }

    public string Router { get; }

    public string Server { get; }

    /// <summary>Turns segmentation offloads off so that per-packet cost, which the flowtable removes, dominates.</summary>
    public void DisableSegmentationOffloads()
    {
        foreach ((string ns, string dev) in new[] { (Client, "c0"), (Router, "antrea-gw0"), (Router, "eth0"), (Server, "s0") })
        {
            Sh.In(ns, "ethtool", "-K", dev, "gso", "off", "tso", "off", "gro", "off");
        }
    }

    public static ulong TxPackets(string ns, string dev) =>
        ulong.Parse(Sh.In(ns, "cat", $"/sys/class/net/{dev}/statistics/tx_packets").Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The router's count of forwarded datagrams (Ip: ForwDatagrams of /proc/net/snmp).</summary>
    public ulong ForwardedDatagrams()
    {
        string[] lines = Sh.In(Router, "cat", "/proc/net/snmp").Split('\n');
        string[] names = lines.First(l => l.StartsWith("Ip:", StringComparison.Ordinal)).Split(' ');
        string[] values = lines.Where(l => l.StartsWith("Ip:", StringComparison.Ordinal)).Skip(1).First().Split(' ');
        return ulong.Parse(values[Array.IndexOf(names, "ForwDatagrams")], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Waits (at most 5 s) until something listens on the TCP port in the namespace.</summary>
    public static void WaitForListener(string ns, int port)
    {
        for (int i = 0; i < 50; i++)
        {
            if (Sh.In(ns, "ss", "-Hltn", $"sport = :{port}").Trim().Length > 0)
            {
                return;
            }

            Thread.Sleep(100);
        }

        throw new InvalidOperationException($"nothing listens on port {port} in {ns}");
    }

    public void Dispose()
    {
        foreach (string ns in new[] { Client, Router, Server })
        {
            Sh.Execute("ip", "netns", "del", ns);
        }
    }
}
