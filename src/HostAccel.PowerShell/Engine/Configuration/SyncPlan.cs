using HostAccel.Native.Nftables;
using HostAccel.PowerShell.Engine.Planning;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine.Configuration;

/// <summary>
/// One difference between the kernel and the desired state: the subject of the changes that repair it, so that
/// Test-AccelConfiguration lists them by object and a kernel error names the object.
/// </summary>
internal sealed class Difference(AccelFamily family, AccelDriftKind kind, string what, string detail)
{
    public AccelFamily Family { get; } = family;

    public AccelDriftKind Kind { get; } = kind;

    public string Object { get; } = what;

    public string Detail { get; } = detail;

    public override string ToString() => Object;
}

/// <summary>
/// The difference between the kernel and a desired state: one plan (one transaction) for both families, each change
/// credited to the <see cref="Difference"/> it repairs.
/// </summary>
internal sealed class SyncPlan
{
    private readonly List<Difference> _differences = [];
    private readonly List<Change> _changes = [];
    private readonly Func<uint, string?> _interfaceName;

    public SyncPlan(uint generation, Func<uint, string?> interfaceName)
    {
        Generation = generation;
        _interfaceName = interfaceName;
    }

    /// <summary>The ruleset generation the plan was read at: the commit is refused if it has moved.</summary>
    public uint Generation { get; }

    /// <summary>Configured devices that do not exist: left out of the plan, not differences (<see cref="PendingDevice"/>).</summary>
    public List<PendingDevice> Pending { get; } = [];

    public Plan Plan => new(Generation, _changes);

    /// <summary>The Traffic Control mode's filter changes, applied after the transaction (rtnetlink has none).</summary>
    public IReadOnlyList<TrafficControl.TcPlannedChange> TrafficControl { get; set; } = [];

    /// <summary>Device names for rendering <see cref="TrafficControl"/> as tc commands.</summary>
    public Func<int, string?> TrafficControlNames { get; set; } = _ => null;

    /// <summary>Every statement of the one transaction, in order, devices named; then the tc commands.</summary>
    public IReadOnlyList<string> Statements => [.. Plan.Statements(_interfaceName), .. TrafficControl.Select(c => c.Change.Render(TrafficControlNames))];

    public bool HasNftChanges => _changes.Count > 0;

    public bool IsEmpty => _changes.Count == 0 && TrafficControl.Count == 0;

    /// <summary>Starts a difference; changes added with it as their subject are credited to it.</summary>
    public Difference Difference(NftFamily family, AccelDriftKind kind, string what, string detail)
    {
        var difference = new Difference(family.ToModel(), kind, what, detail);
        _differences.Add(difference);
        return difference;
    }

    /// <summary>Appends a change; its subject must be a difference of this plan.</summary>
    public void Add(Change change) => _changes.Add(change);

    /// <summary>The differences, each with its nft statements.</summary>
    public IReadOnlyList<AccelDrift> Drift()
    {
        ILookup<Difference?, Change> byDifference = _changes.ToLookup(c => c.Subject as Difference);
        return _differences.Select(d => new AccelDrift
        {
            Family = d.Family,
            Kind = d.Kind,
            Object = d.Object,
            Detail = d.Detail,
            Statements = byDifference[d].Select(c => PlanText.Statement(c, _interfaceName)).ToList(),
        }).Concat(TrafficControl.Select(c => new AccelDrift
        {
            Family = c.Family,
            Kind = c.Kind,
            Object = c.Change.Filter is Native.TrafficControl.TcFilter f
                ? $"filter dev {TrafficControlNames(f.InterfaceIndex) ?? $"#{f.InterfaceIndex}"} ingress prio {f.Priority} handle {f.Handle}"
                : $"qdisc clsact dev {TrafficControlNames(c.Change.Qdisc!.InterfaceIndex) ?? $"#{c.Change.Qdisc.InterfaceIndex}"}",
            Detail = c.Change.Description,
            Statements = [c.Change.Render(TrafficControlNames)],
        })).ToList();
    }
}
