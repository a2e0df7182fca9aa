using HostAccel.Native.Nftables;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine.Configuration;

/// <summary>
/// The difference between the kernel and a desired state: one transaction for both families, and the same changes
/// grouped by the object they concern, each with the statements it contributes.
/// </summary>
internal sealed class SyncPlan
{
    private readonly List<(AccelFamily Family, AccelDriftKind Kind, string Object, string Detail, List<int> Entries)> _drift = [];

    public SyncPlan(uint generation, Func<uint, string?> interfaceName)
    {
        Generation = generation;
        Transaction = new NftTransaction { InterfaceNames = interfaceName };
    }

    /// <summary>The ruleset generation the plan was read at: the commit is refused if it has moved.</summary>
    public uint Generation { get; }

    public NftTransaction Transaction { get; }

    public bool IsEmpty => Transaction.IsEmpty;

    /// <summary>Starts a difference; the changes queued through the returned handle are credited to it.</summary>
    public int Difference(NftFamily family, AccelDriftKind kind, string what, string detail)
    {
        _drift.Add((family.ToModel(), kind, what, detail, []));
        return _drift.Count - 1;
    }

    /// <summary>Queues changes for a difference started with <see cref="Difference"/>.</summary>
    public void Queue(int difference, Action<NftTransaction> change)
    {
        int before = Transaction.Count;
        change(Transaction);
        _drift[difference].Entries.AddRange(Enumerable.Range(before, Transaction.Count - before));
    }

    /// <summary>The differences, each with its nft statements (continuation lines of long element lists left out).</summary>
    public IReadOnlyList<AccelDrift> Drift()
    {
        IReadOnlyList<string> statements = Transaction.Statements;
        return _drift.Select(d => new AccelDrift
        {
            Family = d.Family,
            Kind = d.Kind,
            Object = d.Object,
            Detail = d.Detail,
            Statements = d.Entries.Order().Select(i => statements[i]).Where(s => !s.StartsWith('#')).ToList(),
        }).ToList();
    }
}
