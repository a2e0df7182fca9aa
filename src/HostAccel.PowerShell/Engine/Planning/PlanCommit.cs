using HostAccel.Native;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;

namespace HostAccel.PowerShell.Engine.Planning;

/// <summary>
/// Sends a plan: its changes as one nf_tables transaction pinned to the generation it was planned against (all or
/// nothing; ERESTART when another writer committed since), then any counter resets it holds. A failure is reported
/// against the subject of the change the kernel refused (<see cref="Failures.From"/>).
/// </summary>
internal static class PlanCommit
{
    /// <summary>The rules of each reset chain as they were just before their counters were zeroed.</summary>
    public static IReadOnlyDictionary<CounterReset, IReadOnlyList<NftRule>> Apply(AccelSession session, Plan plan, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(plan);
        cancellation.ThrowIfCancellationRequested();
        NftTransaction transaction = PlanEncoder.Encode(plan.Changes);
        if (!transaction.IsEmpty)
        {
            session.Nft.Commit(transaction, plan.Generation);
        }

        var before = new Dictionary<CounterReset, IReadOnlyList<NftRule>>();
        foreach (CounterReset reset in plan.Changes.OfType<CounterReset>())
        {
            before[reset] = session.Nft.ResetRuleCounters(reset.Family, reset.Table, reset.Chain);
        }

        return before;
    }

    /// <summary>
    /// What may go right when tried again: a pinned commit that another writer overtook, or reads that straddled its
    /// commit (an object gone between two dumps, a dump that ran into a commit still being applied).
    /// </summary>
    public static bool IsTransient(Exception exception) =>
        Attempts.IsStaleCommit(exception) || exception is StaleReadException or HostAccelException { Errno: Native.Interop.Errno.ERESTART };
}

/// <summary>A plan's reads straddled another writer's commit: nothing read then can be trusted.</summary>
internal sealed class StaleReadException(Exception inner) : Exception($"the ruleset changed while it was read: {inner.Message}", inner);
