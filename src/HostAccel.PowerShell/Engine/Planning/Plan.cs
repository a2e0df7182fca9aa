namespace HostAccel.PowerShell.Engine.Planning;

/// <summary>
/// An ordered list of changes and the ruleset generation they were planned against: what a cmdlet or a sync will
/// do, before anything is sent. <see cref="PlanText"/> prints it (-WhatIf, ShouldProcess, -Verbose); <see cref="PlanEncoder"/>
/// turns it into one transaction; <see cref="PlanCommit"/> sends it, and a kernel error comes back on the
/// change's subject.
/// </summary>
internal sealed class Plan
{
    public Plan(uint generation, IReadOnlyList<Change> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        Generation = generation;
        Changes = changes;
    }

    /// <summary>The generation the plan was read at: the commit is refused if the ruleset has moved since.</summary>
    public uint Generation { get; }

    public IReadOnlyList<Change> Changes { get; }

    public bool IsEmpty => Changes.Count == 0;

    /// <summary>The plan as nft statements, one per change, devices named with <paramref name="interfaceName"/>.</summary>
    public IReadOnlyList<string> Statements(Func<uint, string?>? interfaceName = null) =>
        Changes.Select(c => PlanText.Statement(c, interfaceName)).ToList();

    public override string ToString() => string.Join(Environment.NewLine, Statements());
}
