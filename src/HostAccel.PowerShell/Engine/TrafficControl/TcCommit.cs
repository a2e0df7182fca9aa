using HostAccel.Native;
using HostAccel.Native.TrafficControl;

namespace HostAccel.PowerShell.Engine.TrafficControl;

/// <summary>Sends a planned list of tc changes: refused before anything is sent on a kernel without the mode's modules.</summary>
internal static class TcCommit
{
    /// <summary>Opens rtnetlink in the namespace, failures as HostAccel's.</summary>
    public static TcConnection Open(string? networkNamespace)
    {
        try
        {
            return TcConnection.Open(string.IsNullOrEmpty(networkNamespace) ? null : networkNamespace);
        }
        catch (Exception ex) when (ex is not HostAccelException)
        {
            throw Failures.From(ex, networkNamespace);
        }
    }

    /// <summary>
    /// Asks the kernel (in a throwaway namespace: the modules are the machine's) whether it has every kind the mode
    /// writes, and refuses naming what is missing. A probe that cannot run (no CAP_SYS_ADMIN) decides nothing: the
    /// kernel's own refusal of the first filter is mapped to the same error.
    /// </summary>
    public static void RequireSupport(object? target)
    {
        TrafficControlSupportReport report = KernelSupport.ProbeTrafficControl();
        if (report.Probed && !report.Supported)
        {
            throw NotSupported(report.Missing, target, null);
        }
    }

    public static void Apply(TcConnection tc, IReadOnlyList<TcChange> changes, object? target)
    {
        ArgumentNullException.ThrowIfNull(tc);
        try
        {
            tc.Apply(changes);
        }
        catch (TcApplyException ex) when (ex.Reason == KernelReason.TrafficControlModuleMissing)
        {
            throw NotSupported(ex.KernelError.MissingModules, target, ex);
        }
        catch (TcApplyException ex)
        {
            throw Failures.From(ex, ex.Change.Origin ?? target);
        }
    }

    private static string KernelRelease()
    {
        try
        {
            return File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        }
        catch (IOException)
        {
            return Environment.OSVersion.Version.ToString();
        }
    }

    internal static HostAccelException NotSupported(IReadOnlyList<string> missing, object? target, Exception? inner)
    {
        string needed = string.Join(", ", KernelSupport.TrafficControlModules.Select(m => m.Name));
        string lacking = missing.Count == 0 ? "some of them" : string.Join(", ", missing);
        return new HostAccelException(ErrorIds.TrafficControlNotSupported, FailureKind.NotImplemented,
            $"this kernel ({KernelRelease()}) has no {lacking}: the Traffic Control mode needs {needed}. Nothing was changed",
            target, inner)
        {
            RecommendedAction = missing.Count == 0
                ? "Test-HostAccelSupport lists the modules the mode needs."
                : $"Load the modules (modprobe {string.Join(" ", missing)}) or use a kernel built with them; Test-HostAccelSupport lists them.",
        };
    }
}
