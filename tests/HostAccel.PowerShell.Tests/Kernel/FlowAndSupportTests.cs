using System.Net;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>Get-OffloadedFlow and Test-HostAccelSupport's engine paths.</summary>
public sealed class FlowAndSupportTests : EngineTest
{
    [Fact]
    public void OffloadedFlowsAreTheOffloadedConntrackEntriesOnly()
    {
        // Conntrack hooks register only once a rule needs them; accounting is per namespace.
        Ns.NftLoad("table ip t { chain out { type filter hook output priority 0; ct state new counter; }; }");
        Ns.Exec("sysctl", "-qw", "net.netfilter.nf_conntrack_acct=1");
        Ns.Exec("ping", "-c", "2", "-i", "0.2", "-W", "1", "127.0.0.1");

        Assert.Empty(Flows.Get(Session, null, includeSlowPath: false));
        OffloadedFlow ping = Assert.Single(Flows.Get(Session, [AccelFamily.Ip], includeSlowPath: true), f => f.Protocol == "icmp");
        Assert.Equal((IPAddress.Loopback, IPAddress.Loopback, false, false), (ping.Source, ping.Destination, ping.Offloaded, ping.HardwareOffloaded));
        Assert.Equal(4UL, ping.Packets);
        Assert.Equal(Ns.Name, ping.NetworkNamespace);
        Assert.Contains("SeenReply", ping.Status, StringComparison.Ordinal);
        Assert.StartsWith("icmp ", ping.ToString(), StringComparison.Ordinal);
        Assert.Empty(Flows.Get(Session, [AccelFamily.Ip6], includeSlowPath: true));
    }

    [Fact]
    public void SupportOnThisKernelIsAClearNoBecauseOfFlowtablesAndLeavesNothingBehind()
    {
        HostAccelSupport support = Engine.Support.Test(Ns.Name);
        Assert.True(support.Privileged);
        Assert.True(support.NfTables);
        Assert.False(support.Flowtable);
        Assert.False(support.Supported);
        Assert.StartsWith("Not supported: flowtables are not supported", support.Verdict, StringComparison.Ordinal);
        Assert.Contains(support.Reasons, r => r.Contains("CONFIG_NF_FLOW_TABLE", StringComparison.Ordinal));
        Assert.Equal(6, support.Modules.Count);
        Assert.StartsWith("nf_tables: ", support.Modules[0], StringComparison.Ordinal);
        Assert.Equal(Ns.Name, support.NetworkNamespace);
        Assert.Equal("", Ruleset().Trim());
    }

    [Fact]
    public void SupportInANamespaceThatDoesNotExistIsObjectNotFound()
    {
        HostAccelException failure = Assert.Throws<HostAccelException>(() => Engine.Support.Test("ha-test-no-such-namespace"));
        Assert.Equal((ErrorIds.NetworkNamespaceNotFound, FailureKind.ObjectNotFound), (failure.ErrorId, failure.Kind));
    }
}
