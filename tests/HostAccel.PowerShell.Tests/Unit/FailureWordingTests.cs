using HostAccel.Native;
using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine;
using Xunit;

namespace HostAccel.PowerShell.Tests.Unit;

/// <summary>
/// The exact words and advice of the failures <see cref="Failures"/> makes that FailureTests and
/// FailureClassificationTests leave out: a stopped call, a missing namespace, a changed ruleset, a comment nft cannot
/// keep, a table that is not HostAccel's.
/// </summary>
public sealed class FailureWordingTests
{
    [Fact]
    public void FromRefusesANullException()
    {
        Assert.Equal("exception", Assert.Throws<ArgumentNullException>(() => Failures.From(null!, "table ip antrea")).ParamName);
    }

    [Fact]
    public void AStoppedCallSaysNothingWasChanged()
    {
        var stop = new OperationCanceledException();
        HostAccelException failure = Failures.From(stop, "table ip antrea");
        Assert.Equal((ErrorIds.Stopped, FailureKind.OperationStopped, "table ip antrea"), (failure.ErrorId, failure.Kind, failure.TargetObject));
        Assert.Equal("stopped before the change was applied; nothing was changed", failure.Message);
        Assert.Same(stop, failure.InnerException);
    }

    [Fact]
    public void AMissingNamespaceIsNamedByTheKernelsMessage()
    {
        var native = new NetlinkException(Errno.ENOENT, "entering network namespace gone", reason: KernelReason.NamespaceNotFound);
        HostAccelException failure = Failures.From(native, "gone");
        Assert.Equal((ErrorIds.NetworkNamespaceNotFound, FailureKind.ObjectNotFound, "gone"), (failure.ErrorId, failure.Kind, failure.TargetObject));
        Assert.Equal($"the network namespace is not there: {native.Message}", failure.Message);
    }

    [Fact]
    public void AChangedRulesetSaysToRunAgainWithMoreAttempts()
    {
        var native = new NetlinkException(Errno.ERESTART, "committing the transaction");
        HostAccelException failure = Failures.From(native, "table ip antrea");
        Assert.Equal((ErrorIds.RulesetChanged, FailureKind.ResourceBusy), (failure.ErrorId, failure.Kind));
        Assert.Equal($"{native.Message}. Run the command again, or with a larger -MaxAttempts: it plans against the ruleset it reads.", failure.Message);
        Assert.Null(failure.RecommendedAction);

        var known = new NetlinkException(Errno.ERESTART, "committing the transaction", reason: KernelReason.RulesetChanged);
        Assert.Equal("Run the command again, or with a larger -MaxAttempts.", Failures.From(known, null).RecommendedAction);
    }

    [Theory]
    [InlineData(Errno.EEXIST)]
    [InlineData(Errno.ENOENT)]
    [InlineData(Errno.EINVAL)]
    [InlineData(Errno.EBUSY)]
    public void AnErrnoOtherThanAPermissionsKeepsTheKernelsMessageAndHasNoAdvice(Errno errno)
    {
        var native = new NetlinkException(errno, "adding table ip antrea");
        HostAccelException failure = Failures.From(native, "table ip antrea");
        Assert.Equal(native.Message, failure.Message);
        Assert.Null(failure.RecommendedAction);
    }

    [Fact]
    public void EaccesIsAPermissionRefusalWithTheGeneralAdvice()
    {
        var native = new NetlinkException(Errno.EACCES, "listing all tables");
        HostAccelException failure = Failures.From(native, null);
        Assert.Equal((ErrorIds.PermissionDenied, FailureKind.PermissionDenied), (failure.ErrorId, failure.Kind));
        Assert.Equal($"HostAccel requires root or CAP_NET_ADMIN: {native.Message}", failure.Message);
        Assert.Equal("Run pwsh as root, or grant it CAP_NET_ADMIN.", failure.RecommendedAction);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Rules for Antrea")]
    public void ACommentNftCanKeepPasses(string? comment)
    {
        Failures.CheckComment(comment, "TableComment");
        Failures.CheckComment(new string('x', 128), "TableComment");
        Failures.CheckComment(new string('é', 64), "TableComment");
    }

    [Theory]
    [InlineData(129, 'x', 129)]
    [InlineData(65, 'é', 130)]
    public void ACommentLongerThanNftKeepsIsRefusedWithItsBytes(int length, char c, int bytes)
    {
        string comment = new(c, length);
        HostAccelException failure = Assert.Throws<HostAccelException>(() => Failures.CheckComment(comment, "ChainComment"));
        Assert.Equal((ErrorIds.InvalidArgument, FailureKind.InvalidArgument, (object)comment), (failure.ErrorId, failure.Kind, failure.TargetObject));
        Assert.Equal($"ChainComment is {bytes} bytes; nft keeps comments of at most 128 bytes", failure.Message);
    }

    [Theory]
    [InlineData(null, "table ip antrea was not created by HostAccel (its comment is missing, not \"Rules for Antrea\"): it is left alone unless -Force is given")]
    [InlineData("theirs", "table ip antrea was not created by HostAccel (its comment is \"theirs\", not \"Rules for Antrea\"): it is left alone unless -Force is given")]
    public void ATableThatIsNotHostAccelsIsNamedWithItsComment(string? comment, string message)
    {
        var table = new NftTable(NftFamily.Ip, "antrea") { Comment = comment };
        HostAccelException failure = Failures.NotOwned(table);
        Assert.Equal((ErrorIds.TableNotOwned, FailureKind.InvalidOperation, message), (failure.ErrorId, failure.Kind, failure.Message));
        Assert.Equal(table.ToString(), failure.TargetObject);
    }

    [Fact]
    public void AStaleReadSaysTheRulesetChangedWithWhatTheReadMet()
    {
        var inner = new InvalidOperationException("chain ip antrea forward is gone");
        Assert.Equal("the ruleset changed while it was read: chain ip antrea forward is gone", new Engine.Planning.StaleReadException(inner).Message);
    }
}
