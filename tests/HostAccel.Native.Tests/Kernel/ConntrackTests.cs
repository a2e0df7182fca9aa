using System.Net;
using HostAccel.Native.Conntrack;
using HostAccel.Native.Nftables;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>The ctnetlink reader against the kernel's own table, with `conntrack -L` as the oracle.</summary>
public sealed class ConntrackTests : IDisposable
{
    private readonly TestNamespace _ns = new();

    public void Dispose() => _ns.Dispose();

    [Fact]
    public void TrackedPingIsReadWithItsTuplesAndAccountedCounters()
    {
        // Conntrack hooks register only once a rule needs them; accounting is per namespace.
        _ns.NftLoad("table ip t { chain out { type filter hook output priority 0; ct state new counter; }; }");
        _ns.Exec("sysctl", "-qw", "net.netfilter.nf_conntrack_acct=1");
        _ns.Exec("ping", "-c", "3", "-i", "0.2", "-W", "1", "127.0.0.1");

        using ConntrackConnection conntrack = ConntrackConnection.Open(_ns.Name);
        ConntrackFlow flow = Assert.Single(conntrack.ListFlows(), f => f.Original.Protocol == 1);
        Assert.Equal(NftFamily.Ip, flow.Family);
        Assert.Equal(IPAddress.Loopback, flow.Original.Source);
        Assert.Equal(IPAddress.Loopback, flow.Original.Destination);
        Assert.Equal(IPAddress.Loopback, flow.Reply.Source);
        Assert.Equal(3UL, flow.OriginalPackets);
        Assert.Equal(3UL * 84, flow.OriginalBytes);
        Assert.Equal(3UL, flow.ReplyPackets);
        Assert.True((flow.Status & ConntrackStatus.SeenReply) != 0);
        Assert.False(flow.IsOffloaded);
        Assert.Empty(conntrack.ListOffloadedFlows());

        string oracle = _ns.Exec("conntrack", "-L", "-p", "icmp");
        Assert.Contains($"id={flow.Original.SourcePort}", oracle, StringComparison.Ordinal);
        Assert.Contains("packets=3 bytes=252", oracle, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadingAnEmptyTableGivesNoFlowsAndFamilyFiltersApply()
    {
        _ns.NftLoad("table inet t { chain out { type filter hook output priority 0; ct state new counter; }; }");
        _ns.Exec("ping", "-c", "1", "-W", "1", "127.0.0.1");
        using ConntrackConnection conntrack = ConntrackConnection.Open(_ns.Name);
        Assert.NotEmpty(conntrack.ListFlows(NftFamily.Ip));
        Assert.Empty(conntrack.ListFlows(NftFamily.Ip6));

        using var empty = new TestNamespace();
        using ConntrackConnection none = ConntrackConnection.Open(empty.Name);
        Assert.Empty(none.ListFlows());
    }
}
