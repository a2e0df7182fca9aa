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

        // ICMP has no ports: type, code and id, as conntrack -L prints them (issue 19: it printed sport=<id> dport=0).
        Assert.Equal(((byte?)8, (byte?)0, (byte?)0, (byte?)0), (ping.IcmpType, ping.IcmpCode, ping.ReplyIcmpType, ping.ReplyIcmpCode));
        Assert.Contains($"src=127.0.0.1 dst=127.0.0.1 type=8 code=0 id={ping.IcmpId} src=127.0.0.1 dst=127.0.0.1 type=0 code=0 id={ping.ReplyIcmpId}", ping.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("sport=", ping.ToString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Issue 19: -Family Inet returned nothing, silently: conntrack has no inet entries. An inet table's flowtable
    /// holds IPv4 and IPv6 connections, so inet stands for both families.
    /// </summary>
    [Fact]
    public void TheInetFamilyIsIPv4AndIPv6()
    {
        Ns.NftLoad("table inet t { chain out { type filter hook output priority 0; ct state new counter; }; }");
        Ns.Exec("ping", "-c", "1", "-W", "1", "127.0.0.1");
        Ns.Exec("ping", "-6", "-c", "1", "-W", "1", "::1");
        IReadOnlyList<OffloadedFlow> both = Flows.Get(Session, [AccelFamily.Inet], includeSlowPath: true);
        Assert.Equal([AccelFamily.Ip, AccelFamily.Ip6], both.Select(f => f.Family).Distinct().Order());
        Assert.Equal(both.Count, Flows.Get(Session, null, includeSlowPath: true).Count);
        Assert.Equal(both.Count, Flows.Get(Session, [AccelFamily.Ip, AccelFamily.Inet], includeSlowPath: true).Count);
        Assert.All(Flows.Get(Session, [AccelFamily.Ip6], includeSlowPath: true), f => Assert.Equal(AccelFamily.Ip6, f.Family));
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
