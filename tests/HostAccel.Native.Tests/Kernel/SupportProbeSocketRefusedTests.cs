using HostAccel.Native.Interop;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>
/// The nf_tables probe where the kernel refuses a netlink netfilter socket, as one built without
/// CONFIG_NETFILTER_NETLINK does (EPROTONOSUPPORT, or EAFNOSUPPORT without netlink at all): made so on one thread by a
/// seccomp filter (<see cref="SyscallRefusal"/>). The report says so; any other refusal is not the probe's to explain.
/// </summary>
public sealed class SupportProbeSocketRefusedTests : NamespaceTest
{
    private const int NETLINK_NETFILTER = 12;

    [Theory]
    [InlineData(Errno.EPROTONOSUPPORT)]
    [InlineData(Errno.EAFNOSUPPORT)]
    public void WithoutNetlinkNetfilterSocketsTheReportSaysSoAndNothingIsSupported(Errno errno)
    {
        KernelSupportReport report = RefusingSockets(errno, () => KernelSupport.Probe(Ns.Name));

        Assert.True(report.Privileged);
        Assert.False(report.NfTables);
        Assert.False(report.Flowtable);
        Assert.False(report.FlowtableCounter);
        Assert.False(report.Supported);
        string expected = "netlink netfilter sockets are not available: " + new SystemCallException("socket", errno, $"AF_NETLINK protocol {NETLINK_NETFILTER}").Message;
        Assert.Equal([expected], report.Reasons);
    }

    [Fact]
    public void AnyOtherRefusalOfTheSocketIsThrown()
    {
        SystemCallException error = Assert.Throws<SystemCallException>(() => RefusingSockets(Errno.EMFILE, () => KernelSupport.Probe(Ns.Name)));
        Assert.Equal(("socket", Errno.EMFILE), (error.Call, error.Errno));
    }

    private static T RefusingSockets<T>(Errno errno, Func<T> action) =>
        SyscallRefusal.Run(SyscallRefusal.Call.Socket, (int)errno, [(0, SyscallRefusal.AF_NETLINK), (2, NETLINK_NETFILTER)], action);
}
