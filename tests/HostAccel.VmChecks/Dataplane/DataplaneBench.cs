using System.Collections;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.TrafficControl;
using HostAccel.Native.TrafficControl.Routing;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;

namespace HostAccel.VmChecks.Dataplane;

internal enum TrafficType
{
    PodToPod,
    PodToService,
    ExternalToPod,
    ExternalToNodePort,
    NodePortFullPath,
    LoadBalancer,
}

internal enum Mode
{
    Default,
    Flowtable,
    FlowtableThreshold,
    TrafficControl,

    /// <summary>The control: the slides' flowtable and rules loaded with nft by hand, beside HostAccel's.</summary>
    NftByHand,
}

internal enum Workload
{
    Stream,
    Rr,
    Crr,
}

/// <summary>One measure: a traffic type under a mode, one workload, one round, and what the Node's counters saw.</summary>
internal sealed record Sample(int Round, TrafficType Type, Mode Mode, Workload Workload, double Value, ulong RulePackets, ulong Forwarded, ulong Sent);

/// <summary>
/// The results table of Antrea's host network acceleration slides (Pod-to-Pod, Pod-to-Service, External-to-NodePort
/// × Default / Traffic Control / Flowtable / Flowtable full path × TCP_STREAM / TCP_RR / TCP_CRR), measured with
/// HostAccel on <see cref="DataplaneTopology"/>, plus the traffic types the slides accelerate without measuring
/// (External-to-Pod, LoadBalancer IP) and the offload threshold. Every configuration of a round runs once per round,
/// rounds alternate the order of the modes, and each gain is the ratio of medians over the rounds, with the range of
/// the per-round ratios as its spread.
/// </summary>
internal static class DataplaneBench
{
    public const int DefaultThreshold = 20;

    /// <summary>The slides' gains over Default, in percent (null: not measured there).</summary>
    private static readonly Dictionary<(TrafficType, Mode), int[]> Slides = new()
    {
        [(TrafficType.PodToPod, Mode.TrafficControl)] = [20, 14, 41],
        [(TrafficType.PodToPod, Mode.Flowtable)] = [31, 16, 6],
        [(TrafficType.PodToService, Mode.TrafficControl)] = [40, 15, 34],
        [(TrafficType.PodToService, Mode.Flowtable)] = [53, 18, 16],
        [(TrafficType.ExternalToNodePort, Mode.Flowtable)] = [30, 4, -7],
        [(TrafficType.NodePortFullPath, Mode.Flowtable)] = [47, 7, -4],
    };

    private static readonly Dictionary<(TrafficType, Workload), double> SlideDefaults = new()
    {
        [(TrafficType.PodToPod, Workload.Stream)] = 16049.15, [(TrafficType.PodToPod, Workload.Rr)] = 18208.75, [(TrafficType.PodToPod, Workload.Crr)] = 7259.13,
        [(TrafficType.PodToService, Workload.Stream)] = 12993.01, [(TrafficType.PodToService, Workload.Rr)] = 17842.92, [(TrafficType.PodToService, Workload.Crr)] = 7245.25,
        [(TrafficType.ExternalToNodePort, Workload.Stream)] = 12648.59, [(TrafficType.ExternalToNodePort, Workload.Rr)] = 17956.66, [(TrafficType.ExternalToNodePort, Workload.Crr)] = 7315.98,
    };

    public static void Run(Report report, int rounds, int seconds, int threshold, string tcprr, string? results)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"dataplane: {rounds} rounds, {seconds} s per measure, offload threshold {threshold} packets"));
        using var topology = new DataplaneTopology(tcprr);
        using AccelSession session = AccelSession.Open(topology.Node);
        using NftConnection nft = NftConnection.Open(topology.Node);
        var samples = new List<Sample>();
        (TrafficType Type, Mode[] Modes)[] plan = Plan();
        for (int round = 0; round < rounds; round++)
        {
            foreach ((TrafficType type, Mode[] modes) in plan)
            {
                // Alternating rounds: the modes run in one order, then the other, so that a drift of the host's load
                // during a round weighs on each alike.
                foreach (Mode mode in round % 2 == 0 ? modes : modes.Reverse())
                {
                    Apply(session, nft, topology, type, mode, threshold);
                    foreach (Workload workload in Enum.GetValues<Workload>())
                    {
                        Sample sample = Measure(topology, nft, round, type, mode, workload, seconds);
                        samples.Add(sample);
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"# round {round + 1} {Name(type)} {Name(mode)} {workload}: {sample.Value:0.0} (rule packets {sample.RulePackets}, ForwDatagrams +{sample.Forwarded}, client sent {sample.Sent})"));
                    }
                }
            }

            Apply(session, nft, topology, TrafficType.PodToPod, Mode.Default, threshold);
        }

        Check(report, samples, threshold);
        string markdown = Markdown(samples, rounds, seconds, threshold);
        Console.WriteLine(markdown);
        foreach (string line in MachineLines(samples))
        {
            Console.WriteLine(line);
        }

        if (results is not null)
        {
            File.WriteAllText(Path.Combine(results, "dataplane.md"), markdown);
            File.WriteAllLines(Path.Combine(results, "dataplane.tsv"), samples.Select(s => string.Create(CultureInfo.InvariantCulture,
                $"{s.Round}\t{Name(s.Type)}\t{Name(s.Mode)}\t{s.Workload}\t{s.Value:0.00}\t{s.RulePackets}\t{s.Forwarded}\t{s.Sent}")));
            File.WriteAllLines(Path.Combine(results, "dataplane-gains.dat"), ChartData(samples));
        }
    }

    private static (TrafficType, Mode[])[] Plan() =>
    [
        (TrafficType.PodToPod, [Mode.Default, Mode.TrafficControl, Mode.Flowtable, Mode.FlowtableThreshold, Mode.NftByHand]),
        (TrafficType.PodToService, [Mode.Default, Mode.TrafficControl, Mode.Flowtable, Mode.FlowtableThreshold]),
        (TrafficType.ExternalToNodePort, [Mode.Default, Mode.Flowtable, Mode.FlowtableThreshold]),
        (TrafficType.NodePortFullPath, [Mode.Default, Mode.Flowtable, Mode.FlowtableThreshold]),
        (TrafficType.ExternalToPod, [Mode.Default, Mode.Flowtable, Mode.FlowtableThreshold]),
        (TrafficType.LoadBalancer, [Mode.Default, Mode.Flowtable, Mode.FlowtableThreshold]),
    ];

    // ---- modes ----

    private static void Apply(AccelSession session, NftConnection nft, DataplaneTopology t, TrafficType type, Mode mode, int threshold)
    {
        // Whatever the previous mode left: HostAccel's table (through its engine), the control's table, the clsact qdiscs.
        Synchronizer.Sync(session, Configuration(type, 0, none: true), new SyncOptions(), CancellationToken.None);
        if (nft.ListTables().Any(table => table.Name == "byhand"))
        {
            Sh.In(t.Node, "nft", "delete", "table", "ip", "byhand");
        }

        using (TcConnection tc = TcConnection.Open(t.Node))
        {
            var deletes = new List<TcChange>();
            foreach (string device in new[] { "antrea-gw0", "eth0" })
            {
                int index = tc.GetLink(device)!.Index;
                if (tc.GetClsact(index) is not null)
                {
                    deletes.Add(TcChange.DeleteQdisc(TcQdisc.Clsact(index)));
                }
            }

            if (deletes.Count > 0)
            {
                tc.Apply(deletes);
            }
        }

        Sh.Execute("ip", "netns", "exec", t.Node, "conntrack", "-F");
        switch (mode)
        {
            case Mode.Flowtable:
            case Mode.FlowtableThreshold:
                AccelSyncResult result = Synchronizer.Sync(session, Configuration(type, mode == Mode.FlowtableThreshold ? threshold : 0), new SyncOptions(), CancellationToken.None);
                _ = result;
                break;
            case Mode.TrafficControl:
                TrafficControl(t);
                break;
            case Mode.NftByHand:
                DataplaneTopology.NftLoad(t.Node, $$"""
                    table ip byhand {
                        flowtable fastpath { hook ingress priority filter; devices = { antrea-gw0, eth0 }; }
                        chain forward {
                            type filter hook forward priority filter; policy accept;
                            iif "antrea-gw0" ip saddr {{DataplaneTopology.LocalCidr}} oif "eth0" ip daddr {{DataplaneTopology.PeerCidr}} flow add @fastpath counter
                            iif "eth0" ip saddr {{DataplaneTopology.PeerCidr}} oif "antrea-gw0" ip daddr {{DataplaneTopology.LocalCidr}} flow add @fastpath counter
                        }
                    }
                    """);
                break;
        }
    }

    /// <summary>HostAccel's configuration for the traffic type: the rule of that type only, as a Node would enable it.</summary>
    internal static AccelConfiguration Configuration(TrafficType type, int threshold, bool none = false)
    {
        var settings = new Hashtable
        {
            ["TransportInterface"] = "eth0",
            ["LocalPodCidr"] = new[] { DataplaneTopology.LocalCidr },
            ["PeerPodCidr"] = new[] { DataplaneTopology.PeerCidr },
            ["Traffic"] = type switch
            {
                TrafficType.PodToPod or TrafficType.PodToService => "PodToPod",
                TrafficType.ExternalToPod => "ExternalToPod",
                TrafficType.ExternalToNodePort => "ExternalToNodePort",
                TrafficType.NodePortFullPath => "FullPath",
                _ => "ExternalIP",
            },
            ["OffloadThreshold"] = threshold,
        };
        if (type == TrafficType.LoadBalancer)
        {
            settings["ExternalIP"] = new[] { DataplaneTopology.LoadBalancerIP };
        }

        if (type == TrafficType.NodePortFullPath)
        {
            settings["PeerNodeIP"] = new[] { DataplaneTopology.PeerNode };
        }

        if (type is TrafficType.ExternalToNodePort or TrafficType.NodePortFullPath or TrafficType.LoadBalancer)
        {
            // The rule names only the gateway; the flowtable must also hold the device the traffic arrives on.
            settings["Devices"] = new[] { "eth0" };
        }

        return ConfigurationReader.Read(none ? new Hashtable() : settings, "dataplane");
    }

    /// <summary>
    /// The slides' Traffic Control solution through HostAccel's native layer: clsact on both devices, TTL guards, and
    /// flower redirects with the MAC rewrite planned from the Node's routes and neighbours, local Pod CIDR ⇄ peer CIDR.
    /// </summary>
    private static void TrafficControl(DataplaneTopology t)
    {
        using TcConnection tc = TcConnection.Open(t.Node);
        Link gw = tc.GetLink("antrea-gw0")!, eth0 = tc.GetLink("eth0")!;
        NextHopPlan toPeer = NextHopResolver.Resolve(tc, IpPrefix.Parse(DataplaneTopology.PeerCidr), "eth0", "antrea-gw0", IPAddress.Parse(DataplaneTopology.PodAddress));
        NextHopPlan toPods = NextHopResolver.Resolve(tc, IpPrefix.Parse(DataplaneTopology.LocalCidr), "antrea-gw0", "eth0", IPAddress.Parse(DataplaneTopology.RemotePod));
        var changes = new List<TcChange> { TcChange.AddQdisc(TcQdisc.Clsact(gw.Index)), TcChange.AddQdisc(TcQdisc.Clsact(eth0.Index)) };
        foreach (Link device in new[] { gw, eth0 })
        {
            changes.Add(TcChange.AddFilter(FlowerFilter.TtlGuard(device.Index, 40008, 1, ipv6: false)));
        }

        foreach ((Link ingress, NextHopPlan hop, string source) in new[] { (gw, toPeer, DataplaneTopology.LocalCidr), (eth0, toPods, DataplaneTopology.PeerCidr) })
        {
            uint handle = 1;
            foreach (RewriteTarget target in hop.Targets)
            {
                changes.Add(TcChange.AddFilter(FlowerFilter.Redirect(ingress.Index, 40010, handle++, IpPrefix.Parse(source), target.Match, hop.SourceMac, target.DestinationMac, hop.Egress.Index)));
            }
        }

        tc.Apply(changes);
    }

    // ---- workloads ----

    private static Sample Measure(DataplaneTopology t, NftConnection nft, int round, TrafficType type, Mode mode, Workload workload, int seconds)
    {
        (string client, string clientDevice, string server, string? source) = type switch
        {
            TrafficType.PodToPod => (t.Pod, "c0", DataplaneTopology.RemotePod, (string?)null),
            TrafficType.PodToService => (t.Pod, "c0", DataplaneTopology.ClusterIP, null),
            TrafficType.ExternalToPod => (t.Pod, "c0", DataplaneTopology.RemotePod, DataplaneTopology.SnatAddress),
            TrafficType.ExternalToNodePort => (t.Remote, "s0", DataplaneTopology.NodeAddress, null),
            TrafficType.NodePortFullPath => (t.Remote, "s0", DataplaneTopology.PodAddress, DataplaneTopology.PeerNode),
            _ => (t.Remote, "s0", DataplaneTopology.LoadBalancerIP, null),
        };

        // The driver shares the guest's one vCPU: whatever it left to do after the mode switch (a collection) must not
        // run during the measure.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        ulong rulesBefore = RulePackets(nft), forwardedBefore = t.Forwarded(), sentBefore = DataplaneTopology.TxPackets(client, clientDevice);
        double value = workload == Workload.Stream ? Stream(client, server, source, seconds) : Transactions(client, server, source, seconds, workload);
        return new Sample(round, type, mode, workload, value, RulePackets(nft) - rulesBefore, t.Forwarded() - forwardedBefore,
            DataplaneTopology.TxPackets(client, clientDevice) - sentBefore);
    }

    /// <summary>Packets the acceleration rules counted (HostAccel's chain, or the control's): those that took the slow path to them.</summary>
    private static ulong RulePackets(NftConnection nft)
    {
        ulong sum = 0;
        foreach ((string table, string chain) in new[] { ("antrea", "forward"), ("byhand", "forward") })
        {
            if (nft.ListTables().Any(t => t.Family == NftFamily.Ip && t.Name == table))
            {
                sum += nft.ListRules(NftFamily.Ip, table, chain).Aggregate(0UL, (s, r) => s + (r.Counter?.Packets ?? 0));
            }
        }

        return sum;
    }

    /// <summary>iperf3, MTU-sized writes without Nagle (the per-packet cost is what acceleration removes): Mbit/s received.</summary>
    private static double Stream(string client, string server, string? source, int seconds)
    {
        for (int attempt = 1; ; attempt++)
        {
            var arguments = new List<string> { "netns", "exec", client, "iperf3", "-c", server, "-t", seconds.ToString(CultureInfo.InvariantCulture), "-l", "1400", "-N", "-J" };
            if (source is not null)
            {
                arguments.AddRange(["-B", source]);
            }

            (int _, string json, string _) = Sh.Execute("ip", [.. arguments]);
            try
            {
                using var document = JsonDocument.Parse(json);
                if (document.RootElement.TryGetProperty("end", out JsonElement end) && end.TryGetProperty("sum_received", out JsonElement received))
                {
                    return received.GetProperty("bits_per_second").GetDouble() / 1e6;
                }
            }
            catch (JsonException)
            {
                // Reported below.
            }

            if (attempt == 3)
            {
                throw new InvalidOperationException($"iperf3 to {server} gave no result: {json}");
            }

            Thread.Sleep(1000);
        }
    }

    private static double Transactions(string client, string server, string? source, int seconds, Workload workload)
    {
        string tcprr = Environment.GetEnvironmentVariable("HOSTACCEL_TCPRR")!;
        var command = new List<string> { "netns", "exec", client, tcprr, workload == Workload.Rr ? "rr" : "crr", server,
            DataplaneTopology.RrPort.ToString(CultureInfo.InvariantCulture), seconds.ToString(CultureInfo.InvariantCulture) };
        if (source is not null)
        {
            command.Add(source);
        }

        (int code, string output, string error) = Sh.Execute("ip", [.. command]);
        Match rate = Regex.Match(output, @"rate=([0-9.]+)");
        return code == 0 && rate.Success
            ? double.Parse(rate.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"tcprr {workload} to {server} failed ({code}): {error}{output}");
    }

    // ---- checks and results ----

    private static void Check(Report report, List<Sample> samples, int threshold)
    {
        foreach (IGrouping<(TrafficType, Mode, Workload), Sample> cell in samples.GroupBy(s => (s.Type, s.Mode, s.Workload)))
        {
            (TrafficType type, Mode mode, Workload workload) = cell.Key;
            report.Check(cell.All(s => s.Value > 0), $"{Name(type)} {Name(mode)} {workload}: every round produced a number",
                string.Join(", ", cell.Select(s => s.Value)));
        }

        foreach (IGrouping<(TrafficType, Mode), Sample> config in samples.Where(s => s.Workload == Workload.Stream).GroupBy(s => (s.Type, s.Mode)))
        {
            (TrafficType type, Mode mode) = config.Key;
            string name = $"{Name(type)} {Name(mode)} stream";
            string detail = string.Join("; ", config.Select(s => $"rule packets {s.RulePackets}, ForwDatagrams +{s.Forwarded}, client sent {s.Sent}"));
            switch (mode)
            {
                case Mode.Default:
                    report.Check(config.All(s => s.Forwarded * 2 > s.Sent), $"{name}: the Node's stack forwarded the transfer", detail);
                    break;
                case Mode.TrafficControl:
                    report.Check(config.All(s => s.Forwarded * 100 < s.Sent && s.RulePackets == 0), $"{name}: the Node's stack forwarded (almost) none of it", detail);
                    break;
                default:
                    // Offloaded: the rule saw the handshake (plus the threshold's packets), the stack hardly anything.
                    ulong allowed = 50 + (mode == Mode.FlowtableThreshold ? (ulong)threshold * 2 : 0);
                    // The stack forwards what the rules see (both ways: the threshold's packets count the two
                    // directions together) and the teardown; a short transfer under load sends few thousand packets.
                    report.Check(config.All(s => s.RulePackets is > 0 && s.RulePackets < allowed && s.Forwarded < allowed + s.Sent / 100),
                        $"{name}: offloaded (the rules counted a handful of packets, the stack forwarded about as many)", detail);
                    break;
            }
        }

        foreach (IGrouping<TrafficType, Sample> crr in samples.Where(s => s.Workload == Workload.Crr && s.Mode == Mode.FlowtableThreshold).GroupBy(s => s.Type))
        {
            // A connect/request/close connection has about 8 packets both ways: none reaches `ct packets > 20`.
            report.Check(crr.All(s => s.RulePackets == 0), $"{Name(crr.Key)} threshold CRR: no short connection reached flow add",
                string.Join(", ", crr.Select(s => s.RulePackets)));
        }

        foreach (IGrouping<TrafficType, Sample> crr in samples.Where(s => s.Workload == Workload.Crr && s.Mode == Mode.Flowtable).GroupBy(s => s.Type))
        {
            report.Check(crr.All(s => s.RulePackets > 0), $"{Name(crr.Key)} flowtable CRR: without a threshold every connection reached flow add",
                string.Join(", ", crr.Select(s => s.RulePackets)));
        }
    }

    /// <summary>Ratio of medians, and the range of the per-round ratios (each round's mode against the same round's Default).</summary>
    internal static (double Gain, double Low, double High) Gain(List<Sample> samples, TrafficType type, Mode mode, Workload workload)
    {
        List<Sample> on = samples.Where(s => s.Type == type && s.Mode == mode && s.Workload == workload).ToList();
        List<Sample> off = samples.Where(s => s.Type == type && s.Mode == Mode.Default && s.Workload == workload).ToList();
        if (on.Count == 0 || off.Count == 0)
        {
            return (double.NaN, double.NaN, double.NaN);
        }

        double[] perRound = on.Join(off, s => s.Round, s => s.Round, (a, b) => a.Value / b.Value).ToArray();
        return (Median(on.Select(s => s.Value)) / Median(off.Select(s => s.Value)), perRound.Min(), perRound.Max());
    }

    private static string Markdown(List<Sample> samples, int rounds, int seconds, int threshold)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"Gain over Default (ratio of medians of {rounds} alternating rounds, {seconds} s per measure; in brackets the lowest and highest per-round ratio) · Antrea's slides beside it.");
        md.AppendLine();
        md.AppendLine("| Traffic type | Mode | TCP_STREAM | TCP_RR | TCP_CRR |");
        md.AppendLine("|---|---|---|---|---|");
        foreach ((TrafficType type, Mode[] modes) in Plan())
        {
            foreach (Mode mode in modes)
            {
                var cells = new List<string>();
                foreach (Workload workload in Enum.GetValues<Workload>())
                {
                    int? slide = Slides.TryGetValue((type, mode), out int[]? s) ? s[(int)workload] : null;
                    string slideText = slide is int p ? $" · slides {p:+0;-0}%" : "";
                    if (mode == Mode.Default)
                    {
                        double median = Median(samples.Where(x => x.Type == type && x.Mode == mode && x.Workload == workload).Select(x => x.Value));
                        string unit = workload == Workload.Stream ? "Mbit/s" : "trans/s";
                        string slideDefault = SlideDefaults.TryGetValue((type, workload), out double d) ? string.Create(CultureInfo.InvariantCulture, $" · slides {d:0}") : "";
                        cells.Add(string.Create(CultureInfo.InvariantCulture, $"{median:0} {unit}{slideDefault}"));
                    }
                    else
                    {
                        (double gain, double low, double high) = Gain(samples, type, mode, workload);
                        cells.Add(string.Create(CultureInfo.InvariantCulture, $"**{gain:0.00}×** ({low:0.00}–{high:0.00}){slideText}"));
                    }
                }

                md.AppendLine(CultureInfo.InvariantCulture, $"| {Title(type)} | {Title(mode, threshold)} | {string.Join(" | ", cells)} |");
            }
        }

        md.AppendLine();
        // Under qemu's instruction counting the guest's clock skips idle time (the host's file I/O included): the
        // run's length in guest time means nothing, so only the kernel is named.
        md.AppendLine(CultureInfo.InvariantCulture, $"Kernel {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}, one vCPU counting instructions (qemu -icount).");
        return md.ToString();
    }

    private static IEnumerable<string> MachineLines(List<Sample> samples)
    {
        foreach ((TrafficType type, Mode[] modes) in Plan())
        {
            foreach (Mode mode in modes.Where(m => m != Mode.Default))
            {
                foreach (Workload workload in Enum.GetValues<Workload>())
                {
                    (double gain, double low, double high) = Gain(samples, type, mode, workload);
                    yield return string.Create(CultureInfo.InvariantCulture, $"dataplane {Name(type)} {Name(mode)} {workload.ToString().ToLowerInvariant()} gain={gain:0.000} low={low:0.000} high={high:0.000}");
                }
            }
        }
    }

    /// <summary>For gnuplot: one line per cell, "label workload gain low high slides" (slides as a ratio, NaN when not measured there).</summary>
    private static IEnumerable<string> ChartData(List<Sample> samples)
    {
        yield return "# label\tworkload\tgain\tlow\thigh\tslides";
        foreach ((TrafficType type, Mode[] modes) in Plan())
        {
            foreach (Mode mode in modes.Where(m => m != Mode.Default))
            {
                foreach (Workload workload in Enum.GetValues<Workload>())
                {
                    (double gain, double low, double high) = Gain(samples, type, mode, workload);
                    double slide = Slides.TryGetValue((type, mode), out int[]? s) ? 1 + s[(int)workload] / 100.0 : double.NaN;
                    yield return string.Create(CultureInfo.InvariantCulture, $"\"{Short(type)} {Short(mode)}\"\t{workload}\t{gain:0.000}\t{low:0.000}\t{high:0.000}\t{slide:0.00}");
                }
            }
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    internal static string Name(TrafficType type) => type switch
    {
        TrafficType.PodToPod => "pod-to-pod",
        TrafficType.PodToService => "pod-to-service",
        TrafficType.ExternalToPod => "external-to-pod",
        TrafficType.ExternalToNodePort => "external-to-nodeport",
        TrafficType.NodePortFullPath => "external-to-nodeport-full-path",
        _ => "external-to-loadbalancer-ip",
    };

    internal static string Name(Mode mode) => mode switch
    {
        Mode.Default => "default",
        Mode.Flowtable => "flowtable",
        Mode.FlowtableThreshold => "flowtable-threshold",
        Mode.TrafficControl => "tc",
        _ => "nft-by-hand",
    };

    private static string Title(TrafficType type) => type switch
    {
        TrafficType.PodToPod => "Pod-to-Pod",
        TrafficType.PodToService => "Pod-to-Service",
        TrafficType.ExternalToPod => "External-to-Pod (SNAT)",
        TrafficType.ExternalToNodePort => "External-to-NodePort",
        TrafficType.NodePortFullPath => "External-to-NodePort, full path",
        _ => "External-to-LoadBalancer IP",
    };

    private static string Title(Mode mode, int threshold) => mode switch
    {
        Mode.Default => "Default",
        Mode.Flowtable => "Flowtable",
        Mode.FlowtableThreshold => $"Flowtable, threshold {threshold}",
        Mode.TrafficControl => "Traffic Control",
        _ => "control: nft by hand",
    };

    private static string Short(TrafficType type) => type switch
    {
        TrafficType.PodToPod => "P2P",
        TrafficType.PodToService => "P2S",
        TrafficType.ExternalToPod => "Ext2Pod",
        TrafficType.ExternalToNodePort => "NodePort",
        TrafficType.NodePortFullPath => "NP-full",
        _ => "LB",
    };

    private static string Short(Mode mode) => mode switch
    {
        Mode.Flowtable => "FT",
        Mode.FlowtableThreshold => "FT-thr",
        Mode.TrafficControl => "TC",
        _ => "nft",
    };
}
