using System.Diagnostics;
using HostAccel.Native.Interop;

namespace HostAccel.Bench;

/// <summary>
/// A throwaway network namespace with the seed's two devices (a veth pair named antrea-gw0 and eth0), deleted on
/// dispose. <c>nft</c> is started from a thread that has joined the namespace, so its time is nft's own, without an
/// <c>ip netns exec</c> in front of it.
/// </summary>
internal sealed class BenchNamespace : IDisposable
{
    public BenchNamespace()
    {
        Name = $"ha-bench-{Guid.NewGuid():N}"[..20];
        Run("ip", "netns", "add", Name);
        Run("ip", "-n", Name, "link", "set", "lo", "up");
        Run("ip", "-n", Name, "link", "add", "antrea-gw0", "type", "veth", "peer", "name", "eth0");
        Run("ip", "-n", Name, "link", "set", "antrea-gw0", "up");
        Run("ip", "-n", Name, "link", "set", "eth0", "up");
    }

    public string Name { get; }

    /// <summary>Runs nft inside the namespace and returns its standard output; throws with its stderr on failure.</summary>
    public string Nft(params string[] arguments) =>
        NetworkNamespace.Run(Name, () => Run("nft", arguments));

    /// <summary>
    /// The peak RSS of one nft run, from GNU time (wait4's ru_maxrss of nft alone; this process's own children would
    /// report the benchmark's memory, which a forked child inherits until it execs), or -1 without /usr/bin/time.
    /// </summary>
    public long NftPeakBytes(params string[] arguments)
    {
        if (!File.Exists("/usr/bin/time"))
        {
            return -1;
        }

        (int code, _, string error) = NetworkNamespace.Run(Name, () => Execute("/usr/bin/time", ["-f", "maxrss=%M", "nft", .. arguments]));
        string? line = error.Split('\n').LastOrDefault(l => l.StartsWith("maxrss=", StringComparison.Ordinal));
        return code == 0 && line is not null ? long.Parse(line[7..], System.Globalization.CultureInfo.InvariantCulture) * 1024 : -1;
    }

    public void Dispose() => Execute("ip", "netns", "del", Name);

    public static string Run(string file, params string[] arguments)
    {
        (int code, string output, string error) = Execute(file, arguments);
        return code == 0 ? output : throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {code}: {error}");
    }

    private static (int Code, string Output, string Error) Execute(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(info)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }
}
