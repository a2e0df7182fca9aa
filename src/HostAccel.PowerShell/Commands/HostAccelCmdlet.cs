using System.Management.Automation;
using HostAccel.PowerShell.Engine;

namespace HostAccel.PowerShell.Commands;

/// <summary>
/// What every HostAccel cmdlet shares: -NetworkNamespace, one engine session per namespace for the whole
/// invocation, Ctrl+C (StopProcessing) as a CancellationToken, and the translation of engine failures into
/// ErrorRecords. Change cmdlets queue their items into a plan per namespace and commit in EndProcessing.
/// </summary>
public abstract class HostAccelCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<string, AccelSession> _sessions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, object> _plans = new(StringComparer.Ordinal);
    private readonly List<object> _whatIfResults = [];
    private int _rejections;

    /// <summary>A named network namespace (ip netns); the caller's own when omitted.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(NetworkNamespaceCompleter))]
    public string? NetworkNamespace { get; set; }

    protected CancellationToken Cancellation => _stopping.Token;

    protected override void StopProcessing() => _stopping.Cancel();

    public void Dispose()
    {
        foreach (AccelSession session in _sessions.Values)
        {
            session.Dispose();
        }

        _sessions.Clear();
        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The session of the namespace bound to this record, or null after writing the error.</summary>
    internal AccelSession? Session()
    {
        string key = NetworkNamespace ?? "";
        if (_sessions.TryGetValue(key, out AccelSession? session))
        {
            return session;
        }

        try
        {
            session = AccelSession.Open(NetworkNamespace);
        }
        catch (Exception ex)
        {
            WriteFailure(ex, NetworkNamespace);
            return null;
        }

        _sessions[key] = session;
        return session;
    }

    /// <summary>The plan of the namespace bound to this record, created on first use; null after writing the error.</summary>
    internal TPlan? Plan<TPlan>(Func<AccelSession, TPlan> create)
        where TPlan : class
    {
        string key = NetworkNamespace ?? "";
        if (_plans.TryGetValue(key, out object? plan))
        {
            return (TPlan)plan;
        }

        AccelSession? session = Session();
        if (session is null)
        {
            _rejections++;
            return null;
        }

        try
        {
            TPlan created = create(session);
            _plans[key] = created;
            return created;
        }
        catch (Exception ex)
        {
            _rejections++;
            WriteFailure(ex, NetworkNamespace);
            return null;
        }
    }

    /// <summary>Runs a read in this invocation's session and writes what it returns, or the failure against <paramref name="target"/>.</summary>
    internal void WriteQuery<T>(Func<AccelSession, IEnumerable<T>> query, object? target)
    {
        AccelSession? session = Session();
        if (session is null)
        {
            return;
        }

        try
        {
            WriteObject(query(session), enumerateCollection: true);
        }
        catch (Exception ex)
        {
            WriteFailure(ex, target);
        }
    }

    /// <summary>Writes an engine failure as an ErrorRecord (id, category, offending value).</summary>
    internal void WriteFailure(Exception exception, object? target = null) =>
        WriteError(ToErrorRecord(Failures.From(exception, target)));

    /// <summary>An input failed its checks: its error now, and no commit at the end (all or nothing).</summary>
    internal void Reject<T>(ChangePlan<T>? plan, Exception exception, object? target)
    {
        _rejections++;
        plan?.Reject();
        WriteFailure(exception, target);
    }

    /// <summary>
    /// Asks ShouldProcess once for the change, showing its nft statements (-WhatIf prints them), and queues it. A
    /// change with nothing to do is queued without asking, so -PassThru still returns its object.
    /// </summary>
    internal void Offer<T>(ChangePlan<T> plan, PlannedChange<T> change)
        where T : class
    {
        if (change.IsEmpty)
        {
            WriteVerbose(change.Description);
            plan.Accept(change);
        }
        else if (ShouldProcess(change.Description, $"{change.Action} on {change.Target}?{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", change.Statements)}", change.Action))
        {
            plan.Accept(change);
        }
        else if (IsWhatIf)
        {
            _whatIfResults.Add(change.Result);
        }
    }

    /// <summary>
    /// Commits every namespace's plan, each as one transaction, unless an input was rejected; then writes the
    /// objects (-PassThru), re-read through <paramref name="refresh"/> when given, so they carry kernel handles.
    /// </summary>
    internal void CommitPlans<T>(bool passThru, Func<AccelSession, IReadOnlyList<T>, IEnumerable<T>>? refresh = null)
        where T : class
    {
        if (_rejections > 0)
        {
            // Said only when good inputs are held back with the bad: when every input failed, its own error is all.
            int withheld = _plans.Values.Cast<ChangePlan<T>>().Sum(p => p.Accepted.Count);
            if (withheld > 0)
            {
                WriteError(ToErrorRecord(new HostAccelException(ErrorIds.NothingApplied, FailureKind.InvalidOperation,
                    $"nothing was applied: {_rejections} input{(_rejections == 1 ? " was" : "s were")} rejected, so the {withheld} accepted change{(withheld == 1 ? " was" : "s were")} not committed either: the changes of one call are all or nothing", null)));
            }

            return;
        }

        foreach (ChangePlan<T> plan in _plans.Values.Cast<ChangePlan<T>>())
        {
            try
            {
                plan.Commit(Cancellation, plan.Session.NetworkNamespace);
            }
            catch (Exception ex)
            {
                WriteFailure(ex, plan.Session.NetworkNamespace);
                continue;
            }

            if (passThru)
            {
                IEnumerable<T> results = plan.Accepted;
                if (refresh is not null && plan.Accepted.Count > 0)
                {
                    try
                    {
                        results = refresh(plan.Session, plan.Accepted);
                    }
                    catch (Exception ex)
                    {
                        WriteFailure(ex, plan.Session.NetworkNamespace);
                        continue;
                    }
                }

                foreach (T result in results)
                {
                    WriteObject(result);
                }
            }
        }

        if (passThru)
        {
            foreach (object result in _whatIfResults)
            {
                WriteObject(result);
            }
        }
    }

    private bool IsWhatIf =>
        MyInvocation.BoundParameters.TryGetValue("WhatIf", out object? whatIf)
            ? whatIf is SwitchParameter { IsPresent: true } || whatIf is true
            : LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference", false));

    internal static ErrorRecord ToErrorRecord(HostAccelException failure) =>
        new(failure, failure.ErrorId, Category(failure.Kind), failure.TargetObject);

    internal static ErrorCategory Category(FailureKind kind) => kind switch
    {
        FailureKind.InvalidArgument => ErrorCategory.InvalidArgument,
        FailureKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
        FailureKind.ResourceExists => ErrorCategory.ResourceExists,
        FailureKind.PermissionDenied => ErrorCategory.PermissionDenied,
        FailureKind.NotImplemented => ErrorCategory.NotImplemented,
        FailureKind.InvalidOperation => ErrorCategory.InvalidOperation,
        FailureKind.ResourceBusy => ErrorCategory.ResourceBusy,
        FailureKind.OperationStopped => ErrorCategory.OperationStopped,
        _ => ErrorCategory.NotSpecified,
    };
}
