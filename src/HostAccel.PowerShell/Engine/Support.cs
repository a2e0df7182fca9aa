using HostAccel.Native;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine;

/// <summary>Test-HostAccelSupport: the native probe, which commits nothing, as one object with a verdict.</summary>
internal static class Support
{
    public static HostAccelSupport Test(string? networkNamespace)
    {
        string? ns = string.IsNullOrEmpty(networkNamespace) ? null : networkNamespace;
        KernelSupportReport report;
        try
        {
            report = KernelSupport.Probe(ns);
        }
        catch (Exception ex)
        {
            throw Failures.From(ex, ns);
        }

        // Without privileges the probe's first reason is NetlinkException.PrivilegeHint: "HostAccel requires root or CAP_NET_ADMIN …".
        IReadOnlyList<string> reasons = report.Reasons;
        return new HostAccelSupport
        {
            KernelRelease = report.KernelRelease,
            Supported = report.Supported,
            Verdict = report.Supported ? "Supported" : $"Not supported: {(reasons.Count > 0 ? reasons[0] : "unknown reason")}",
            Privileged = report.Privileged,
            NfTables = report.NfTables,
            Flowtable = report.Flowtable,
            FlowtableCounter = report.FlowtableCounter,
            Modules = report.Modules.Select(m => $"{m.Name}: {m.State}").ToList(),
            Reasons = reasons,
            NetworkNamespace = ns,
        };
    }
}
