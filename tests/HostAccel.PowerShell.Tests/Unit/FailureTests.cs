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

    /// <summary>
    /// nf_tables names are case-sensitive bytes: exact (ordinal) without wildcards, PowerShell's WildcardPattern with
    /// them — each row's answer is what [WildcardPattern]::new(pattern, 'None').IsMatch(value) gives in pwsh 7.
    /// </summary>
    [Theory]
    [InlineData("antrea", "antrea", true)]
    [InlineData("antrea", "Antrea", false)]
    [InlineData("ANTREA", "antrea", false)]
    [InlineData("antrea", "ant*", true)]
    [InlineData("ANTREA", "ant*", false)]
    [InlineData("antrea", "a?trea", true)]
    [InlineData("antrea", "[ab]ntrea", true)]
    [InlineData("Antrea", "[ab]ntrea", false)]
    [InlineData("antrea", "[a-c]ntrea", true)]
    [InlineData("antrea", "filter", false)]
    [InlineData("antrea", "an", false)]
    [InlineData("antrea", "antre.", false)]
    [InlineData("a.b", "a.b", true)]
    [InlineData("axb", "a.b", false)]
    [InlineData("a*", "a`*", true)]
    [InlineData("ab", "a`*", false)]
    [InlineData("]", "[]]", true)]
    [InlineData("-", "[a-]", true)]
    [InlineData("b", "[a`-c]", false)]
    [InlineData("", "*", true)]
    [InlineData("", "?", false)]
    [InlineData("aXXb", "a*b", true)]
    [InlineData("a]", "a]", true)]
    public void NameFiltersAreExactOrPowerShellWildcardsCaseSensitive(string value, string pattern, bool matches) =>
        Assert.Equal(matches, Glob.IsMatch(value, pattern));

    [Theory]
    [InlineData("[")]
    [InlineData("[]")]
    [InlineData("ab[")]
    [InlineData("[c-a]")]
    public void AnInvalidWildcardPatternIsInvalidArgumentWithWildcardPatternsOwnWords(string pattern)
    {
        HostAccelException failure = Assert.Throws<HostAccelException>(() => Glob.IsMatch("antrea", pattern));
        Assert.Equal((ErrorIds.InvalidArgument, FailureKind.InvalidArgument, (object?)pattern), (failure.ErrorId, failure.Kind, failure.TargetObject));
        Assert.Equal($"The specified wildcard character pattern is not valid: {pattern}", failure.Message);
    }

    /// <summary>The regex it replaced timed out after 1 s on this and called it a kernel error; the matcher is linear per '*'.</summary>
    [Fact]
    public void ABacktrackingPatternIsAnsweredAtOnce()
    {
        string name = new('a', 255);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(Glob.IsMatch(name, string.Concat(Enumerable.Repeat("*a", 30)) + "*b"));
        Assert.True(watch.Elapsed < TimeSpan.FromMilliseconds(200), $"{watch.Elapsed}");
    }
}
