using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using HostAccel.Native.Nftables;

namespace HostAccel.VmChecks;

/// <summary>
/// Acceleration off and on, alternating, on the same topology: stream throughput (iperf3, MTU-sized writes, no
/// Nagle, segmentation offloads off) and a request/response rate over one connection (sockperf ping-pong). Medians.
/// </summary>
internal static class DataplaneBenchmark
{
    public static (double StreamGain, double RrGain) Run(int rounds, int seconds)
    {
        using var topology = new Topology();
        topology.DisableSegmentationOffloads();
        using NftConnection nft = NftConnection.Open(topology.Router);
        var stream = new Dictionary<bool, List<double>> { [false] = [], [true] = [] };
        var rr = new Dictionary<bool, List<double>> { [false] = [], [true] = [] };
        for (int round = 0; round < rounds; round++)
        {
            foreach (bool accelerate in new[] { false, true })
            {
                SeedObjects.Apply(nft, Topology.LocalCidr, Topology.PeerCidr, accelerate);
                stream[accelerate].Add(StreamMbps(topology, seconds));
                rr[accelerate].Add(RequestResponseRate(topology, seconds));
                SeedObjects.Remove(nft);
                Console.WriteLine($"bench round {round + 1} {(accelerate ? "on " : "off")}: stream {stream[accelerate][^1]:0} Mbit/s, rr {rr[accelerate][^1]:0} trans/s");
            }
        }

        double streamOff = Median(stream[false]), streamOn = Median(stream[true]), rrOff = Median(rr[false]), rrOn = Median(rr[true]);
        Console.WriteLine($"bench medians: stream off {streamOff:0} on {streamOn:0} Mbit/s; rr off {rrOff:0} on {rrOn:0} trans/s");
        return ((streamOn / streamOff - 1) * 100, (rrOn / rrOff - 1) * 100);
    }

    private static double StreamMbps(Topology topology, int seconds)
    {
        for (int attempt = 1; ; attempt++)
        {
            using Process server = Sh.Start("ip", "netns", "exec", topology.Server, "iperf3", "-s", "-1");
            Topology.WaitForListener(topology.Server, 5201);
            (int _, string json, string _) = Sh.Execute("ip", "netns", "exec", topology.Client, "iperf3", "-c", Topology.ServerAddress,
                "-t", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "-l", "1400", "-N", "-J");
            server.WaitForExit(5000);
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.TryGetProperty("end", out JsonElement end) && end.TryGetProperty("sum_received", out JsonElement received))
            {
                return received.GetProperty("bits_per_second").GetDouble() / 1e6;
            }

            string error = document.RootElement.TryGetProperty("error", out JsonElement e) ? e.GetString() ?? "" : json;
            if (attempt == 3)
            {
                throw new InvalidOperationException($"iperf3 gave no result: {error}");
            }

            Console.WriteLine($"iperf3 attempt {attempt} failed ({error}); again");
            Thread.Sleep(1000);
        }
    }

    /// <summary>
    /// One TCP connection, one small message at a time (sockperf ping-pong, a netperf TCP_RR stand-in): the
    /// transactions completed per second of the measured part of the run.
    /// </summary>
    private static double RequestResponseRate(Topology topology, int seconds)
    {
        using Process server = Sh.Start("ip", "netns", "exec", topology.Server, "sockperf", "server", "--tcp", "-i", Topology.ServerAddress, "-p", "11111");
        try
        {
            Topology.WaitForListener(topology.Server, 11111);
            string output = Sh.In(topology.Client, "sockperf", "ping-pong", "--tcp", "-i", Topology.ServerAddress, "-p", "11111",
                "-t", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "-m", "64");
            Match valid = Regex.Match(output, @"\[Valid Duration\] RunTime=([0-9.]+) sec; SentMessages=[0-9]+; ReceivedMessages=([0-9]+)");
            if (!valid.Success)
            {
                throw new InvalidOperationException($"sockperf gave no result: {output}");
            }

            return double.Parse(valid.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)
                / double.Parse(valid.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        }
        finally
        {
            server.Kill();
            server.WaitForExit(5000);
        }
    }

    private static double Median(List<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
