using HostAccel.Native;
using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Engine.Planning;
using HostAccel.PowerShell.Model;
using Xunit;

namespace HostAccel.PowerShell.Tests.Unit;

/// <summary>
/// What <see cref="Failures.From"/> makes of the failures FailureTests leaves out: one of its own, a stale read, an
/// errno it has no category for, a failure that is not the kernel's, and the advice of each privilege reason.
/// </summary>
public sealed class FailureClassificationTests
{
    [Fact]
    public void AFailureOfHostAccelsOwnIsPassedOnAsItIs()
    {
        var own = new HostAccelException(ErrorIds.SetNotFound, FailureKind.ObjectNotFound, "no set", "set ip antrea x");
        Assert.Same(own, Failures.From(own, "table ip antrea"));
    }

    [Fact]
    public void AStaleReadIsClassifiedByWhatTheReadMet()
    {
        var inner = new NetlinkException(Errno.ENOENT, "listing rules of chain ip antrea forward");
        HostAccelException failure = Failures.From(new StaleReadException(inner), "table antrea");
        Assert.Equal((ErrorIds.ObjectNotFound, FailureKind.ObjectNotFound, "table antrea"), (failure.ErrorId, failure.Kind, failure.TargetObject));
        Assert.Same(inner, failure.InnerException);
        Assert.Equal(inner.Message, failure.Message);
    }

    [Fact]
    public void AFailureThatIsNotTheKernelsIsAKernelErrorWithItsOwnMessage()
    {
        var other = new InvalidOperationException("the socket is closed");
        HostAccelException failure = Failures.From(other, "table ip antrea");
        Assert.Equal((ErrorIds.KernelError, FailureKind.NotSpecified, "table ip antrea", "the socket is closed"), (failure.ErrorId, failure.Kind, failure.TargetObject, failure.Message));
        Assert.Same(other, failure.InnerException);
        Assert.Null(failure.RecommendedAction);
    }

    [Fact]
    public void AnErrnoWithoutACategoryIsAKernelErrorWithoutAdvice()
    {
        var native = new NetlinkException(Errno.EIO, "adding table ip antrea");
        HostAccelException failure = Failures.From(native, "table ip antrea");
        Assert.Equal((ErrorIds.KernelError, FailureKind.NotSpecified, Errno.EIO), (failure.ErrorId, failure.Kind, failure.Errno));
        Assert.Equal(native.Message, failure.Message);
        Assert.Null(failure.RecommendedAction);
    }

    [Theory]
    [InlineData(KernelReason.NetAdminRequired, "Run pwsh as root, or grant it CAP_NET_ADMIN (setpriv, systemd AmbientCapabilities).")]
    [InlineData(KernelReason.SysAdminRequired, "Entering a named network namespace needs CAP_SYS_ADMIN as well: run as root.")]
    [InlineData(KernelReason.None, "Run pwsh as root, or grant it CAP_NET_ADMIN.")]
    public void EachPrivilegeReasonComesWithItsAdvice(KernelReason reason, string advice)
    {
        var native = new NetlinkException(Errno.EPERM, "listing all tables", reason: reason);
        HostAccelException failure = Failures.From(native, null);
        Assert.Equal((ErrorIds.PermissionDenied, FailureKind.PermissionDenied, advice), (failure.ErrorId, failure.Kind, failure.RecommendedAction));

        // The reason's own text says what is missing; without one, the general sentence leads.
        Assert.Equal(reason == KernelReason.None ? $"HostAccel requires root or CAP_NET_ADMIN: {native.Message}" : native.Message, failure.Message);
    }

    [Fact]
    public void OnlyTheAddressFamiliesHostAccelManagesHaveAModelFamily()
    {
        Assert.Equal((AccelFamily.Ip, AccelFamily.Ip6, AccelFamily.Inet), (NftFamily.Ip.ToModel(), NftFamily.Ip6.ToModel(), NftFamily.Inet.ToModel()));
        ArgumentOutOfRangeException bridge = Assert.Throws<ArgumentOutOfRangeException>(() => NftFamily.Bridge.ToModel());
        Assert.Equal("family", bridge.ParamName);
        Assert.StartsWith("HostAccel does not manage bridge tables", bridge.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ADifferenceIsShownAsItsObject()
    {
        var difference = new Difference(AccelFamily.Ip, AccelDriftKind.Extra, "chain ip antrea extra", "not part of the desired state");
        Assert.Equal("chain ip antrea extra", difference.ToString());
        Assert.Equal("chain ip antrea extra", $"{difference}");
    }
}
