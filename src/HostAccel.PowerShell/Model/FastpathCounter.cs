namespace HostAccel.PowerShell.Model;

/// <summary>One filter of the Traffic Control mode and what it matched: the packets and bytes it redirected (or handed to the stack).</summary>
public sealed class FastpathCounter
{
    public AccelMode Mode { get; internal init; }

    public AccelFamily Family { get; internal init; }

    /// <summary>The device whose ingress the filter is on.</summary>
    public string Device { get; internal init; } = "";

    public int Priority { get; internal init; }

    public uint Handle { get; internal init; }

    /// <summary>The source prefix matched; null for a TTL guard, which matches any.</summary>
    public string? Source { get; internal init; }

    public string? Destination { get; internal init; }

    /// <summary>What a match does: "redirect to eth0", or "ttl guard: to the stack".</summary>
    public string Action { get; internal init; } = "";

    public ulong Packets { get; internal init; }

    public ulong Bytes { get; internal init; }

    /// <summary>The filter in tc syntax.</summary>
    public string Filter { get; internal init; } = "";

    public string? NetworkNamespace { get; internal init; }

    public override string ToString() => $"{Device} prio {Priority} handle {Handle}: {Source ?? "any"} -> {Destination ?? "any"} {Action}: {Packets} packets, {Bytes} bytes";
}
