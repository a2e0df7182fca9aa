using System.Diagnostics;
using System.Runtime.InteropServices;

namespace HostAccel.Bench;

/// <summary>The samples of one measure on one side: wall time and bytes allocated by this process.</summary>
internal sealed class Samples
{
    private readonly List<double> _milliseconds = [];
    private readonly List<long> _allocated = [];
    private readonly List<double> _kernelMs = [];
    private readonly List<double> _userMs = [];

    public int Count => _milliseconds.Count;

    public double MedianMs => Median(_milliseconds);

    /// <summary>System (kernel) time of the calling thread: what the kernel spent on HostAccel's requests.</summary>
    public double MedianKernelMs => Median(_kernelMs);

    /// <summary>User time of the calling thread: HostAccel's own encoding and decoding.</summary>
    public double MedianUserMs => Median(_userMs);

    public long MedianAllocated => (long)Median(_allocated.Select(a => (double)a).ToList());

    /// <summary>Times one run of <paramref name="action"/>; <paramref name="setup"/> runs first and is not timed.</summary>
    public void Measure(Action action, Action? setup = null)
    {
        setup?.Invoke();
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        (double user, double kernel) = Memory.ThreadTimesMs();
        long start = Stopwatch.GetTimestamp();
        action();
        double elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        (double userAfter, double kernelAfter) = Memory.ThreadTimesMs();
        _userMs.Add(userAfter - user);
        _kernelMs.Add(kernelAfter - kernel);
        _allocated.Add(GC.GetTotalAllocatedBytes(precise: true) - allocated);
        _milliseconds.Add(elapsed);
    }

    private static double Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        List<double> sorted = values.Order().ToList();
        int middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}

/// <summary>Resident memory of this process (VmRSS, VmHWM) and the CPU times of the calling thread.</summary>
internal static unsafe class Memory
{
    private const int RUSAGE_THREAD = 1;

    /// <summary>Resets VmHWM to the current RSS (writing 5 to clear_refs, Linux 4.0 and later).</summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static long PeakBytes() => StatusKilobytes("VmHWM:") * 1024;

    public static long ResidentBytes() => StatusKilobytes("VmRSS:") * 1024;

    /// <summary>ru_utime and ru_stime of the calling thread, in milliseconds.</summary>
    public static (double User, double System) ThreadTimesMs()
    {
        long* usage = stackalloc long[18];
        return getrusage(RUSAGE_THREAD, usage) == 0
            ? (usage[0] * 1000.0 + usage[1] / 1000.0, usage[2] * 1000.0 + usage[3] / 1000.0)
            : (double.NaN, double.NaN);
    }

    private static long StatusKilobytes(string field)
    {
        string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? -1 : long.Parse(line[field.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, long* usage);
}
