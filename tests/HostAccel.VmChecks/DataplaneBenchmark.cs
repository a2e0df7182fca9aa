using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using HostAccel.Native.Interop;
using HostAccel.Native.Nftables;

namespace HostAccel.VmChecks;

/// <summary>
/// Acceleration off and on, alternating, on the same topology: stream throughput (iperf3, MTU-sized writes, no
/// Nagle, segmentation offloads off) and a one-byte request/response rate over one connection. Medians.
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

    /// <summary>Sockets opened inside a namespace stay there; the loops run here.</summary>
    private static double RequestResponseRate(Topology topology, int seconds)
    {
        using Socket listener = NetworkNamespace.Run(topology.Server, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        listener.Bind(new IPEndPoint(IPAddress.Parse(Topology.ServerAddress), 0));
        listener.Listen(1);
        var echo = new Thread(() =>
        {
            using Socket peer = listener.Accept();
            peer.NoDelay = true;
            byte[] one = new byte[1];
            while (peer.Receive(one) == 1)
            {
                peer.Send(one);
            }
        }) { IsBackground = true };
        echo.Start();

        using Socket client = NetworkNamespace.Run(topology.Client, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        client.NoDelay = true;
        client.Connect(listener.LocalEndPoint!);
        byte[] buffer = new byte[1];
        long transactions = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            client.Send(buffer);
            if (client.Receive(buffer) != 1)
            {
                break;
            }

            transactions++;
        }

        double rate = transactions / clock.Elapsed.TotalSeconds;
        client.Shutdown(SocketShutdown.Both);
        echo.Join(2000);
        return rate;
    }

    private static double Median(List<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
