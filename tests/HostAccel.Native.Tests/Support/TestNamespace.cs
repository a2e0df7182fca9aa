using System.Diagnostics;
using System.Text.Json;

namespace HostAccel.Native.Tests.Support;

/// <summary>
/// A throwaway network namespace for one test: created with `ip netns add`, deleted on dispose, so nothing of the
/// host's own ruleset is ever touched. `nft` runs inside it as the independent oracle.
/// </summary>
public sealed class TestNamespace : IDisposable
{
    public TestNamespace()
    {
        RequireRoot();
        Name = $"ha-test-{Guid.NewGuid():N}"[..20];
        Shell.Run("ip", "netns", "add", Name);
        Exec("ip", "link", "set", "lo", "up");
    }

    public string Name { get; }

    /// <summary>Runs a command inside the namespace; throws with its stderr when it fails.</summary>
    public string Exec(params string[] command) => Shell.Run("ip", ["netns", "exec", Name, .. command]);

    public string Nft(params string[] arguments) => Exec(["nft", .. arguments]);

    /// <summary>Loads a ruleset with `nft -f`.</summary>
    public void NftLoad(string ruleset)
    {
        string file = Path.Combine(Path.GetTempPath(), $"{Name}.nft");
        File.WriteAllText(file, ruleset);
        try
        {
            Nft("-f", file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    public JsonElement NftJson(params string[] arguments) =>
        JsonDocument.Parse(Nft(["-j", .. arguments])).RootElement.GetProperty("nftables").Clone();

    /// <summary>A veth pair with both ends in this namespace, up: a named device without a `dummy` driver.</summary>
    public void AddDevice(string name, string peer)
    {
        Exec("ip", "link", "add", name, "type", "veth", "peer", "name", peer);
        Exec("ip", "link", "set", name, "up");
        Exec("ip", "link", "set", peer, "up");
    }

    /// <summary>A device's index, read inside the namespace (`ip netns exec` mounts its own /sys).</summary>
    public uint IfIndex(string device) =>
        uint.Parse(Exec("cat", $"/sys/class/net/{device}/ifindex").Trim(), System.Globalization.CultureInfo.InvariantCulture);

    public void Dispose() => Shell.TryRun("ip", "netns", "del", Name);

    public static void RequireRoot()
    {
        if (Environment.UserName != "root" && !File.ReadAllText("/proc/self/status").Contains("CapEff:\t000001ffffffffff", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("The real-kernel tests create network namespaces: run them as root (or with CAP_SYS_ADMIN and CAP_NET_ADMIN).");
        }
    }
}

public static class Shell
{
    public static string Run(string file, params string[] arguments)
    {
        (int code, string output, string error) = Execute(file, arguments);
        if (code != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {code}: {error}{output}");
        }

        return output;
    }

    public static bool TryRun(string file, params string[] arguments) => Execute(file, arguments).Code == 0;

    public static (int Code, string Output, string Error) Execute(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(info)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error.Result);
    }
}
