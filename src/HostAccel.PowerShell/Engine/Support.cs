using HostAccel.Native;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine;

/// <summary>Test-HostAccelSupport: the native probe, which commits nothing, as one object with a verdict.</summary>
internal static class Support
{
    /// <summary>What to say when offloaded traffic was asked to be counted and will not be.</summary>
    public static string? CounterWarning(AccelSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return KernelSupport.ConntrackAccounting(session.NetworkNamespace) == false
            ? $"conntrack accounting is off{(session.NetworkNamespace is null ? "" : $" in network namespace {session.NetworkNamespace}")} (net.netfilter.nf_conntrack_acct = 0): " +
              "the flowtable's counter flag adds offloaded traffic to conntrack's counts, so Get-OffloadedFlow and Get-FlowtableCounter will show none; " +
              "sysctl -w net.netfilter.nf_conntrack_acct=1 counts connections made from then on"
            : null;
    }

    public static HostAccelSupport Test(string? networkNamespace)
    {
        string? ns = string.IsNullOrEmpty(networkNamespace) ? null : networkNamespace;
        KernelSupportReport report;
        TrafficControlSupportReport tc;
        try
        {
            report = KernelSupport.Probe(ns);
            tc = KernelSupport.ProbeTrafficControl();
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
            ConntrackAccounting = report.ConntrackAccounting,
            Modules = report.Modules.Select(m => $"{m.Name}: {m.State}").ToList(),
            Reasons = reasons,
            TrafficControl = tc.Supported,
            TrafficControlModules = tc.Modules.Select(m => $"{m.Name}: {(tc.Missing.Contains(m.Name) ? "Missing" : m.State.ToString())}").ToList(),
            TrafficControlReasons = tc.Reasons,
            NetworkNamespace = ns,
        };
    }
}
