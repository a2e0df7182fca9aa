using System.Management.Automation;
using HostAccel.Native;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Planning;

namespace HostAccel.PowerShell.Commands;

/// <summary>
/// A change cmdlet's inputs, typed, per namespace, and what becomes of them: planned in one
/// <see cref="ChangePlan{T}"/> per namespace (each request prepared by the cmdlet's own step), asked about once per
/// object they touch, committed all or nothing. An input that fails its checks is reported and nothing is committed;
/// the same failure from many inputs (a missing table under a bulk add) is reported once, with a count.
/// </summary>
internal sealed class ChangeQueue<TPlan, TRequest, TResult>
    where TPlan : ChangePlan<TResult>
    where TResult : class
{
    /// <summary>From this many inputs on, planning reports its progress.</summary>
    private const int ProgressThreshold = 2000;

    /// <summary>Where a statement is cut on -Verbose: an element list can run to megabytes.</summary>
    private const int MaxStatementLength = 500;

    private readonly ChangeCmdlet _cmdlet;
    private readonly Func<AccelSession, TPlan> _newPlan;
    private readonly Func<TPlan, TRequest, IEnumerable<PlannedChange<TResult>>> _prepare;
    private readonly Dictionary<string, Batch> _batches = new(StringComparer.Ordinal);
    private readonly HashSet<(string, string)> _reported = [];
    private int _refused;
    private int _repeated;

    public ChangeQueue(ChangeCmdlet cmdlet, Func<AccelSession, TPlan> newPlan, Func<TPlan, TRequest, IEnumerable<PlannedChange<TResult>>> prepare)
    {
        _cmdlet = cmdlet;
        _newPlan = newPlan;
        _prepare = prepare;
    }

    /// <summary>Queues a request in the namespace bound to the current record; false when that namespace cannot be opened.</summary>
    public bool Add(TRequest request, object? target)
    {
        if (_cmdlet.Session() is not AccelSession session)
        {
            _refused++;
            return false;
        }

        string key = session.NetworkNamespace ?? "";
        if (!_batches.TryGetValue(key, out Batch? batch))
        {
            _batches[key] = batch = new Batch(session);
        }

        batch.Requests.Add((request, target));
        return true;
    }

    /// <summary>An input the cmdlet refused before queueing it (its error already written): nothing will be committed.</summary>
    public void Refuse(Exception failure, object? target)
    {
        _refused++;
        Report(failure, target);
    }

    /// <summary>
    /// Plans, asks and commits every namespace's requests; writes the objects with -PassThru (re-read through
    /// <paramref name="refresh"/> when given, so they carry kernel handles).
    /// </summary>
    /// <returns>The sessions whose changes were committed (or had nothing to commit).</returns>
    public IReadOnlyList<AccelSession> Commit(bool passThru, Func<AccelSession, IReadOnlyList<TResult>, IEnumerable<TResult>>? refresh = null)
    {
        var committed = new List<AccelSession>();
        foreach (Batch batch in _batches.Values)
        {
            IReadOnlyList<TResult>? results = null;
            bool done = _cmdlet.Try(() => results = Attempts.Run(_cmdlet.MaxAttempts, _ => Once(batch, passThru), PlanCommit.IsTransient,
                (n, ex) => _cmdlet.WriteVerbose($"the ruleset changed after it was read, and the kernel refused the stale transaction; reading it again (attempt {n + 1} of {_cmdlet.MaxAttempts})")),
                batch.Session.NetworkNamespace);
            if (!done || results is null)
            {
                continue;
            }

            committed.Add(batch.Session);

            if (passThru)
            {
                IEnumerable<TResult> written = results;
                if (refresh is not null && results.Count > 0 && !batch.WhatIfOnly)
                {
                    IEnumerable<TResult>? read = null;
                    if (!_cmdlet.Try(() => read = refresh(batch.Session, results).ToList(), batch.Session.NetworkNamespace))
                    {
                        continue;
                    }

                    written = read!;
                }

                foreach (TResult result in written)
                {
                    _cmdlet.WriteObject(result);
                }
            }
        }

        if (_repeated > 0)
        {
            _cmdlet.WriteVerbose($"{_repeated} more input{(_repeated == 1 ? "" : "s")} failed the same way as an error already reported");
        }

        return committed;
    }

    /// <summary>One attempt for one namespace: the results to write (null when nothing was committed for a failure).</summary>
    private IReadOnlyList<TResult>? Once(Batch batch, bool passThru)
    {
        TPlan plan = _newPlan(batch.Session);
        var progress = batch.Requests.Count >= ProgressThreshold ? new ProgressRecord(1, "Planning", $"{batch.Requests.Count} inputs") : null;
        for (int i = 0; i < batch.Requests.Count; i++)
        {
            (TRequest request, object? target) = batch.Requests[i];
            // Every 5 % of the inputs: each progress record costs the host a redraw.
            if (progress is not null && i % Math.Max(1000, batch.Requests.Count / 20) == 0)
            {
                progress.PercentComplete = (int)(100L * i / batch.Requests.Count);
                progress.StatusDescription = $"{i} of {batch.Requests.Count} inputs";
                _cmdlet.WriteProgress(progress);
            }

            try
            {
                foreach (PlannedChange<TResult> change in _prepare(plan, request))
                {
                    plan.Accept(change);
                }
            }
            catch (Exception ex) when (HostAccelCmdlet.IsFailure(ex))
            {
                plan.Reject();
                Report(ex, target);
            }
        }

        if (progress is not null)
        {
            progress.RecordType = ProgressRecordType.Completed;
            _cmdlet.WriteProgress(progress);
        }

        foreach (HostAccelException conflict in plan.Conflicts())
        {
            plan.Reject();
            Report(conflict, conflict.TargetObject);
        }

        if (plan.Rejected > 0 || _refused > 0)
        {
            int withheld = plan.Accepted.Count;
            if (withheld > 0)
            {
                // Said only when good inputs are held back with the bad: when every input failed, its own error is all.
                int rejected = plan.Rejected + _refused;
                _cmdlet.WriteError(HostAccelCmdlet.ToErrorRecord(new HostAccelException(ErrorIds.NothingApplied, FailureKind.InvalidOperation,
                    $"nothing was applied: {rejected} input{(rejected == 1 ? " was" : "s were")} rejected, so the {withheld} accepted change{(withheld == 1 ? " was" : "s were")} not committed either: the changes of one call are all or nothing", batch.Session.NetworkNamespace)));
            }

            return null;
        }

        int approved = 0;
        var whatIf = new List<TResult>();
        bool whatIfOnly = false;
        foreach (IGrouping<string, PlannedChange<TResult>> group in plan.ByTarget)
        {
            if (Approved(batch, group))
            {
                approved++;
            }
            else
            {
                plan.Withdraw(group.Key);
                if (_cmdlet.IsWhatIf)
                {
                    whatIfOnly = true;
                    if (passThru)
                    {
                        whatIf.AddRange(group.SelectMany(c => c.Results));
                    }
                }
            }
        }

        plan.Commit(_cmdlet.Cancellation, batch.Session.NetworkNamespace);
        batch.WhatIfOnly = approved == 0 && whatIfOnly;
        return whatIf.Count == 0 ? plan.Committed : [.. plan.Committed, .. whatIf];
    }

    /// <summary>
    /// Asks ShouldProcess once for everything a call does to one object, unless an earlier attempt already asked about
    /// it (a retry re-plans, but the user is not asked twice). A group with nothing to do is approved without asking, so -PassThru still returns its objects.
    /// </summary>
    private bool Approved(Batch batch, IGrouping<string, PlannedChange<TResult>> group)
    {
        if (batch.Answers.TryGetValue(group.Key, out bool answer))
        {
            return answer;
        }

        List<PlannedChange<TResult>> changes = group.Where(c => !c.IsEmpty).ToList();
        if (changes.Count == 0)
        {
            _cmdlet.WriteVerbose($"{group.First().Action} on {group.Key}: nothing to do");
            return batch.Answers[group.Key] = true;
        }

        List<Change> coalesced = ChangePlan<TResult>.Coalesce(changes.SelectMany(c => c.Changes));
        Func<uint, string?> names = batch.Session.InterfaceName;
        int inputs = changes.Sum(c => c.Results.Count);
        string action = inputs == 1 ? changes[0].Action : $"{changes[0].Action} ({inputs} inputs)";
        string summary = string.Join(Environment.NewLine + "  ", coalesced.Select(c => PlanText.Summary(c, names, MaxStatementLength)));
        bool yes = _cmdlet.ShouldProcess($"{action} on {group.Key}:{Environment.NewLine}  {summary}",
            $"{action} on {group.Key}?{Environment.NewLine}  {summary}", changes[0].Action);
        if ((yes || _cmdlet.IsWhatIf) && _cmdlet.IsVerbose)
        {
            foreach (Change change in coalesced.Where(c => c is ElementsChange { Prefixes.Count: > 3 }))
            {
                _cmdlet.WriteVerbose(PlanText.Statement(change, names, MaxStatementLength));
            }
        }

        return batch.Answers[group.Key] = yes;
    }

    /// <summary>
    /// Writes a failure. One about the input itself (the CIDR typed) is always written; one about what the inputs share
    /// (the table they all go to) once per id and message: thousands of inputs under one missing table make one error.
    /// </summary>
    private void Report(Exception failure, object? target)
    {
        HostAccelException known = Failures.From(failure, target);
        if (Equals(known.TargetObject, target) || _reported.Add((known.ErrorId, known.Message)))
        {
            _cmdlet.WriteError(HostAccelCmdlet.ToErrorRecord(known));
            return;
        }

        _repeated++;
    }

    /// <summary>
    /// Whether the user declined part of what the call would change in <paramref name="session"/>'s namespace
    /// (ShouldProcess answered No under -Confirm; -WhatIf declines nothing).
    /// </summary>
    public bool Declined(AccelSession session) =>
        !_cmdlet.IsWhatIf && _batches.Values.Any(b => ReferenceEquals(b.Session, session) && b.Answers.ContainsValue(false));

    private sealed class Batch(AccelSession session)
    {
        public AccelSession Session { get; } = session;

        public List<(TRequest Request, object? Target)> Requests { get; } = [];

        /// <summary>ShouldProcess's answer per object, kept across attempts.</summary>
        public Dictionary<string, bool> Answers { get; } = new(StringComparer.Ordinal);

        public bool WhatIfOnly { get; set; }
    }
}
