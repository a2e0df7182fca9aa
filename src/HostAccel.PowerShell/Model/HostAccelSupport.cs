namespace HostAccel.PowerShell.Model;

/// <summary>What the kernel of one network namespace can do for HostAccel, and why not when it cannot.</summary>
public sealed class HostAccelSupport
{
    public string KernelRelease { get; internal init; } = "";

    /// <summary>Privileged, nf_tables present and flowtables supported: Enable-Fastpath can work.</summary>
    public bool Supported { get; internal init; }

    /// <summary>"Supported" or "Not supported: " and the first reason.</summary>
    public string Verdict { get; internal init; } = "";

    public bool Privileged { get; internal init; }

    public bool NfTables { get; internal init; }

    public bool Flowtable { get; internal init; }

    /// <summary>The flowtable counter flag (offloaded traffic accounted in conntrack; Linux 5.7).</summary>
    public bool FlowtableCounter { get; internal init; }

    /// <summary>
    /// net.netfilter.nf_conntrack_acct: conntrack entries count packets and bytes, which the flowtable counter flag
    /// needs to count offloaded traffic (null: conntrack not loaded in the namespace yet).
    /// </summary>
    public bool? ConntrackAccounting { get; internal init; }

    /// <summary>The modules of the design document's prerequisites, "name: BuiltIn|Loaded|Loadable|Missing|Unknown".</summary>
    public IReadOnlyList<string> Modules { get; internal init; } = [];

    public IReadOnlyList<string> Reasons { get; internal init; } = [];

    /// <summary>clsact, flower, mirred, pedit, csum and gact are all there: Enable-Fastpath -Mode TrafficControl can work.</summary>
    public bool TrafficControl { get; internal init; }

    /// <summary>The Traffic Control mode's modules (sch_ingress, cls_flower, act_mirred, act_pedit, act_csum, act_gact), "name: state"; Missing when the kernel refused its kind.</summary>
    public IReadOnlyList<string> TrafficControlModules { get; internal init; } = [];

    /// <summary>Why the Traffic Control mode cannot work here (empty when it can).</summary>
    public IReadOnlyList<string> TrafficControlReasons { get; internal init; } = [];

    public string? NetworkNamespace { get; internal init; }

    public override string ToString() => $"{KernelRelease}: {Verdict}";
}
