namespace HostAccel.PowerShell.Model;

/// <summary>One counter of a rule.</summary>
public sealed class RuleCounter
{
    public ulong Packets { get; internal init; }

    public ulong Bytes { get; internal init; }

    public override string ToString() => $"packets {Packets} bytes {Bytes}";
}
