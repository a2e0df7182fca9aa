using System.Reflection;
using HostAccel.Native.Netlink;
using HostAccel.Native.TrafficControl;

namespace HostAccel.Native.Tests.Support;

/// <summary>
/// A throwaway namespace with the veth pair veth-a/veth-b and a <see cref="TcConnection"/> in it: where the tests of
/// tc on the real kernel run, with tc as the oracle.
/// </summary>
public abstract class TcNamespaceTest : IDisposable
{
    protected TcNamespaceTest()
    {
        Ns.AddDevice("veth-a", "veth-b");
        A = (int)Ns.IfIndex("veth-a");
        B = (int)Ns.IfIndex("veth-b");
        Connection = TcConnection.Open(Ns.Name);
    }

    protected TestNamespace Ns { get; } = new();

    protected TcConnection Connection { get; }

    /// <summary>The interface index of veth-a.</summary>
    protected int A { get; }

    /// <summary>The interface index of veth-b.</summary>
    protected int B { get; }

    /// <summary>The connection's socket, whose replies a test may rewrite on their way in (<see cref="NetlinkSocket.OnReceive"/>).</summary>
    protected static NetlinkSocket SocketOf(TcConnection tc) =>
        (NetlinkSocket)typeof(TcConnection).GetField("_socket", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(tc)!;

    public void Dispose()
    {
        Connection.Dispose();
        Ns.Dispose();
        GC.SuppressFinalize(this);
    }
}
