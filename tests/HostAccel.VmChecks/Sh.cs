using System.Diagnostics;

namespace HostAccel.VmChecks;

/// <summary>Runs the few external commands the checks need (ip, conntrack, iperf3, ethtool).</summary>
internal static class Sh
{
    public static string Run(string file, params string[] arguments)
    {
        (int code, string output, string error) = Execute(file, arguments);
        return code == 0 ? output : throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {code}: {error}{output}");
    }

    public static (int Code, string Output, string Error) Execute(string file, params string[] arguments)
    {
        using Process process = Start(file, arguments);
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error.Result);
    }

    public static Process Start(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info)!;
    }

    public static string In(string ns, params string[] command) => Run("ip", ["netns", "exec", ns, .. command]);
}
