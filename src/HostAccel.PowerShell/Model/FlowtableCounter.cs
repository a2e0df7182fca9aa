namespace HostAccel.PowerShell.Model;

/// <summary>
/// The counter of one acceleration rule, and the connections of the flowtable that the rule's addresses match.
/// With <c>flow add</c> before <c>counter</c> (the design document's order) the rule counter counts the slow-path packets that
/// created or refreshed a flowtable entry, not every slow-path packet, and never the packets of the fast path.
/// </summary>
public sealed class FlowtableCounter
{
    public AccelFamily Family { get; internal init; }

    public string TableName { get; internal init; } = "";

    public string ChainName { get; internal init; } = "";

    public ulong Handle { get; internal init; }

    public string? Comment { get; internal init; }

    /// <summary>The flowtable the rule adds connections to; null for a rule without <c>flow add</c>.</summary>
    public string? FlowtableName { get; internal init; }

    public ulong Packets { get; internal init; }

    public ulong Bytes { get; internal init; }

    /// <summary>Offloaded conntrack entries whose original direction matches the rule's addresses; null when unknown.</summary>
    public int? OffloadedFlows { get; internal init; }

    /// <summary>Packets of those entries, both directions; null unless the kernel accounts every one of them.</summary>
    public ulong? OffloadedPackets { get; internal init; }

    public ulong? OffloadedBytes { get; internal init; }

    /// <summary>The rule in nft syntax.</summary>
    public string Rule { get; internal init; } = "";

    public string? NetworkNamespace { get; internal init; }

    public override string ToString() => $"{Rule} # handle {Handle}";
}
