using System.Management.Automation;
using HostAccel.PowerShell.Engine;

namespace HostAccel.PowerShell.Commands;

/// <summary>
/// What every HostAccel cmdlet shares: -NetworkNamespace, one engine session per namespace for the whole
/// invocation, Ctrl+C (StopProcessing) as a CancellationToken, and the one place where engine failures become
/// ErrorRecords (<see cref="Try"/>). PowerShell's own exceptions — a stopped pipeline (Select-Object -First), an
/// -ErrorAction Stop — are never caught here: they end the pipeline as PowerShell means them to.
/// </summary>
public abstract class HostAccelCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<string, AccelSession> _sessions = new(StringComparer.Ordinal);

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

        if (!Try(() => session = AccelSession.Open(NetworkNamespace), NetworkNamespace))
        {
            return null;
        }

        _sessions[key] = session!;
        return session;
    }

    /// <summary>
    /// Runs a step and reports its failure as an ErrorRecord against <paramref name="target"/>, or the object the
    /// failure names (the CIDR the kernel refused): the one catch boundary of the module. Returns whether it ran.
    /// </summary>
    internal bool Try(Action step, object? target)
    {
        ArgumentNullException.ThrowIfNull(step);
        try
        {
            step();
            return true;
        }
        catch (Exception ex) when (IsFailure(ex))
        {
            WriteFailure(ex, target);
            return false;
        }
    }

    /// <summary>Anything but PowerShell's own flow control (PipelineStoppedException, ActionPreferenceStopException, …).</summary>
    internal static bool IsFailure(Exception exception) => exception is not (RuntimeException or FlowControlException);

    /// <summary>Whether the caller gave the parameter (on the command line or from the pipeline): a name given must exist.</summary>
    internal bool IsBound(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter);

    /// <summary>
    /// Runs a read in this invocation's session and writes each object as soon as it is read. Only the read is
    /// guarded: a pipeline stopped downstream (Select-Object -First 1) ends this cmdlet as it should.
    /// </summary>
    internal void WriteQuery<T>(Func<AccelSession, IEnumerable<T>> query, object? target)
    {
        if (Session() is not AccelSession session)
        {
            return;
        }

        IEnumerator<T>? items = null;
        if (!Try(() => items = query(session).GetEnumerator(), target))
        {
            return;
        }

        using (items)
        {
            bool more = false;
            while (Try(() => more = items!.MoveNext(), target) && more)
            {
                WriteObject(items!.Current);
            }
        }
    }

    /// <summary>Writes an engine failure as an ErrorRecord (id, category, offending value, recommended action).</summary>
    internal void WriteFailure(Exception exception, object? target = null) =>
        WriteError(ToErrorRecord(Failures.From(exception, target)));

    internal static ErrorRecord ToErrorRecord(HostAccelException failure)
    {
        var record = new ErrorRecord(failure, failure.ErrorId, Category(failure.Kind), failure.TargetObject);
        if (failure.RecommendedAction is string advice)
        {
            record.ErrorDetails = new ErrorDetails(failure.Message) { RecommendedAction = advice };
        }

        return record;
    }

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
        FailureKind.ReadError => ErrorCategory.ReadError,
        _ => ErrorCategory.NotSpecified,
    };
}
