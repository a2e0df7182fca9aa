namespace HostAccel.PowerShell.Model;

/// <summary>Whether the kernel holds a desired state, and where it does not.</summary>
public sealed class AccelConfigurationTest
{
    public bool InDesiredState { get; internal init; }

    public IReadOnlyList<AccelDrift> Drift { get; internal init; } = [];

    public string? NetworkNamespace { get; internal init; }

    public override string ToString() =>
        InDesiredState ? "in desired state" : $"{Drift.Count} difference{(Drift.Count == 1 ? "" : "s")}: {string.Join("; ", Drift)}";
}
