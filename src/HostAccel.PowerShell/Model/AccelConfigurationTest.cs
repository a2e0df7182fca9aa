namespace HostAccel.PowerShell.Model;

/// <summary>Whether the kernel holds a desired state, and where it does not.</summary>
public sealed class AccelConfigurationTest
{
    public bool InDesiredState { get; internal init; }

    public IReadOnlyList<AccelDrift> Drift { get; internal init; } = [];

    /// <summary>
    /// Configured devices that do not exist: not drift (a sync cannot add what is not there), but what the state will
    /// gain when they appear.
    /// </summary>
    public IReadOnlyList<string> Pending { get; internal init; } = [];

    public string? NetworkNamespace { get; internal init; }

    public override string ToString() =>
        InDesiredState ? $"in desired state{(Pending.Count == 0 ? "" : $" (pending: {string.Join("; ", Pending)})")}" : $"{Drift.Count} difference{(Drift.Count == 1 ? "" : "s")}: {string.Join("; ", Drift)}";
}
