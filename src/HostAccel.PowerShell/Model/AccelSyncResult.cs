namespace HostAccel.PowerShell.Model;

/// <summary>What Sync-AccelConfiguration did: the differences it found and applied in one transaction.</summary>
public sealed class AccelSyncResult
{
    /// <summary>Whether a transaction was committed (false when the kernel already matched, or under -WhatIf).</summary>
    public bool Applied { get; internal init; }

    /// <summary>The differences the committed transaction removed (or would have, under -WhatIf).</summary>
    public IReadOnlyList<AccelDrift> Changes { get; internal init; } = [];

    /// <summary>How many times the state was read and the transaction sent: more than one after concurrent changes.</summary>
    public int Attempts { get; internal init; }

    /// <summary>Configured devices that do not exist: left out of the flowtable and of the rules naming them, until they appear.</summary>
    public IReadOnlyList<string> Pending { get; internal init; } = [];

    /// <summary>The ruleset generation the applied transaction was planned against.</summary>
    public uint Generation { get; internal init; }

    public string? NetworkNamespace { get; internal init; }

    public override string ToString() =>
        Changes.Count == 0
            ? "in desired state: nothing to do"
            : $"{(Applied ? "applied" : "planned")} {Changes.Count} change{(Changes.Count == 1 ? "" : "s")} in one transaction{(Attempts > 1 ? $" after {Attempts} attempts" : "")}";
}
