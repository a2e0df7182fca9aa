using System.Net;
using System.Reflection;
using HostAccel.Native.Conntrack;
using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
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
        Assert.Equal(((byte?)8, (byte?)0, (byte?)0, (byte?)0), (flow.Original.IcmpType, flow.Original.IcmpCode, flow.Reply.IcmpType, flow.Reply.IcmpCode));
        Assert.Equal((0, 0), (flow.Original.SourcePort, flow.Original.DestinationPort));
        Assert.Contains($"src=127.0.0.1 dst=127.0.0.1 type=8 code=0 id={flow.Original.IcmpId}", oracle, StringComparison.Ordinal);
        Assert.Contains($"src=127.0.0.1 dst=127.0.0.1 type=0 code=0 id={flow.Reply.IcmpId}", oracle, StringComparison.Ordinal);
        Assert.Contains(flow.Original.ToString(), oracle, StringComparison.Ordinal);
        Assert.Contains("packets=3 bytes=252", oracle, StringComparison.Ordinal);
    }

    /// <summary>
    /// Each direction's counters where they belong, against conntrack -L, on traffic that is not the same both ways: a
    /// one-way TCP transfer (a ping on loopback is symmetric, so original and reply swapped passed unnoticed).
    /// </summary>
    [Fact]
    public async Task AOneWayTransferIsCountedOnItsOwnSide()
    {
        _ns.NftLoad("table ip t { chain out { type filter hook output priority 0; ct state new counter; }; }");
        _ns.Exec("sysctl", "-qw", "net.netfilter.nf_conntrack_acct=1");
        using System.Net.Sockets.Socket listener = Interop.NetworkNamespace.Run(_ns.Name, () => new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp));
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using System.Net.Sockets.Socket client = Interop.NetworkNamespace.Run(_ns.Name, () => new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp));
        await client.ConnectAsync(listener.LocalEndPoint!);
        using System.Net.Sockets.Socket server = await listener.AcceptAsync();
        Task<long> reading = Task.Run(() =>
        {
            long total = 0;
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = server.Receive(buffer)) > 0;)
            {
                total += n;
            }

            return total;
        });
        Assert.Equal(512 * 1024, client.Send(new byte[512 * 1024]));
        client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        Assert.Equal(512 * 1024, await reading);
        await Task.Delay(200);

        using ConntrackConnection conntrack = ConntrackConnection.Open(_ns.Name);
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        ConntrackFlow flow = Assert.Single(conntrack.ListFlows(), f => f.Original.Protocol == 6 && f.Original.DestinationPort == port);
        Assert.True(flow.OriginalBytes > 512 * 1024, $"original {flow.OriginalBytes} bytes");
        Assert.True(flow.ReplyBytes < flow.OriginalBytes / 10, $"reply {flow.ReplyBytes} bytes");

        // conntrack -L prints the original direction's counters first, then the reply's.
        string line = _ns.Exec("conntrack", "-L", "-p", "tcp", "--dport", port.ToString(System.Globalization.CultureInfo.InvariantCulture)).Split('\n').Single(l => l.Contains("packets=", StringComparison.Ordinal));
        string[] counted = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(p => p.StartsWith("packets=", StringComparison.Ordinal) || p.StartsWith("bytes=", StringComparison.Ordinal)).ToArray();
        Assert.Equal([$"packets={flow.OriginalPackets}", $"bytes={flow.OriginalBytes}", $"packets={flow.ReplyPackets}", $"bytes={flow.ReplyBytes}"], counted);
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

    [Fact]
    public void AListWhoseReplyIsLostSaysItWasListingConntrackEntries()
    {
        using ConntrackConnection conntrack = ConntrackConnection.Open(_ns.Name);
        // The connection keeps its socket private: reached by reflection only to inject recv's ENOBUFS on every datagram.
        var socket = (NetlinkSocket)typeof(ConntrackConnection).GetField("_socket", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(conntrack)!;
        socket.OnReceive = _ => throw new SystemCallException("recv", Errno.ENOBUFS, "netlink socket");

        NetlinkException error = Assert.Throws<NetlinkException>(() => conntrack.ListFlows());

        Assert.Equal(Errno.ENOBUFS, error.Errno);
        Assert.Equal("listing conntrack entries: the socket's receive queue overflowed on each of 5 attempts", error.Operation);
    }
}
