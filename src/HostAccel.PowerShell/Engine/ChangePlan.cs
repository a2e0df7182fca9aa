using HostAccel.Native.Nftables;

namespace HostAccel.PowerShell.Engine;

/// <summary>
/// One change a cmdlet asks ShouldProcess about: what it is done to, in words, the nft statements it will apply,
/// the object it yields, and how it adds itself to the plan's transaction.
/// </summary>
internal sealed class PlannedChange<T>
{
    internal PlannedChange(string target, string action, T result, Action<NftTransaction> apply, Action? onAccept = null, Func<uint, string?>? deviceName = null)
    {
        Target = target;
        Action = action;
        Result = result;
        Apply = apply;
        OnAccept = onAccept;
        // Rules hold device indexes; -WhatIf should read as the nft command a person would type.
        var scratch = new NftTransaction { InterfaceNames = deviceName };
        apply(scratch);
        Statements = scratch.Statements;
    }

    public string Target { get; }

    public string Action { get; }

    /// <summary>The nft statements of the change, in order; empty when there is nothing to do.</summary>
    public IReadOnlyList<string> Statements { get; }

    /// <summary>The object as planned (no kernel handles yet).</summary>
    public T Result { get; }

    public bool IsEmpty => Statements.Count == 0;

    /// <summary>What -WhatIf prints: the statements, one per line.</summary>
    public string Description => IsEmpty
        ? $"{Action} on {Target}: nothing to do"
        : $"{Action} on {Target}:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", Statements)}";

    internal Action<NftTransaction> Apply { get; }

    internal Action? OnAccept { get; }
}

/// <summary>
/// Changes from many pipeline items, checked one at a time as they arrive and committed together as one nf_tables
/// transaction: all or nothing. The transaction is pinned to the ruleset generation read when the plan started, so a
/// concurrent change makes the commit fail (RulesetChanged) instead of being overwritten by a stale plan. If any
/// item was rejected, nothing is committed: a failed call changes nothing.
/// </summary>
internal class ChangePlan<T>
{
    private readonly NftTransaction _transaction = new();
    private readonly List<T> _accepted = [];
    private readonly uint _generation;

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

    public IReadOnlyList<T> Accepted => _accepted;

    public IReadOnlyList<string> Statements => _transaction.Statements;

    /// <summary>Records that an item failed its checks; the plan will then refuse to commit.</summary>
    public void Reject() => Rejected++;

    public void Accept(PlannedChange<T> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        change.Apply(_transaction);
        change.OnAccept?.Invoke();
        _accepted.Add(change.Result);
    }

    /// <summary>
    /// Commits what was accepted, unless an item was rejected. Returns whether anything was committed. Kernel
    /// errors come back as <see cref="HostAccelException"/> naming <paramref name="target"/>.
    /// </summary>
    public bool Commit(CancellationToken cancellation, object? target = null)
    {
        if (Rejected > 0)
        {
            throw new HostAccelException(ErrorIds.NothingApplied, FailureKind.InvalidOperation,
                $"nothing was applied: {Rejected} of {Rejected + _accepted.Count} inputs were rejected, and the changes are all or nothing", target);
        }

        if (_transaction.IsEmpty)
        {
            return false;
        }

        try
        {
            cancellation.ThrowIfCancellationRequested();
            Session.Nft.Commit(_transaction, _generation);
            return true;
        }
        catch (Exception ex) when (ex is not HostAccelException)
        {
            throw Failures.From(ex, target);
        }
    }
}
