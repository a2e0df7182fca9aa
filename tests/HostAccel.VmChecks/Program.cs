using System.Globalization;
using System.Runtime.Versioning;
using HostAccel.VmChecks;

[assembly: SupportedOSPlatform("linux")]

// Usage: HostAccel.VmChecks [--rounds N] [--seconds S] [--no-bench] [--only sync|tc|dataplane] [--threshold N]
// Runs inside a flowtable-capable kernel (tests/vm/run.sh). Prints TAP-like lines, the closing count, and the
// line CI reads; exits non-zero when a check failed or offload was not verified.
int rounds = 3, seconds = 3, threshold = HostAccel.VmChecks.Dataplane.DataplaneBench.DefaultThreshold;
bool bench = true;
string? only = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--rounds":
            rounds = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--seconds":
            seconds = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--threshold":
            threshold = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--no-bench":
            bench = false;
            break;
        case "--only":
            only = args[++i];
            break;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}");
            return 2;
    }
}

var report = new Report();
Console.WriteLine($"kernel {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}");
if (only is not null)
{
    if (only == "tc")
    {
        RunTrafficControl(report);
    }
    else if (only == "dataplane")
    {
        try
        {
            HostAccel.VmChecks.Dataplane.DataplaneBench.Run(report, rounds, seconds, threshold,
                Environment.GetEnvironmentVariable("HOSTACCEL_TCPRR") ?? throw new InvalidOperationException("HOSTACCEL_TCPRR names the tcprr binary"),
                Environment.GetEnvironmentVariable("VM_RESULTS"));
        }
        catch (Exception ex)
        {
            report.Check(false, "the data-plane benchmark ran to the end", ex.ToString());
        }
    }
    else
    {
        RunSync(report, only);
    }

    Console.WriteLine($"{report.Passed} passed, {report.Failed} failed");
    return report.Failed == 0 ? 0 : 1;
}

try
{
    FlowtableChecks.Run(report);
}
catch (Exception ex)
{
    report.Check(false, "flowtable checks ran to the end", ex.ToString());
}

try
{
    EngineChecks.Run(report);
}
catch (Exception ex)
{
    report.Check(false, "engine checks ran to the end", ex.ToString());
}

RunSync(report);
RunTrafficControl(report);

OffloadResult? offload = null;
try
{
    offload = OffloadScenario.Run(report);
}
catch (Exception ex)
{
    report.Check(false, "offload scenario ran to the end", ex.ToString());
}

(double stream, double rr) gains = (double.NaN, double.NaN);
if (bench)
{
    try
    {
        gains = DataplaneBenchmark.Run(rounds, seconds);
    }
    catch (Exception ex)
    {
        report.Check(false, "benchmark ran to the end", ex.ToString());
    }
}

Console.WriteLine($"{report.Passed} passed, {report.Failed} failed");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"vm-flowtable: offloaded={offload?.OffloadedFlows ?? 0} forward_packets={offload?.ForwardPackets ?? 0} sent_packets={offload?.SentPackets ?? 0} stream_gain={gains.stream:+0.0;-0.0}% rr_gain={gains.rr:+0.0;-0.0}%"));
return report.Failed == 0 && offload is { Verified: true } ? 0 : 1;

static void RunTrafficControl(Report report)
{
    try
    {
        HostAccel.VmChecks.TrafficControl.TcChecks.Run(report);
    }
    catch (Exception ex)
    {
        report.Check(false, "traffic control checks ran to the end", ex.ToString());
    }
}

static void RunSync(Report report, string only = "sync")
{
    foreach ((string name, Action<Report> checks) in new (string, Action<Report>)[]
    {
        ("sync checks", HostAccel.VmChecks.Sync.SyncChecks.Run),
        ("sync property", HostAccel.VmChecks.Sync.SyncProperty.Run),
        ("sync race", HostAccel.VmChecks.Sync.SyncRace.Run),
        ("sync scale", HostAccel.VmChecks.Sync.SyncScale.Run),
    })
    {
        if (only != "sync" && !name.Contains(only, StringComparison.Ordinal))
        {
            continue;
        }

        try
        {
            checks(report);
        }
        catch (Exception ex)
        {
            report.Check(false, $"{name} ran to the end", ex.ToString());
        }
    }
}
