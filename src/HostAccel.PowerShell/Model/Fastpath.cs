using System.Globalization;

namespace HostAccel.PowerShell.Model;

/// <summary>
/// Flowtable acceleration in one table: the flowtable, its devices, and the forward chain's rules that add
/// connections to it.
/// </summary>
public sealed class Fastpath
{
    /// <summary>Flowtable (the table's flowtable and rules) or TrafficControl (HostAccel's clsact filters, in <see cref="Filters"/>).</summary>
    public AccelMode Mode { get; internal init; }

    public AccelFamily Family { get; internal init; }

    public string TableName { get; internal init; } = "";

    /// <summary>The flowtable's name (it may be absent: see <see cref="FlowtablePresent"/>).</summary>
    public string FlowtableName { get; internal init; } = "";

    public string ChainName { get; internal init; } = "";

    public bool FlowtablePresent { get; internal init; }

    public IReadOnlyList<string> Devices { get; internal init; } = [];

    public int Priority { get; internal init; }

    public bool HardwareOffload { get; internal init; }

    public bool Counter { get; internal init; }

    /// <summary>The rules offload a connection once it has seen more than this many packets (<c>ct packets &gt; N</c>); 0: at once.</summary>
    public int OffloadThreshold { get; internal init; }

    /// <summary>The flowtable exists and at least one rule of the chain adds connections to it.</summary>
    public bool Enabled { get; internal init; }

    /// <summary>The rules of the chain in nft syntax, devices by name.</summary>
    public IReadOnlyList<string> Rules { get; internal init; } = [];

    /// <summary>The Traffic Control mode's filters of the family in tc syntax, devices by name (empty for a flowtable).</summary>
    public IReadOnlyList<string> Filters { get; internal init; } = [];

    public string? NetworkNamespace { get; internal init; }

    public override string ToString()
    {
        if (Mode == AccelMode.TrafficControl)
        {
            return $"tc {Family.ToString().ToLowerInvariant()}: clsact on {{ {string.Join(", ", Devices)} }}, {Filters.Count} filters{(Enabled ? "" : " (no redirect)")}";
        }

        string family = Family.ToString().ToLowerInvariant();
        if (!FlowtablePresent)
        {
            return $"chain {family} {TableName} {ChainName} ({Rules.Count} rules, no flowtable {FlowtableName})";
        }

        var flags = new List<string>();
        if (HardwareOffload)
        {
            flags.Add("offload");
        }

        if (Counter)
        {
            flags.Add("counter");
        }

        string priority = Priority == 0 ? "filter" : Priority.ToString(CultureInfo.InvariantCulture);
        string flagText = flags.Count == 0 ? "" : $" flags {string.Join(", ", flags)};";
        return $"flowtable {family} {TableName} {FlowtableName} {{ hook ingress priority {priority}; devices = {{ {string.Join(", ", Devices)} }};{flagText} }}";
    }
}
