using HostAccel.Native.Tests.Support;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// Without CAP_NET_ADMIN: a thread drops the capability from its effective set (capabilities are per thread on
/// Linux, and netlink checks the credentials the socket was opened with), so the rest of the test process keeps
/// root while the engine meets the kernel's EPERM.
/// </summary>
public sealed class PrivilegeTests : EngineTest
{
    private const int CAP_NET_ADMIN = ThreadCapabilities.CAP_NET_ADMIN;
    private const int CAP_SYS_ADMIN = ThreadCapabilities.CAP_SYS_ADMIN;

    private static T WithoutNetAdmin<T>(Func<T> action) => Without(CAP_NET_ADMIN, action);

    private static T Without<T>(int capability, Func<T> action) => ThreadCapabilities.RunWithout(capability, action, effectiveOnly: true);

    [Fact]
    public void WithoutCapNetAdminEveryPathIsPermissionDeniedSayingWhatIsNeeded()
    {
        Ns.NftLoad("table ip antrea { comment \"Rules for Antrea\"; }");
        string before = Ruleset();
        HostAccelException reading = WithoutNetAdmin(() => Assert.Throws<HostAccelException>(() =>
        {
            using AccelSession session = AccelSession.Open(Ns.Name);
            Tables.Get(session, null, null, false);
        }));
        Assert.Equal((ErrorIds.PermissionDenied, FailureKind.PermissionDenied), (reading.ErrorId, reading.Kind));
        Assert.Contains("requires root or CAP_NET_ADMIN", reading.Message, StringComparison.Ordinal);

        HostAccelException changing = WithoutNetAdmin(() => Assert.Throws<HostAccelException>(() =>
        {
            using AccelSession session = AccelSession.Open(Ns.Name);
            new AddPeerPodCidrPlan(session);
        }));
        Assert.Equal(FailureKind.PermissionDenied, changing.Kind);

        // The desired-state paths: Sync-, Test- and Get-AccelConfiguration.
        var prepared = Engine.Configuration.ConfigurationReader.Read(new System.Collections.Hashtable { ["Family"] = "ip", ["Traffic"] = "None", ["PeerPodCidr"] = "10.1.0.0/16" }, "test");
        foreach (Action<AccelSession> desiredState in new Action<AccelSession>[]
        {
            session => Engine.Configuration.Synchronizer.Sync(session, prepared, new Engine.Configuration.SyncOptions(), CancellationToken.None),
            session => Engine.Configuration.Synchronizer.Test(session, prepared, force: false),
            session => Engine.Configuration.ConfigurationExport.Read(session, "antrea", includeForeign: false),
        })
        {
            HostAccelException denied = WithoutNetAdmin(() => Assert.Throws<HostAccelException>(() =>
            {
                using AccelSession session = AccelSession.Open(Ns.Name);
                desiredState(session);
            }));
            Assert.Equal((ErrorIds.PermissionDenied, FailureKind.PermissionDenied), (denied.ErrorId, denied.Kind));
            Assert.Contains("requires root or CAP_NET_ADMIN", denied.Message, StringComparison.Ordinal);
        }

        Model.HostAccelSupport support = WithoutNetAdmin(() => Engine.Support.Test(Ns.Name));
        Assert.False(support.Supported);
        Assert.False(support.Privileged);
        Assert.Contains("requires root or CAP_NET_ADMIN", support.Verdict, StringComparison.Ordinal);
        Assert.Equal(before, Ruleset());
    }

    /// <summary>
    /// Entering another network namespace (setns) needs CAP_SYS_ADMIN, not CAP_NET_ADMIN: a caller that has the
    /// one and lacks the other must be told which, not the usual "requires root or CAP_NET_ADMIN".
    /// </summary>
    [Fact]
    public void WithoutCapSysAdminANamedNamespaceIsPermissionDeniedNamingThatCapability()
    {
        HostAccelException denied = Without(CAP_SYS_ADMIN, () => Assert.Throws<HostAccelException>(() =>
        {
            using AccelSession session = AccelSession.Open(Ns.Name);
            Tables.Get(session, null, null, false);
        }));
        Assert.Equal((ErrorIds.PermissionDenied, FailureKind.PermissionDenied), (denied.ErrorId, denied.Kind));
        Assert.Contains($"network namespace '{Ns.Name}'", denied.Message, StringComparison.Ordinal);
        Assert.Contains("requires CAP_SYS_ADMIN", denied.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("CAP_NET_ADMIN", denied.Message, StringComparison.Ordinal);
    }
}
