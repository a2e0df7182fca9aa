using HostAccel.PowerShell.Engine.Planning;

namespace HostAccel.PowerShell.Engine;

/// <summary>
/// One input's part of a plan, offered to ShouldProcess: the object it concerns, in words, the changes it brings
/// (data, rendered by <see cref="PlanText"/>), and the object it yields — or, for inputs a plan gathers into one
/// change (thousands of prefixes for one set), the objects they yield.
/// </summary>
internal sealed class PlannedChange<T>
{
    private readonly Func<uint, string?>? _interfaceName;

    internal PlannedChange(string target, string action, T result, IReadOnlyList<Change> changes, Func<uint, string?>? interfaceName = null)
        : this(target, action, [result], changes, interfaceName)
    {
    }

    internal PlannedChange(string target, string action, IReadOnlyList<T> results, IReadOnlyList<Change> changes, Func<uint, string?>? interfaceName = null)
    {
        Target = target;
        Action = action;
        Results = results;
        Changes = changes;
        _interfaceName = interfaceName;
    }

    public string Target { get; }

    public string Action { get; }

    public IReadOnlyList<Change> Changes { get; }

    /// <summary>The nft statements of the change, in order; empty when there is nothing to do.</summary>
    public IReadOnlyList<string> Statements => Changes.Select(c => PlanText.Statement(c, _interfaceName)).ToList();

    /// <summary>The object as planned (no kernel handles yet); the first, when the change serves many inputs.</summary>
    public T Result => Results[0];

    /// <summary>The objects as planned, one per input the change serves (made when read, for a gathered change).</summary>
    public IReadOnlyList<T> Results { get; }

    public bool IsEmpty => Changes.Count == 0;

    /// <summary>What -WhatIf prints: the statements, one per line.</summary>
    public string Description => IsEmpty
        ? $"{Action} on {Target}: nothing to do"
        : $"{Action} on {Target}:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", Statements)}";
}

/// <summary>
/// Changes from many pipeline items, checked one at a time as they arrive and committed together as one nf_tables
/// transaction: all or nothing. The plan is data (<see cref="Plan"/>): accepted changes are kept as records and
/// encoded once, at commit, pinned to the ruleset generation read when the plan started, so a concurrent change makes
/// the commit fail (RulesetChanged) instead of being overwritten by a stale plan. If any item was rejected, nothing
/// is committed: a failed call changes nothing.
/// </summary>
internal class ChangePlan<T>
{
    private readonly List<PlannedChange<T>> _accepted = [];
    private readonly uint _generation;
    private IReadOnlyList<HostAccelException>? _conflicts;

    protected ChangePlan(AccelSession session)
    {
        Session = session;
        try
        {
            _generation = session.Nft.GetGeneration();
        }
        catch (Exception ex) when (ex is not HostAccelException)
        {
            throw Failures.From(ex, session.NetworkNamespace);
        }
    }

    public AccelSession Session { get; }

    public int Rejected { get; private set; }

    public IReadOnlyList<T> Accepted
    {
        get
        {
            Gather();
            return _accepted.Count == 1 ? _accepted[0].Results : new JoinedList<T>(_accepted.Select(c => c.Results).ToList());
        }
    }

    /// <summary>After <see cref="Commit"/>: the objects the committed changes yield (for a reset, the counts before).</summary>
    public IReadOnlyList<T> Committed { get; private set; } = [];

    /// <summary>The accepted changes, grouped by the object they concern, in the order each was first touched.</summary>
    public IReadOnlyList<IGrouping<string, PlannedChange<T>>> ByTarget
    {
        get
        {
            Gather();
            return _accepted.GroupBy(c => c.Target, StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>Everything accepted, as one plan: consecutive element changes of a set sent as one list.</summary>
    public Plan Plan
    {
        get
        {
            Gather();
            return new(_generation, Coalesce(_accepted.SelectMany(c => c.Changes)));
        }
    }

    public IReadOnlyList<string> Statements => Plan.Statements(Session.InterfaceName);

    /// <summary>Records that an item failed its checks: the plan will then refuse to commit.</summary>
    public void Reject() => Rejected++;

    public void Accept(PlannedChange<T> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        _conflicts = null;
        _accepted.Add(change);
        OnAccepted(change);
    }

    /// <summary>
    /// Inputs that conflict with one another, found once all are in (two prefixes of one call that overlap, say): each
    /// names the input refused. A plan with conflicts does not commit.
    /// </summary>
    public IReadOnlyList<HostAccelException> Conflicts()
    {
        Gather();
        return _conflicts ??= FindConflicts();
    }

    /// <summary>What <see cref="Conflicts"/> answers, found once per plan (after the last input: a call's inputs are all in by then).</summary>
    protected virtual IReadOnlyList<HostAccelException> FindConflicts() => [];

    /// <summary>Takes back the changes of a target that ShouldProcess declined (-WhatIf, -Confirm answered no).</summary>
    public void Withdraw(string target)
    {
        Gather();
        _accepted.RemoveAll(c => c.Target == target);
    }

    /// <summary>Lets a plan keep track of what it has accepted (so a later item sees an earlier one).</summary>
    protected virtual void OnAccepted(PlannedChange<T> change)
    {
    }

    /// <summary>
    /// The changes a plan gathered itself from many inputs since it was last asked (all the prefixes of a call for
    /// one set, as one change): taken once all inputs are in, before anything reads the accepted changes. Gathering
    /// keeps per-input cost to a check and a table entry — what makes a call with 100 000 inputs cost about what
    /// the kernel's own work does.
    /// </summary>
    protected virtual IEnumerable<PlannedChange<T>> Gathered() => [];

    private void Gather()
    {
        int before = _accepted.Count;
        _accepted.AddRange(Gathered());
        if (_accepted.Count != before)
        {
            _conflicts = null;
        }
    }

    /// <summary>
    /// Commits what was accepted, unless an item was rejected. Returns whether anything was committed. Kernel
    /// errors come back as <see cref="HostAccelException"/> naming the subject of the change the kernel refused, or
    /// <paramref name="target"/>.
    /// </summary>
    public bool Commit(CancellationToken cancellation, object? target = null)
    {
        Gather();
        if (Rejected > 0)
        {
            throw new HostAccelException(ErrorIds.NothingApplied, FailureKind.InvalidOperation,
                $"nothing was applied: {Rejected} of {Rejected + Accepted.Count} inputs were rejected, and the changes are all or nothing", target);
        }

        if (Conflicts() is [HostAccelException conflict, ..])
        {
            throw conflict;
        }

        Plan plan = Plan;
        if (plan.IsEmpty)
        {
            Committed = Accepted;
            return false;
        }

        IReadOnlyDictionary<CounterResetChange, IReadOnlyList<Native.Nftables.Objects.NftRule>> resets;
        try
        {
            resets = PlanCommit.Apply(Session, plan, cancellation);
        }
        catch (Exception ex) when (ex is not HostAccelException)
        {
            // The refused transaction changed nothing; a plan that knows a second way (ranges split) tries it once.
            Plan? amended = Amend(plan, ex);
            if (amended is null)
            {
                throw Explain(Failures.From(ex, target), ex);
            }

            try
            {
                resets = PlanCommit.Apply(Session, amended, cancellation);
            }
            catch (Exception again) when (again is not HostAccelException)
            {
                throw Explain(Failures.From(again, target), again);
            }
        }

        Committed = Outcome(Accepted, resets);
        return true;
    }

    /// <summary>
    /// Another plan for the same result, after the kernel refused this one for a reason a read explains (a prefix
    /// held inside a range someone else wrote); null when there is none.
    /// </summary>
    protected virtual Plan? Amend(Plan plan, Exception kernelError) => null;

    /// <summary>The objects a commit yields: what was accepted, unless the plan reads its results from the commit.</summary>
    protected virtual IReadOnlyList<T> Outcome(IReadOnlyList<T> accepted, IReadOnlyDictionary<CounterResetChange, IReadOnlyList<Native.Nftables.Objects.NftRule>> resets) => accepted;

    /// <summary>What a plan knows about a kernel refusal that the kernel's words do not say (which held prefix overlaps, say).</summary>
    protected virtual HostAccelException Explain(HostAccelException failure, Exception kernelError) => failure;

    /// <summary>Runs of element changes to one set, from one item each, as one change with each prefix's subject.</summary>
    internal static List<Change> Coalesce(IEnumerable<Change> changes)
    {
        var result = new List<Change>();
        ElementsChange? run = null;
        List<Native.Nftables.IpPrefix> prefixes = [];
        List<object?> subjects = [];
        void Flush()
        {
            if (run is not null)
            {
                result.Add(run with { Prefixes = new(prefixes), Subjects = new(subjects), Subject = run.Set.ToString() });
                run = null;
                prefixes = [];
                subjects = [];
            }
        }

        foreach (Change change in changes)
        {
            if (change is ElementsChange e && (run is null || (run.Action == e.Action && run.Set == e.Set)))
            {
                run ??= e;
                prefixes.AddRange(e.Prefixes);
                subjects.AddRange(e.Subjects.Count == e.Prefixes.Count ? e.Subjects : Enumerable.Repeat(e.Subject, e.Prefixes.Count));
                continue;
            }

            Flush();
            if (change is ElementsChange first)
            {
                run = first;
                prefixes.AddRange(first.Prefixes);
                subjects.AddRange(first.Subjects.Count == first.Prefixes.Count ? first.Subjects : Enumerable.Repeat(first.Subject, first.Prefixes.Count));
            }
            else
            {
                result.Add(change);
            }
        }

        Flush();
        return result;
    }
}

/// <summary>Lists read as one, without copying them: the objects of a plan's changes.</summary>
internal sealed class JoinedList<T>(IReadOnlyList<IReadOnlyList<T>> parts) : IReadOnlyList<T>
{
    public int Count { get; } = parts.Sum(p => p.Count);

    public T this[int index]
    {
        get
        {
            foreach (IReadOnlyList<T> part in parts)
            {
                if (index < part.Count)
                {
                    return part[index];
                }

                index -= part.Count;
            }

            throw new ArgumentOutOfRangeException(nameof(index));
        }
    }

    public IEnumerator<T> GetEnumerator() => parts.SelectMany(p => p).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>Each item of a list, projected when it is read: the objects of thousands of prefixes, made only if written.</summary>
internal sealed class ProjectedList<TSource, T>(IReadOnlyList<TSource> source, Func<TSource, T> project) : IReadOnlyList<T>
{
    public int Count => source.Count;

    public T this[int index] => project(source[index]);

    public IEnumerator<T> GetEnumerator() => source.Select(project).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
