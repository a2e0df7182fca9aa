using HostAccel.Native;
using HostAccel.Native.Interop;
using HostAccel.Native.Nftables;
using HostAccel.PowerShell.Engine.Planning;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine.Configuration;

/// <summary>How a sync runs: adopting tables, how often to retry, whether to apply a plan, where to say what happens.</summary>
internal sealed class SyncOptions
{
    /// <summary>Take over a table HostAccel did not create (one without its mark and the design document's comment).</summary>
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
/// between, the kernel refuses the batch (ERESTART) and nothing of it applies; when the reads themselves straddle a
/// commit, they cannot be trusted. Either way the sync reads again and plans again, a bounded number of times
/// (<see cref="Attempts"/>). An unchanged kernel gets no batch at all.
/// </summary>
internal static class Synchronizer
{
    /// <summary>Reads both families' tables and plans, reading again while another writer's commits get in the way.</summary>
    public static SyncPlan Plan(AccelSession session, AccelConfiguration configuration, bool force, int maxAttempts = 5) =>
        Run(session, configuration, maxAttempts, null, _ => PlanOnce(session, configuration, force));

    public static AccelConfigurationTest Test(AccelSession session, AccelConfiguration configuration, bool force)
    {
        SyncPlan plan = Plan(session, configuration, force);
        return new AccelConfigurationTest { InDesiredState = plan.IsEmpty, Drift = plan.Drift(), Pending = plan.Pending.Select(p => p.ToString()).ToList(), NetworkNamespace = session.NetworkNamespace };
    }

    public static AccelSyncResult Sync(AccelSession session, AccelConfiguration configuration, SyncOptions options, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(options);
        return Run(session, configuration, options.MaxAttempts, options.Log, attempt =>
        {
            cancellation.ThrowIfCancellationRequested();
            SyncPlan plan = PlanOnce(session, configuration, options.Force);
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
                if (plan.HasNftChanges)
                {
                    PlanCommit.Apply(session, plan.Plan, cancellation);
                }

                if (plan.TrafficControl.Count > 0)
                {
                    using Native.TrafficControl.TcConnection tc = TrafficControl.TcCommit.Open(session.NetworkNamespace);
                    if (plan.TrafficControl.Any(c => c.Change.Kind is not (Native.TrafficControl.TcChangeKind.DeleteFilter or Native.TrafficControl.TcChangeKind.DeleteQdisc)))
                    {
                        TrafficControl.TcCommit.RequireSupport($"table {configuration.TableName}");
                    }

                    TrafficControl.TcCommit.Apply(tc, plan.TrafficControl.Select(c => c.Change).ToList(), $"table {configuration.TableName}");
                }
            }
            catch (ErrnoException ex) when (ex.Errno == Errno.ENOENT)
            {
                // The plan was read while another writer's commit was still being applied (it had already bumped the
                // generation this commit is pinned to): something it deletes is already gone. Read again.
                throw new StaleReadException(ex);
            }

            return Result(session, plan, applied: true, attempt);
        });
    }

    /// <summary>
    /// Runs one attempt after another while they fail transiently. What still fails after the last attempt is
    /// reported: a pinned commit that kept losing as RulesetChanged; reads that kept straddling commits as
    /// themselves when they are a missing object or an undecodable reply (one that persists is more likely real than
    /// a writer that never stops), else as RulesetChanged.
    /// </summary>
    private static T Run<T>(AccelSession session, AccelConfiguration configuration, int maxAttempts, Action<string>? log, Func<int, T> attempt)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(configuration);
        int attempts = 0;
        try
        {
            return Attempts.Run(maxAttempts, n => attempt(attempts = n), PlanCommit.IsTransient, (n, ex) => log?.Invoke(ex is StaleReadException
                ? $"the ruleset changed while it was being read ({ex.InnerException!.Message}); reading it again (attempt {n + 1} of {maxAttempts})"
                : $"the ruleset changed after it was read, and the kernel refused the stale transaction; reading it again (attempt {n + 1} of {maxAttempts})"));
        }
        catch (StaleReadException ex) when (ex.InnerException is Native.Netlink.NetlinkDecodeException or ErrnoException { Errno: Errno.ENOENT })
        {
            throw Failures.From(ex.InnerException, $"table {configuration.TableName}");
        }
        catch (Exception ex) when (PlanCommit.IsTransient(ex))
        {
            throw new HostAccelException(ErrorIds.RulesetChanged, FailureKind.ResourceBusy,
                $"the ruleset changed under each of {attempts} attempts to sync it (another writer is busy); nothing was applied", session.NetworkNamespace, ex)
            {
                RecommendedAction = "Run the command again, or with a larger -MaxAttempts.",
            };
        }
        catch (Exception ex) when (ex is not HostAccelException)
        {
            throw Failures.From(ex, $"table {configuration.TableName}");
        }
    }

    private static SyncPlan PlanOnce(AccelSession session, AccelConfiguration configuration, bool force)
    {
        uint generation = 0;
        try
        {
            generation = session.Nft.GetGeneration();
            var plan = new SyncPlan(generation, session.InterfaceName);
            IReadOnlyDictionary<NftFamily, FamilyState?> desired = DesiredState.Build(TrafficControlConfiguration.NftPart(configuration), session.ResolveInterface, plan.Pending);
            var current = new Dictionary<NftFamily, KernelTable?>
            {
                [NftFamily.Ip] = KernelTable.Read(session.Nft, NftFamily.Ip, configuration.TableName),
                [NftFamily.Ip6] = KernelTable.Read(session.Nft, NftFamily.Ip6, configuration.TableName),
            };
            SyncPlanner.Plan(plan, desired, current, session.Nft.ListPrefixes, configuration.TableName, force);
            using (Native.TrafficControl.TcConnection tc = TrafficControl.TcCommit.Open(session.NetworkNamespace))
            {
                plan.TrafficControl = TrafficControlConfiguration.Plan(tc, configuration, plan.Pending);
                plan.TrafficControlNames = TrafficControl.TcFastpaths.Names(plan.TrafficControl.Count == 0 ? [] : tc.ListLinks());
            }

            return plan;
        }
        catch (Exception ex) when (generation != 0 && (ex is Native.Netlink.NetlinkDecodeException or ErrnoException { Errno: Errno.ENOENT } || (ex is ErrnoException && session.Nft.GetGeneration() != generation)))
        {
            // Another writer committed while the reads were under way: an object gone between two dumps (ENOENT), or
            // a set dump that ran into a commit still being applied — out-of-order elements, even though the
            // generation, bumped when that commit began, reads the same before and after. Nothing read then can be
            // trusted, and the pinned commit would be refused anyway: read again.
            throw new StaleReadException(ex);
        }
    }

    private static AccelSyncResult Result(AccelSession session, SyncPlan plan, bool applied, int attempts) => new()
    {
        Applied = applied,
        Changes = plan.Drift(),
        Pending = plan.Pending.Select(p => p.ToString()).ToList(),
        Attempts = attempts,
        Generation = plan.Generation,
        NetworkNamespace = session.NetworkNamespace,
    };
}
