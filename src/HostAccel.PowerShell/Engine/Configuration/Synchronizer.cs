using HostAccel.Native;
using HostAccel.Native.Interop;
using HostAccel.Native.Nftables;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine.Configuration;

/// <summary>How a sync runs: adopting tables, how often to retry, whether to apply a plan, where to say what happens.</summary>
internal sealed class SyncOptions
{
    /// <summary>Take over a table HostAccel did not create (one without its mark and seed 000's comment).</summary>
    public bool Force { get; init; }

    /// <summary>How many times the state is read and the transaction sent before a busy ruleset is reported.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Asked with each plan before it is sent (ShouldProcess); false leaves the kernel as it is.</summary>
    public Func<SyncPlan, bool>? ShouldApply { get; init; }

    /// <summary>Told of retries and no-ops (WriteVerbose).</summary>
    public Action<string>? Log { get; init; }
}

/// <summary>
/// Sync-, Test- and Get-AccelConfiguration: reads the owned tables of both families, plans the difference to the
/// desired state, and sends it as one transaction pinned to the generation it read. When another writer commits in
/// between, the kernel refuses the batch (ERESTART) and nothing of it applies; the sync then reads again and plans
/// again, a bounded number of times. An unchanged kernel gets no batch at all.
/// </summary>
internal static class Synchronizer
{
    /// <summary>
    /// Reads both families' tables and plans. Reading takes several dumps; when one fails and the generation has
    /// moved since the plan began (another writer committed in between), the reads are repeated, a bounded number of
    /// times.
    /// </summary>
    public static SyncPlan Plan(AccelSession session, AccelConfiguration configuration, bool force, int maxAttempts = 5)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return PlanOnce(session, configuration, force);
            }
            catch (StaleReadException ex) when (attempt >= maxAttempts)
            {
                throw Reread(session, configuration, attempt, ex.InnerException!);
            }
            catch (StaleReadException)
            {
                // Another writer committed between two reads: read again.
            }
        }
    }

    private static SyncPlan PlanOnce(AccelSession session, AccelConfiguration configuration, bool force)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(configuration);
        uint generation = 0;
        try
        {
            generation = session.Nft.GetGeneration();
            IReadOnlyDictionary<NftFamily, FamilyState?> desired = DesiredState.Build(configuration, session.ResolveInterface);
            var current = new Dictionary<NftFamily, KernelTable?>
            {
                [NftFamily.Ip] = KernelTable.Read(session.Nft, NftFamily.Ip, configuration.TableName),
                [NftFamily.Ip6] = KernelTable.Read(session.Nft, NftFamily.Ip6, configuration.TableName),
            };
            return SyncPlanner.Plan(new SyncPlan(generation, session.InterfaceName), desired, current, session.Nft.ListPrefixes, configuration.TableName, force);
        }
        catch (Exception ex) when (generation != 0 && (ex is Native.Netlink.NetlinkDecodeException or ErrnoException { Errno: Errno.ENOENT } || (ex is ErrnoException && session.Nft.GetGeneration() != generation)))
        {
            // Another writer committed while the reads were under way: an object gone between two dumps (ENOENT), or
            // a set dump that ran into a commit still being applied — out-of-order elements, even though the
            // generation, bumped when that commit began, reads the same before and after. Nothing read then can be
            // trusted, and the pinned commit would be refused anyway: read again. What fails every time is reported
            // as itself (see Reread).
            throw new StaleReadException(ex);
        }
        catch (Exception ex) when (ex is not HostAccelException)
        {
            throw Failures.From(ex, $"table {configuration.TableName}");
        }
    }

    public static AccelConfigurationTest Test(AccelSession session, AccelConfiguration configuration, bool force)
    {
        SyncPlan plan = Plan(session, configuration, force);
        return new AccelConfigurationTest { InDesiredState = plan.IsEmpty, Drift = plan.Drift(), NetworkNamespace = session.NetworkNamespace };
    }

    public static AccelSyncResult Sync(AccelSession session, AccelConfiguration configuration, SyncOptions options, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(options);
        for (int attempt = 1; ; attempt++)
        {
            cancellation.ThrowIfCancellationRequested();
            SyncPlan plan;
            try
            {
                plan = PlanOnce(session, configuration, options.Force);
            }
            catch (StaleReadException ex)
            {
                if (attempt >= options.MaxAttempts)
                {
                    throw Reread(session, configuration, attempt, ex.InnerException!);
                }

                options.Log?.Invoke($"the ruleset changed while it was being read ({ex.InnerException!.Message}); reading it again (attempt {attempt + 1} of {options.MaxAttempts})");
                continue;
            }

            if (plan.IsEmpty)
            {
                options.Log?.Invoke($"the kernel already holds the desired state (generation {plan.Generation}): nothing sent");
                return Result(session, plan, applied: false, attempt);
            }

            if (options.ShouldApply is not null && !options.ShouldApply(plan))
            {
                return Result(session, plan, applied: false, attempt);
            }

            try
            {
                cancellation.ThrowIfCancellationRequested();
                session.Nft.Commit(plan.Transaction, plan.Generation);
                return Result(session, plan, applied: true, attempt);
            }
            catch (ErrnoException ex) when (ex.Errno == Errno.ERESTART)
            {
                if (attempt >= options.MaxAttempts)
                {
                    throw Busy(session, attempt, ex);
                }

                options.Log?.Invoke($"the ruleset changed after generation {plan.Generation} was read, and the kernel refused the stale transaction; reading it again (attempt {attempt + 1} of {options.MaxAttempts})");
            }
            catch (Exception ex) when (ex is not HostAccelException)
            {
                throw Failures.From(ex, $"table {configuration.TableName}");
            }
        }
    }

    /// <summary>
    /// A read failed on every attempt. A missing object or an undecodable reply is reported as itself — one that
    /// persists is more likely real than a writer that never stops; any other failure came with a moving
    /// generation, so the ruleset is busy.
    /// </summary>
    private static HostAccelException Reread(AccelSession session, AccelConfiguration configuration, int attempts, Exception inner) =>
        inner is Native.Netlink.NetlinkDecodeException or ErrnoException { Errno: Errno.ENOENT }
            ? Failures.From(inner, $"table {configuration.TableName}")
            : Busy(session, attempts, inner);

    private static HostAccelException Busy(AccelSession session, int attempts, Exception inner) =>
        new(ErrorIds.RulesetChanged, FailureKind.ResourceBusy,
            $"the ruleset changed under each of {attempts} attempts to sync it (another writer is busy); nothing was applied", session.NetworkNamespace, inner);

    /// <summary>An object vanished between two reads of one plan because another writer committed.</summary>
    private sealed class StaleReadException(Exception inner) : Exception("the ruleset changed while it was read", inner);

    private static AccelSyncResult Result(AccelSession session, SyncPlan plan, bool applied, int attempts) => new()
    {
        Applied = applied,
        Changes = plan.Drift(),
        Attempts = attempts,
        Generation = plan.Generation,
        NetworkNamespace = session.NetworkNamespace,
    };
}
