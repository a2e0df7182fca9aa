using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using HostAccel.Native;
using HostAccel.Native.Interop;
using HostAccel.Native.Nftables;
using HostAccel.Native.TrafficControl;
using HostAccel.Native.TrafficControl.Routing;

namespace HostAccel.VmChecks.TrafficControl;

/// <summary>
/// Seed 001's Traffic Control solution through the native layer on a kernel that has it: the Node's clsact, TTL
/// guards and flower redirects with the MAC rewrite planned from its routes and neighbours, then ping, iperf3 and a
/// connect/request/close loop both ways and both families, proven to bypass the Node's stack (a counting rule in its
/// forward chain and its forwarding counters see none of it, the filters count it all) and to reach the Pod and the
/// peer with the right MACs and one hop less (counted by netdev rules on their devices, not captured).
/// </summary>
internal static partial class TcChecks
{
    private const ushort Guard4 = 40008, Guard6 = 40009, Redirect4 = 40010, Redirect6 = 40011;

    public static void Run(Report report)
    {
        TrafficControlSupportReport support = KernelSupport.ProbeTrafficControl();
        report.Check(support.Supported, "probe: clsact, flower, mirred, pedit, csum and gact are there", string.Join("; ", support.Reasons));
        if (!support.Supported)
        {
            return;
        }

        using var t = new TcTopology();
        using TcConnection tc = TcConnection.Open(t.Node);
        Link gw = tc.GetLink("antrea-gw0")!, eth0 = tc.GetLink("eth0")!;
        MacAddress c0 = MacAddress.Parse(TcTopology.Mac(t.Pod, "c0")), s0 = MacAddress.Parse(TcTopology.Mac(t.Peer, "s0"));

        // The plan, from what the kernel's own forwarding would use.
        var plans = new Dictionary<(bool V6, bool ToPeer), NextHopPlan>();
        foreach (bool v6 in new[] { false, true })
        {
            plans[(v6, true)] = NextHopResolver.Resolve(tc, IpPrefix.Parse(v6 ? TcTopology.PeerCidr6 : TcTopology.PeerCidr), "eth0", "antrea-gw0",
                IPAddress.Parse(v6 ? TcTopology.PodAddress6 : TcTopology.PodAddress));
            plans[(v6, false)] = NextHopResolver.Resolve(tc, IpPrefix.Parse(v6 ? TcTopology.LocalCidr6 : TcTopology.LocalCidr), "antrea-gw0", "eth0",
                IPAddress.Parse(v6 ? TcTopology.PeerAddress6 : TcTopology.PeerAddress));
            NextHopPlan toPeer = plans[(v6, true)], toPods = plans[(v6, false)];
            report.Check(!toPeer.PerHost && toPeer.SourceMac == eth0.Address && toPeer.Targets.Count == 1 && toPeer.Targets[0].DestinationMac == s0,
                $"plan {(v6 ? "IPv6" : "IPv4")}: the peer CIDR through its gateway, one target, eth0's MAC to the peer Node's", string.Join(", ", toPeer.Targets));
            report.Check(toPods.PerHost && toPods.SourceMac == gw.Address && toPods.Targets.Count == 1 && toPods.Targets[0].DestinationMac == c0 &&
                toPods.Targets[0].Match == IpPrefix.Parse(v6 ? TcTopology.PodAddress6 : TcTopology.PodAddress),
                $"plan {(v6 ? "IPv6" : "IPv4")}: the local Pod CIDR on-link, one target per Pod, antrea-gw0's MAC to the Pod's", string.Join(", ", toPods.Targets));
        }

        (List<TcChange> changes, Dictionary<int, List<TcFilter>> written) = Changes(gw, eth0, plans);
        Func<int, string?> names = i => i == gw.Index ? "antrea-gw0" : i == eth0.Index ? "eth0" : null;
        Console.WriteLine("# the Node's changes, as tc commands:");
        foreach (TcChange change in changes)
        {
            Console.WriteLine($"#   {change.Render(names)}");
        }

        tc.Apply(changes);
        foreach ((int device, List<TcFilter> filters) in written)
        {
            IReadOnlyList<TcFilter> read = tc.ListFilters(device, ClsactHook.Ingress);
            report.Check(read.Select(f => f.AsWritten()).ToHashSet().SetEquals(filters) && read.Count == filters.Count,
                $"{names(device)}: the filters read back as written", string.Join("\n", read));
        }

        string oracle = Sh.In(t.Node, "tc", "-s", "filter", "show", "dev", "antrea-gw0", "ingress");
        report.Check(oracle.Contains("mirred (Egress Redirect to device eth0)", StringComparison.Ordinal) && oracle.Contains("pedit", StringComparison.Ordinal) &&
            oracle.Contains("csum (iph)", StringComparison.Ordinal), "tc -s filter show lists pedit, csum and the redirect", oracle);

        LoadCounters(t, gw.Address!.Value, eth0.Address!.Value, c0, s0);
        ulong forwardedBefore = t.Forwarded();

        // Traffic, each way and family.
        foreach (bool v6 in new[] { false, true })
        {
            string family = v6 ? "IPv6" : "IPv4";
            (int podRc, string podOut) = Ping(t.Pod, v6, v6 ? TcTopology.PeerAddress6 : TcTopology.PeerAddress, null, 5);
            report.Check(podRc == 0 && Ttls(podOut).Count == 5 && Ttls(podOut).All(ttl => ttl == 63),
                $"{family} ping Pod -> peer: every reply, one hop less (ttl 63)", podOut);
            (int peerRc, string peerOut) = Ping(t.Peer, v6, v6 ? TcTopology.PodAddress6 : TcTopology.PodAddress, v6 ? TcTopology.PeerAddress6 : TcTopology.PeerAddress, 5);
            report.Check(peerRc == 0 && Ttls(peerOut).Count == 5 && Ttls(peerOut).All(ttl => ttl == 63),
                $"{family} ping peer -> Pod: every reply, one hop less (ttl 63)", peerOut);
            (_, string expired, _) = Sh.Execute("ip", "netns", "exec", t.Pod, "ping", v6 ? "-6" : "-4", "-c", "1", "-W", "3", "-t", "1", v6 ? TcTopology.PeerAddress6 : TcTopology.PeerAddress);
            report.Check(expired.Contains(v6 ? "From fd00:10:244:2::1" : "From 10.244.2.1", StringComparison.Ordinal) && expired.Contains("exceeded", StringComparison.OrdinalIgnoreCase),
                $"{family} ping with TTL 1: the guard hands it to the stack, which answers time exceeded", expired);
        }

        report.Check(Iperf(t, TcTopology.PeerAddress, reverse: false), "iperf3 Pod -> peer through the filters");
        report.Check(Iperf(t, TcTopology.PeerAddress, reverse: true), "iperf3 peer -> Pod (-R) through the filters");
        report.Check(Iperf(t, TcTopology.PeerAddress6, reverse: false), "iperf3 IPv6 Pod -> peer through the filters");
        foreach ((string from, string to, string address) in new[] { (t.Pod, t.Peer, TcTopology.PeerAddress), (t.Peer, t.Pod, TcTopology.PodAddress), (t.Pod, t.Peer, TcTopology.PeerAddress6) })
        {
            int done = ConnectRequestClose(to, IPAddress.Parse(address), from, 200);
            report.Check(done == 200, $"connect/request/close x200 to {address} ({(from == t.Pod ? "Pod -> peer" : "peer -> Pod")})", $"{done} of 200");
        }

        // Where the packets went.
        ulong forwardChain = NftCounters(t.Node, "inet", "tccheck").Aggregate(0UL, (a, b) => a + b);
        ulong forwarded = t.Forwarded() - forwardedBefore;
        ulong redirected = Redirected(tc, gw.Index) + Redirected(tc, eth0.Index);
        Console.WriteLine($"# tc: the redirect filters counted {redirected} packets; the Node's forward chain {forwardChain}; ForwDatagrams +{forwarded}");
        report.Check(forwardChain == 0, "a counting rule in the Node's forward chain saw none of it", $"{forwardChain} packets");
        report.Check(forwarded == 0, "the Node's stack forwarded none of it (Ip ForwDatagrams + Ip6OutForwDatagrams)", $"+{forwarded}");
        report.Check(redirected > 1000, "the filters' statistics counted it", $"{redirected} packets");

        // What arrived: every frame from the other side with the sending device's MAC as source, the receiver's as
        // destination, and a TTL / hop limit one below the sender's 64.
        foreach ((string ns, string who, ulong sentByFilters) in new[] { (t.Pod, "the Pod", Redirected(tc, eth0.Index)), (t.Peer, "the peer", Redirected(tc, gw.Index)) })
        {
            List<ulong> c = NftCounters(ns, "netdev", "tccheck");
            Console.WriteLine($"# {who}: from the other side IPv4 {c[0]} frames, {c[1]} with the right MACs and ttl 63; IPv6 {c[2]}, {c[3]} with hop limit 63");
            report.Check(c[0] > 0 && c[0] == c[1] && c[2] > 0 && c[2] == c[3],
                $"{who} received every IPv4 and IPv6 frame from the other side with the right MACs and ttl / hop limit 63",
                $"IPv4 {c[1]} of {c[0]}, IPv6 {c[3]} of {c[2]}");
            report.Check(c[0] + c[2] <= sentByFilters, $"{who} received no more than the filters towards it redirected", $"{c[0] + c[2]} > {sentByFilters}");
        }

        RefreshAfterNeighbourChange(report, t, tc, gw, eth0, plans, written);

        // Removing the two qdiscs removes every filter; the kernel's path takes over again.
        tc.Apply([TcChange.DeleteQdisc(TcQdisc.Clsact(gw.Index)), TcChange.DeleteQdisc(TcQdisc.Clsact(eth0.Index))]);
        report.Check(tc.GetClsact(gw.Index) is null && tc.GetClsact(eth0.Index) is null && tc.ListFilters(gw.Index, ClsactHook.Ingress).Count == 0,
            "deleting the clsact qdiscs removed every filter");
        (int slowRc, string slowOut) = Ping(t.Pod, false, TcTopology.PeerAddress, null, 3);
        report.Check(slowRc == 0 && NftCounters(t.Node, "inet", "tccheck").Aggregate(0UL, (a, b) => a + b) > 0 && Ttls(slowOut).All(ttl => ttl == 63),
            "without the filters the kernel forwards again, and the forward chain counts it", slowOut);
    }

    /// <summary>clsact on both devices, the TTL guards, and one redirect per plan target, in the order they are applied.</summary>
    private static (List<TcChange> Changes, Dictionary<int, List<TcFilter>> Written) Changes(Link gw, Link eth0, Dictionary<(bool V6, bool ToPeer), NextHopPlan> plans)
    {
        var changes = new List<TcChange> { TcChange.AddQdisc(TcQdisc.Clsact(gw.Index)), TcChange.AddQdisc(TcQdisc.Clsact(eth0.Index)) };
        var written = new Dictionary<int, List<TcFilter>> { [gw.Index] = [], [eth0.Index] = [] };
        foreach (Link device in new[] { gw, eth0 })
        {
            written[device.Index].Add(FlowerFilter.TtlGuard(device.Index, Guard4, 1, ipv6: false));
            written[device.Index].Add(FlowerFilter.TtlGuard(device.Index, Guard6, 1, ipv6: true));
        }

        foreach (((bool v6, bool toPeer), NextHopPlan plan) in plans)
        {
            Link ingress = toPeer ? gw : eth0;
            IpPrefix source = IpPrefix.Parse(toPeer ? (v6 ? TcTopology.LocalCidr6 : TcTopology.LocalCidr) : (v6 ? TcTopology.PeerCidr6 : TcTopology.PeerCidr));
            uint handle = 1;
            foreach (RewriteTarget target in plan.Targets)
            {
                written[ingress.Index].Add(FlowerFilter.Redirect(ingress.Index, v6 ? Redirect6 : Redirect4, handle++, source, target.Match,
                    plan.SourceMac, target.DestinationMac, plan.Egress.Index));
            }
        }

        changes.AddRange(written.Values.SelectMany(f => f).Select(TcChange.AddFilter));
        return (changes, written);
    }

    /// <summary>
    /// A Pod that comes back with another MAC: the filter still sends to the old one and the Pod drops the frames, so
    /// the planner must act on neighbour changes. Once the Node's neighbour entry holds the new address (as ARP and
    /// NDP would make it), the plan made again replaces the filter in one step and traffic flows.
    /// </summary>
    private static void RefreshAfterNeighbourChange(Report report, TcTopology t, TcConnection tc, Link gw, Link eth0,
        Dictionary<(bool V6, bool ToPeer), NextHopPlan> plans, Dictionary<int, List<TcFilter>> written)
    {
        var fresh = MacAddress.Parse("02:00:00:00:99:02");
        TcTopology.Ip(t.Pod, $"link set c0 address {fresh}");
        (int staleRc, _) = Ping(t.Peer, false, TcTopology.PodAddress, TcTopology.PeerAddress, 2);
        report.Check(staleRc != 0, "after the Pod's MAC changed, the stale filter's frames are dropped by the Pod");

        var replaces = new List<TcChange>();
        foreach (bool v6 in new[] { false, true })
        {
            TcTopology.Ip(t.Node, $"neigh replace {(v6 ? TcTopology.PodAddress6 : TcTopology.PodAddress)} lladdr {fresh} dev antrea-gw0 nud reachable");
            NextHopPlan plan = NextHopResolver.Resolve(tc, IpPrefix.Parse(v6 ? TcTopology.LocalCidr6 : TcTopology.LocalCidr), "antrea-gw0", "eth0",
                IPAddress.Parse(v6 ? TcTopology.PeerAddress6 : TcTopology.PeerAddress));
            RewriteTarget target = plan.Targets.Single();
            FlowerFilter old = written[eth0.Index].OfType<FlowerFilter>().Single(f => f.Priority == (v6 ? Redirect6 : Redirect4));
            FlowerFilter updated = FlowerFilter.Redirect(eth0.Index, old.Priority, old.Handle, old.Source!.Value, target.Match, plan.SourceMac, target.DestinationMac, gw.Index);
            replaces.Add(TcChange.ReplaceFilter(updated, previous: old));
            plans[(v6, false)] = plan;
        }

        tc.Apply(replaces);
        (int rc, string output) = Ping(t.Peer, false, TcTopology.PodAddress, TcTopology.PeerAddress, 3);
        (int rc6, string output6) = Ping(t.Peer, true, TcTopology.PodAddress6, TcTopology.PeerAddress6, 3);
        report.Check(rc == 0 && rc6 == 0 && Ttls(output).All(ttl => ttl == 63), "the plan made again from the new neighbour entry, the filter replaced: the Pod is reached", output + output6);
    }

    private static (int Code, string Output) Ping(string ns, bool v6, string destination, string? source, int count)
    {
        var arguments = new List<string> { "netns", "exec", ns, "ping", v6 ? "-6" : "-4", "-c", count.ToString(CultureInfo.InvariantCulture), "-i", "0.2", "-W", "2" };
        if (source is not null)
        {
            arguments.AddRange(["-I", source]);
        }

        arguments.Add(destination);
        (int code, string output, string error) = Sh.Execute("ip", [.. arguments]);
        return (code, output + error);
    }

    private static List<int> Ttls(string pingOutput) =>
        TtlPattern().Matches(pingOutput).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();

    [GeneratedRegex(@"bytes from .*(?:ttl|hlim)=(\d+)")]
    private static partial Regex TtlPattern();

    private static bool Iperf(TcTopology t, string server, bool reverse)
    {
        using Process listener = Sh.Start("ip", "netns", "exec", t.Peer, "iperf3", "-s", "-1", "-B", server);
        Topology.WaitForListener(t.Peer, 5201);
        var arguments = new List<string> { "netns", "exec", t.Pod, "iperf3", "-c", server, "-t", "2" };
        if (reverse)
        {
            arguments.Add("-R");
        }

        (int code, string output, string error) = Sh.Execute("ip", [.. arguments]);
        listener.WaitForExit(10_000);
        Console.WriteLine($"# iperf3 -c {server}{(reverse ? " -R" : "")}: {output.Split('\n').LastOrDefault(l => l.Contains("receiver", StringComparison.Ordinal))?.Trim() ?? error}");
        return code == 0;
    }

    /// <summary>Opens, uses and closes <paramref name="count"/> TCP connections, each asking and getting 4 bytes.</summary>
    private static int ConnectRequestClose(string serverNs, IPAddress server, string clientNs, int count)
    {
        using Socket listener = NetworkNamespace.Run(serverNs, () => new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
        listener.Bind(new IPEndPoint(server, 5300));
        listener.Listen(64);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        Task serving = Task.Run(async () =>
        {
            byte[] buffer = new byte[4];
            while (!stop.IsCancellationRequested)
            {
                using Socket accepted = await listener.AcceptAsync(stop.Token);
                int read = await accepted.ReceiveAsync(buffer, SocketFlags.None, stop.Token);
                await accepted.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, stop.Token);
            }
        });

        int done = 0;
        byte[] answer = new byte[4];
        for (int i = 0; i < count && !stop.IsCancellationRequested; i++)
        {
            using Socket client = NetworkNamespace.Run(clientNs, () => new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
            try
            {
                client.ConnectAsync(server, 5300, stop.Token).AsTask().Wait(TimeSpan.FromSeconds(5));
                client.Send("ping"u8);
                client.ReceiveTimeout = 5000;
                done += client.Receive(answer) == 4 ? 1 : 0;
            }
            catch (Exception ex) when (ex is SocketException or AggregateException or InvalidOperationException)
            {
                break;
            }
        }

        stop.Cancel();
        try
        {
            serving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The accept loop ends by cancellation.
        }

        return done;
    }

    private static ulong Redirected(TcConnection tc, int device) =>
        tc.ListFilters(device, ClsactHook.Ingress).OfType<FlowerFilter>()
            .Where(f => f.Priority is Redirect4 or Redirect6)
            .Aggregate(0UL, (sum, f) => sum + (f.Statistics?.Packets ?? 0));

    /// <summary>
    /// The Node's forward chain with one counting rule, and on the Pod's c0 and the peer's s0 netdev ingress rules:
    /// per family, every frame from the other side, and those with the right MACs and TTL / hop limit 63.
    /// </summary>
    private static void LoadCounters(TcTopology t, MacAddress gw, MacAddress eth0, MacAddress c0, MacAddress s0)
    {
        NftLoad(t.Node, "table inet tccheck { chain forward { type filter hook forward priority 0; policy accept; counter; }; }");
        NftLoad(t.Pod, Arrivals("c0", TcTopology.PeerCidr, TcTopology.PeerCidr6, gw, c0));
        NftLoad(t.Peer, Arrivals("s0", TcTopology.LocalCidr, TcTopology.LocalCidr6, eth0, s0));
    }

    private static string Arrivals(string device, string from4, string from6, MacAddress source, MacAddress destination) => $$"""
        table netdev tccheck {
            chain arrivals {
                type filter hook ingress device "{{device}}" priority 0; policy accept;
                ip saddr {{from4}} counter
                ether saddr {{source}} ether daddr {{destination}} ip saddr {{from4}} ip ttl 63 counter
                ip6 saddr {{from6}} counter
                ether saddr {{source}} ether daddr {{destination}} ip6 saddr {{from6}} ip6 hoplimit 63 counter
            }
        }
        """;

    private static void NftLoad(string ns, string ruleset)
    {
        string file = Path.Combine(Path.GetTempPath(), $"{ns}-tccheck.nft");
        File.WriteAllText(file, ruleset);
        Sh.In(ns, "nft", "-f", file);
    }

    /// <summary>The packet counts of a table's rules, in order, as nft -j reports them.</summary>
    private static List<ulong> NftCounters(string ns, string family, string table)
    {
        using JsonDocument json = JsonDocument.Parse(Sh.In(ns, "nft", "-j", "list", "table", family, table));
        return json.RootElement.GetProperty("nftables").EnumerateArray()
            .Where(e => e.TryGetProperty("rule", out _))
            .Select(e => e.GetProperty("rule").GetProperty("expr").EnumerateArray()
                .Where(x => x.TryGetProperty("counter", out _))
                .Select(x => x.GetProperty("counter").GetProperty("packets").GetUInt64())
                .Single())
            .ToList();
    }
}
