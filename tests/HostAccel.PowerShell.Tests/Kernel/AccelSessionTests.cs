using System.Net;
using HostAccel.Native.Conntrack;
using HostAccel.Native.Interop;
using HostAccel.Native.Nftables;
using HostAccel.Native.Tests.Support;
using HostAccel.PowerShell.Engine;
using Engine = HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// The engine's session on its namespace beyond nf_tables: its rtnetlink connection, failures met while visiting
/// tables, the conntrack table read or the reason it cannot be, and the warning about conntrack accounting.
/// </summary>
public sealed class AccelSessionTests : EngineTest
{
    private static string Target(NftFamily family) => $"table {family.ToNftName()} antrea";

    [Fact]
    public void TheTrafficControlConnectionIsOpenedOnceInTheSessionsNamespace()
    {
        Native.TrafficControl.TcConnection tc = Session.Tc;
        Assert.Same(tc, Session.Tc);
        Assert.Equal(["antrea-gw0", "eth0", "eth0-peer", "gw-peer", "lo"], tc.ListLinks().Select(l => l.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AVisitorsFailureIsReportedAgainstItsFamilysTargetAndOneOfHostAccelsOwnAsItIs()
    {
        NftLoadOwned("table ip antrea { comment \"Rules for Antrea\"; }");
        HostAccelException failure = Assert.Throws<HostAccelException>(() =>
            Session.ForEachTable(null, "antrea", Target, (_, _, _) => throw new ArgumentException("the visitor's own words")));
        Assert.Equal((ErrorIds.InvalidArgument, FailureKind.InvalidArgument, "table ip antrea", "the visitor's own words"), (failure.ErrorId, failure.Kind, failure.TargetObject, failure.Message));

        var own = new HostAccelException(ErrorIds.SetNotFound, FailureKind.ObjectNotFound, "no set", "set ip antrea x");
        Assert.Same(own, Assert.Throws<HostAccelException>(() => Session.ForEachTable(null, "antrea", Target, (_, _, _) => throw own)));
    }

    [Fact]
    public void AReadThatFailsIsReportedAgainstTheFamilysTarget()
    {
        AccelSession closed = AccelSession.Open(Ns.Name);
        closed.Dispose();
        HostAccelException failure = Assert.Throws<HostAccelException>(() => closed.Tables([Model.AccelFamily.Ip6], "antrea", named: false, Target));
        Assert.Equal((ErrorIds.KernelError, FailureKind.NotSpecified, "table ip6 antrea"), (failure.ErrorId, failure.Kind, failure.TargetObject));
        Assert.IsType<ObjectDisposedException>(failure.InnerException);
        Assert.Equal(failure.InnerException.Message, failure.Message);
    }

    [Fact]
    public void TheConntrackTableIsReadInTheSessionsNamespace()
    {
        Ns.Exec("conntrack", "-I", "-p", "tcp", "-s", "10.244.2.2", "-d", "10.244.0.2", "--sport", "40000", "--dport", "80",
            "--state", "ESTABLISHED", "-t", "120", "-u", "ASSURED");
        IReadOnlyList<ConntrackFlow>? flows = Session.TryListFlows(NftFamily.Ip, out string? reason);
        Assert.Null(reason);
        ConntrackFlow flow = Assert.Single(flows!);
        Assert.Equal((IPAddress.Parse("10.244.2.2"), IPAddress.Parse("10.244.0.2"), (ushort)40000, (ushort)80),
            (flow.Original.Source, flow.Original.Destination, flow.Original.SourcePort, flow.Original.DestinationPort));
        Assert.Empty(Session.TryListFlows(NftFamily.Ip6, out reason)!);
        Assert.Null(reason);
    }

    [Fact]
    public void AConntrackTableThatCannotBeReadIsNullWithTheReason()
    {
        Shell.Run("ip", "netns", "del", Ns.Name);
        Assert.Null(Session.TryListFlows(NftFamily.Ip, out string? reason));
        Assert.NotNull(reason);
        Assert.Contains(Ns.Name, reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ConntrackAccountingOffInTheNamespaceIsWarnedAboutNamingIt()
    {
        Ns.Exec("sysctl", "-qw", "net.netfilter.nf_conntrack_acct=0");
        Assert.Equal(
            $"conntrack accounting is off in network namespace {Ns.Name} (net.netfilter.nf_conntrack_acct = 0): " +
            "the flowtable's counter flag adds offloaded traffic to conntrack's counts, so Get-OffloadedFlow and Get-FlowtableCounter will show none; " +
            "sysctl -w net.netfilter.nf_conntrack_acct=1 counts connections made from then on",
            Engine.Support.CounterWarning(Session));

        // The caller's own namespace (here the test's, entered on this thread) is not named.
        string? own = NetworkNamespace.Run(Ns.Name, () =>
        {
            using AccelSession session = AccelSession.Open(null);
            return Engine.Support.CounterWarning(session);
        });
        Assert.Equal(
            "conntrack accounting is off (net.netfilter.nf_conntrack_acct = 0): " +
            "the flowtable's counter flag adds offloaded traffic to conntrack's counts, so Get-OffloadedFlow and Get-FlowtableCounter will show none; " +
            "sysctl -w net.netfilter.nf_conntrack_acct=1 counts connections made from then on",
            own);

        Ns.Exec("sysctl", "-qw", "net.netfilter.nf_conntrack_acct=1");
        Assert.Null(Engine.Support.CounterWarning(Session));
        Assert.Equal("session", Assert.Throws<ArgumentNullException>(() => Engine.Support.CounterWarning(null!)).ParamName);
    }
}
