using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.PowerShell.Engine;
using Xunit;

namespace HostAccel.PowerShell.Tests.Unit;

public sealed class FailureTests
{
    [Theory]
    [InlineData(Errno.EEXIST, "ObjectExists", "ResourceExists")]
    [InlineData(Errno.ENOENT, "ObjectNotFound", "ObjectNotFound")]
    [InlineData(Errno.EPERM, "PermissionDenied", "PermissionDenied")]
    [InlineData(Errno.EINVAL, "InvalidArgument", "InvalidArgument")]
    [InlineData(Errno.EOPNOTSUPP, "NotSupported", "NotImplemented")]
    [InlineData(Errno.EBUSY, "ObjectInUse", "ResourceBusy")]
    [InlineData(Errno.ERESTART, "RulesetChanged", "ResourceBusy")]
    public void KernelErrnosMapToTheirCategory(Errno errno, string id, string category)
    {
        FailureKind kind = Enum.Parse<FailureKind>(category);
        HostAccelException failure = Failures.From(new NetlinkException(errno, "adding table ip antrea"), "table ip antrea");
        Assert.Equal((id, kind, errno), (failure.ErrorId, failure.Kind, failure.Errno));
        Assert.Equal("table ip antrea", failure.TargetObject);
        Assert.Contains("adding table ip antrea", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PermissionDeniedSaysWhatIsNeeded()
    {
        HostAccelException failure = Failures.From(new NetlinkException(Errno.EPERM, "listing all tables"), null);
        Assert.Contains("requires root or CAP_NET_ADMIN", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFlowtableTheKernelCannotBuildIsNotImplemented()
    {
        var native = new NetlinkException(Errno.ENOENT, "adding flowtable ip antrea fastpath", reason: Native.KernelReason.FlowtableUnsupported);
        HostAccelException failure = Failures.From(native, "table ip antrea");
        Assert.Equal((ErrorIds.FlowtableNotSupported, FailureKind.NotImplemented), (failure.ErrorId, failure.Kind));
        Assert.Contains("CONFIG_NF_FLOW_TABLE", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("antrea", "antrea", true)]
    [InlineData("antrea", "Antrea", true)]
    [InlineData("antrea", "ant*", true)]
    [InlineData("antrea", "a?trea", true)]
    [InlineData("antrea", "[ab]ntrea", true)]
    [InlineData("antrea", "filter", false)]
    [InlineData("antrea", "an", false)]
    public void NameFiltersUsePowerShellWildcards(string value, string pattern, bool matches) =>
        Assert.Equal(matches, Glob.IsMatch(value, pattern));
}
