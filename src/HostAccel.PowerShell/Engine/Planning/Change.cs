using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;

namespace HostAccel.PowerShell.Engine.Planning;

/// <summary>What a change does to its object.</summary>
internal enum ChangeAction
{
    /// <summary>Adds the object, or adds to it (elements, devices); an object already there is left as it is.</summary>
    Add,

    /// <summary>Adds the object; one already there is an error (nft's <c>create</c>).</summary>
    Create,

    Delete,

    /// <summary>A rule inserted before the rule with the handle in <see cref="RuleChange.Position"/>.</summary>
    Insert,

    /// <summary>A rule replaced in place, keeping its handle (nft's <c>replace rule … handle N</c>).</summary>
    Replace,

    /// <summary>A chain's rule counters read and zeroed.</summary>
    Reset,
}

/// <summary>
/// One change of a plan, as plain data: what is done to which kernel object, and <see cref="Subject"/>, the user's
/// object it serves (the CIDR as typed, the table asked for, the difference a sync repairs). A kernel error on the
/// change comes back with that subject. Records compare by value, so a test can compare plans.
/// </summary>
internal abstract record Change(ChangeAction Action)
{
    public object? Subject { get; init; }
}

internal sealed record TableChange(ChangeAction Action, NftTable Table) : Change(Action);

internal sealed record SetChange(ChangeAction Action, NftSet Set) : Change(Action);

/// <summary>Prefixes added to or deleted from a set; <see cref="Subjects"/>, when not empty, is each prefix's own subject.</summary>
internal sealed record ElementsChange(ChangeAction Action, NftSet Set, EquatableArray<IpPrefix> Prefixes) : Change(Action)
{
    public EquatableArray<object?> Subjects { get; init; }
}

/// <summary>
/// Ranges deleted from an interval set as it holds them: a range someone else wrote first-last, split by a removal
/// of one of the prefixes it is listed as. <see cref="Subjects"/>: one per range.
/// </summary>
internal sealed record RangesChange(NftSet Set, EquatableArray<AddressRange> Ranges) : Change(ChangeAction.Delete)
{
    public EquatableArray<object?> Subjects { get; init; }
}

internal sealed record FlowtableChange(ChangeAction Action, NftFlowtable Flowtable) : Change(Action);

/// <summary>Devices taken out of a flowtable that stays (Linux 5.8 and later); adding devices is a <see cref="FlowtableChange"/> naming only them.</summary>
internal sealed record FlowtableDevicesChange(NftFlowtable Flowtable, EquatableArray<string> Devices) : Change(ChangeAction.Delete);

internal sealed record ChainChange(ChangeAction Action, NftChain Chain) : Change(Action);

/// <summary>A rule added (appended), inserted before <see cref="Position"/>, replaced or deleted (both by its handle).</summary>
internal sealed record RuleChange(ChangeAction Action, NftRule Rule, ulong Position = 0) : Change(Action);

/// <summary>The counters of a chain's rules read and zeroed: not part of a batch, see <see cref="PlanCommit"/>.</summary>
internal sealed record CounterResetChange(NftFamily Family, string Table, string Chain) : Change(ChangeAction.Reset);
