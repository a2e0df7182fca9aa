using System.Text;
using HostAccel.Native;
using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;

namespace HostAccel.PowerShell.Engine;

/// <summary>
/// The categories a failure falls in, named as PowerShell's ErrorCategory members they map to one-to-one, so the
/// engine needs no PowerShell type.
/// </summary>
internal enum FailureKind
{
    NotSpecified,
    InvalidArgument,
    ObjectNotFound,
    ResourceExists,
    PermissionDenied,
    NotImplemented,
    InvalidOperation,
    ResourceBusy,
    OperationStopped,
    ReadError,
}

/// <summary>Error ids: one constant per failure a caller may want to catch, spelled as its own name.</summary>
internal static class ErrorIds
{
    public const string InvalidCidr = nameof(InvalidCidr);
    public const string HostBitsSet = nameof(HostBitsSet);
    public const string WrongFamily = nameof(WrongFamily);
    public const string OverlappingCidr = nameof(OverlappingCidr);
    public const string CidrNotFound = nameof(CidrNotFound);
    public const string UnknownInterface = nameof(UnknownInterface);
    public const string TableNotFound = nameof(TableNotFound);
    public const string TableExists = nameof(TableExists);
    public const string TableNotOwned = nameof(TableNotOwned);
    public const string SetNotFound = nameof(SetNotFound);
    public const string SetMismatch = nameof(SetMismatch);
    public const string FastpathNotFound = nameof(FastpathNotFound);
    public const string FastpathConflict = nameof(FastpathConflict);
    public const string FlowtableNotSupported = nameof(FlowtableNotSupported);
    public const string HardwareOffloadNotSupported = nameof(HardwareOffloadNotSupported);
    public const string PermissionDenied = nameof(PermissionDenied);
    public const string NetworkNamespaceNotFound = nameof(NetworkNamespaceNotFound);
    public const string RulesetChanged = nameof(RulesetChanged);
    public const string ObjectExists = nameof(ObjectExists);
    public const string ObjectNotFound = nameof(ObjectNotFound);
    public const string InvalidArgument = nameof(InvalidArgument);
    public const string NotSupported = nameof(NotSupported);
    public const string ObjectInUse = nameof(ObjectInUse);
    public const string ConntrackUnavailable = nameof(ConntrackUnavailable);
    public const string KernelError = nameof(KernelError);
    public const string NothingApplied = nameof(NothingApplied);
    public const string InvalidConfiguration = nameof(InvalidConfiguration);
    public const string StateNotExpressible = nameof(StateNotExpressible);
    public const string Stopped = nameof(Stopped);
    public const string TrafficControlNotSupported = nameof(TrafficControlNotSupported);
    public const string TrafficNotCarried = nameof(TrafficNotCarried);
    public const string NotRedirectable = nameof(NotRedirectable);
}

/// <summary>A failure the cmdlets report as an ErrorRecord: an id, a category and the value at fault.</summary>
internal sealed class HostAccelException : Exception
{
    public HostAccelException(string errorId, FailureKind kind, string message, object? targetObject, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        TargetObject = targetObject;
    }

    public string ErrorId { get; }

    public FailureKind Kind { get; }

    /// <summary>What the user can do about it, for ErrorDetails.RecommendedAction; null when the message says all.</summary>
    public string? RecommendedAction { get; init; }

    public object? TargetObject { get; }

    /// <summary>The kernel's or C library's errno behind the failure, when there is one.</summary>
    public Errno Errno => InnerException is ErrnoException e ? e.Errno : Errno.None;
}

internal static class Failures
{
    public const string PrivilegeMessage = "requires root or CAP_NET_ADMIN";

    /// <summary>
    /// Classifies anything the native layer throws, by type, errno and the native layer's typed reason — never by its
    /// words. The errno decides the category (EEXIST ResourceExists, ENOENT ObjectNotFound, EPERM PermissionDenied,
    /// EINVAL InvalidArgument, EOPNOTSUPP NotImplemented); a missing flowtable type, which the kernel also reports as
    /// ENOENT, is the reason <see cref="KernelReason.FlowtableUnsupported"/>. A transaction's error names the subject
    /// of the change the kernel refused (the CIDR, the table); <paramref name="target"/> is what it is reported
    /// against otherwise.
    /// </summary>
    public static HostAccelException From(Exception exception, object? target)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception is NetlinkException { Subject: object subject })
        {
            target = subject;
        }

        switch (exception)
        {
            case HostAccelException known:
                return known;
            case OperationCanceledException:
                return new HostAccelException(ErrorIds.Stopped, FailureKind.OperationStopped, "stopped before the change was applied; nothing was changed", target, exception);
            case Planning.StaleReadException { InnerException: Exception inner }:
                return From(inner, target);
            case ErrnoException { Reason: KernelReason.FlowtableUnsupported } n:
                return new HostAccelException(ErrorIds.FlowtableNotSupported, FailureKind.NotImplemented,
                    $"{n.Message}. Nothing was changed. Test-HostAccelSupport shows what the kernel lacks.", target, exception);
            case ErrnoException { Reason: KernelReason.HardwareOffloadUnsupported } n:
                return new HostAccelException(ErrorIds.HardwareOffloadNotSupported, FailureKind.NotImplemented, $"{n.Message}. Nothing was changed.", target, exception);
            case ErrnoException { Reason: KernelReason.NamespaceNotFound } s:
                return new HostAccelException(ErrorIds.NetworkNamespaceNotFound, FailureKind.ObjectNotFound,
                    $"the network namespace is not there: {s.Message}", target, exception);
            case ErrnoException e:
                return FromErrno(e, target);
            case ArgumentException a:
                return new HostAccelException(ErrorIds.InvalidArgument, FailureKind.InvalidArgument, a.Message, target, exception);
            default:
                return new HostAccelException(ErrorIds.KernelError, FailureKind.NotSpecified, exception.Message, target, exception);
        }
    }

    private static string? Advice(ErrnoException e) => e.Reason switch
    {
        KernelReason.NetAdminRequired => "Run pwsh as root, or grant it CAP_NET_ADMIN (setpriv, systemd AmbientCapabilities).",
        KernelReason.SysAdminRequired => "Entering a named network namespace needs CAP_SYS_ADMIN as well: run as root.",
        KernelReason.RulesetChanged => "Run the command again, or with a larger -MaxAttempts.",
        _ => e.Errno is Errno.EPERM or Errno.EACCES ? "Run pwsh as root, or grant it CAP_NET_ADMIN." : null,
    };

    private static HostAccelException FromErrno(ErrnoException e, object? target)
    {
        (string id, FailureKind kind) = e.Errno switch
        {
            Errno.EPERM or Errno.EACCES => (ErrorIds.PermissionDenied, FailureKind.PermissionDenied),
            Errno.EEXIST => (ErrorIds.ObjectExists, FailureKind.ResourceExists),
            Errno.ENOENT => (ErrorIds.ObjectNotFound, FailureKind.ObjectNotFound),
            Errno.EINVAL or Errno.ERANGE or Errno.E2BIG or Errno.ENAMETOOLONG => (ErrorIds.InvalidArgument, FailureKind.InvalidArgument),
            Errno.EOPNOTSUPP or Errno.EPROTONOSUPPORT or Errno.EAFNOSUPPORT => (ErrorIds.NotSupported, FailureKind.NotImplemented),
            Errno.EBUSY or Errno.ENOTEMPTY => (ErrorIds.ObjectInUse, FailureKind.ResourceBusy),
            Errno.ERESTART => (ErrorIds.RulesetChanged, FailureKind.ResourceBusy),
            _ => (ErrorIds.KernelError, FailureKind.NotSpecified),
        };
        // The native layer's reason names what was missing where it knows (CAP_NET_ADMIN for nf_tables, CAP_SYS_ADMIN to
        // enter a namespace); any other refusal gets the general one.
        string message = kind == FailureKind.PermissionDenied && e.Reason == KernelReason.None
            ? $"HostAccel {PrivilegeMessage}: {e.Message}"
            : e.Message;
        if (e.Errno == Errno.ERESTART)
        {
            message += ". Run the command again, or with a larger -MaxAttempts: it plans against the ruleset it reads.";
        }

        return new HostAccelException(id, kind, message, target, e) { RecommendedAction = Advice(e) };
    }

    /// <summary>
    /// Refuses a comment longer than nft keeps (128 bytes of UTF-8, libnftnl's NFTNL_UDATA_COMMENT_MAXLEN) before
    /// anything is sent. The kernel itself stores up to 256 bytes of userdata, so without this check a longer table,
    /// chain or set comment would be committed and the ruleset could no longer be loaded back with nft -f.
    /// </summary>
    public static void CheckComment(string? comment, string parameter)
    {
        int bytes = comment is null ? 0 : Encoding.UTF8.GetByteCount(comment);
        if (bytes > UserData.MaxCommentLength)
        {
            throw new HostAccelException(ErrorIds.InvalidArgument, FailureKind.InvalidArgument,
                $"{parameter} is {bytes} bytes; nft keeps comments of at most {UserData.MaxCommentLength} bytes", comment);
        }
    }

    public static HostAccelException TableNotFound(NftFamily family, string table, object? target = null) =>
        new(ErrorIds.TableNotFound, FailureKind.ObjectNotFound,
            $"there is no table {family.ToNftName()} {table}: create it with New-AccelTable or Enable-Fastpath", target ?? $"table {family.ToNftName()} {table}");

    public static HostAccelException NotOwned(Native.Nftables.Objects.NftTable table) =>
        new(ErrorIds.TableNotOwned, FailureKind.InvalidOperation,
            $"table {table.Family.ToNftName()} {table.Name} was not created by HostAccel (its comment is {(table.Comment is null ? "missing" : $"\"{table.Comment}\"")}, " +
            $"not \"{Design.TableComment}\"): it is left alone unless -Force is given", table.ToString());
}
