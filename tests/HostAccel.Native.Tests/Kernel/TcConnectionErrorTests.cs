using System.Net;
using System.Net.Sockets;
using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.Native.TrafficControl;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>
/// What <see cref="TcConnection"/> refuses before sending anything, and how the kernel's refusals of its reads and
/// changes are reported: errno, the operation in words, the caller's subject. The kernel of a throwaway namespace
/// answers; the few faults it cannot be made to produce (a dump refused outright, a lookup acknowledged without an
/// answer) are injected into its real reply stream.
/// </summary>
public sealed class TcConnectionErrorTests : TcNamespaceTest
{
    public static TheoryData<string, string> NullArguments => new()
    {
        { "Execute", "change" },
        { "Apply", "changes" },
        { "GetNeighbour", "address" },
        { "GetRoute", "destination" },
        { "GetLink", "name" },
    };

    [Theory]
    [MemberData(nameof(NullArguments))]
    public void ANullArgumentIsRefusedNamingTheParameter(string method, string parameter)
    {
        Action call = method switch
        {
            "Execute" => () => Connection.Execute(null!),
            "Apply" => () => Connection.Apply(null!),
            "GetNeighbour" => () => Connection.GetNeighbour(null!, A),
            "GetRoute" => () => Connection.GetRoute(null!),
            _ => () => Connection.GetLink(null!),
        };
        ArgumentNullException error = Assert.Throws<ArgumentNullException>(call);
        Assert.Equal(parameter, error.ParamName);
    }

    [Fact]
    public void AnEmptyDeviceNameIsRefusedAndANameLongerThanTheKernelAllowsIsNoDevice()
    {
        ArgumentException empty = Assert.Throws<ArgumentException>(() => Connection.GetLink(""));
        Assert.Equal("name", empty.ParamName);

        // IFNAMSIZ less its NUL: 15 bytes is a name the kernel can have, 16 is none (never asked: the kernel would
        // refuse the attribute with EINVAL rather than answer ENODEV).
        string longest = new('x', NetworkInterface.MaxNameLength);
        Assert.Equal(15, longest.Length);
        Ns.Exec("ip", "link", "add", longest, "type", "veth", "peer", "name", "veth-c");
        Assert.Equal(longest, Connection.GetLink(longest)!.Name);
        Assert.Equal((int)Ns.IfIndex(longest), Connection.GetLink(longest)!.Index);
        Assert.Null(Connection.GetLink(longest + "y"));
    }

    [Fact]
    public void ASourceOfAnotherFamilyThanTheDestinationIsRefusedBeforeAsking()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => Connection.GetRoute(IPAddress.Parse("10.0.0.1"), IPAddress.Parse("fd00::1")));
        Assert.Equal("source", error.ParamName);
        Assert.StartsWith("source fd00::1 is not of the family of destination 10.0.0.1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFamilyThatIsNeitherIPv4NorIPv6IsRefusedForNeighboursAndRoutes()
    {
        ArgumentOutOfRangeException neighbours = Assert.Throws<ArgumentOutOfRangeException>(() => Connection.ListNeighbours(A, AddressFamily.AppleTalk));
        Assert.Equal("family", neighbours.ParamName);
        Assert.StartsWith("neighbours are IPv4 or IPv6", neighbours.Message, StringComparison.Ordinal);

        foreach (AddressFamily family in new[] { AddressFamily.Unspecified, AddressFamily.AppleTalk })
        {
            ArgumentOutOfRangeException routes = Assert.Throws<ArgumentOutOfRangeException>(() => Connection.ListRoutes(family));
            Assert.Equal("family", routes.ParamName);
            Assert.StartsWith("routes are listed per family", routes.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// With strict checking (which the connection asks for) the kernel filters a route dump by table and says when the
    /// table does not exist; without it, it would dump every table and the list would silently be empty.
    /// </summary>
    [Theory]
    [InlineData(AddressFamily.InterNetwork, "IPv4")]
    [InlineData(AddressFamily.InterNetworkV6, "IPv6")]
    public void RoutesOfATableTheKernelDoesNotHaveAreAnErrorNamingTheFamilyAndTable(AddressFamily family, string name)
    {
        NetlinkException error = Assert.Throws<NetlinkException>(() => Connection.ListRoutes(family, 4242));
        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.Equal($"listing the {name} routes of table 4242", error.Operation);
        Assert.Equal($"{name.ToLowerInvariant()}: FIB table does not exist", error.ExtAckMessage);
        Assert.StartsWith($"listing the {name} routes of table 4242: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANeighbourOfADeviceTheKernelDoesNotHaveIsAnErrorNamingTheLookup()
    {
        NetlinkException error = Assert.Throws<NetlinkException>(() => Connection.GetNeighbour(IPAddress.Parse("10.1.2.3"), 9999));
        Assert.Equal(Errno.ENODEV, error.Errno);
        Assert.Equal("reading the neighbour 10.1.2.3 of device #9999", error.Operation);
    }

    /// <summary>Each part of a route lookup is in the operation an error names: the source and input device only when given.</summary>
    [Fact]
    public void ARouteLookupTheKernelRefusesNamesWhatWasLookedUp()
    {
        Ns.Exec("ip", "route", "add", "prohibit", "10.94.0.0/24");
        NetlinkException prohibited = Assert.Throws<NetlinkException>(() => Connection.GetRoute(IPAddress.Parse("10.94.0.1")));
        Assert.Equal(Errno.EACCES, prohibited.Errno);
        Assert.Equal("looking up the route to 10.94.0.1", prohibited.Operation);

        NetlinkException noDevice = Assert.Throws<NetlinkException>(() => Connection.GetRoute(IPAddress.Parse("10.94.0.1"), inputInterface: 9999));
        Assert.Equal(Errno.ENODEV, noDevice.Errno);
        Assert.Equal("looking up the route to 10.94.0.1 arriving on device #9999", noDevice.Operation);

        NetlinkException both = Assert.Throws<NetlinkException>(() => Connection.GetRoute(IPAddress.Parse("10.94.0.1"), IPAddress.Parse("10.93.0.1"), 9999));
        Assert.Equal(Errno.ENODEV, both.Errno);
        Assert.Equal("looking up the route to 10.94.0.1 from 10.93.0.1 arriving on device #9999", both.Operation);
    }

    public static TheoryData<string> Reads => new(ReadCases.Keys);

    private static readonly Dictionary<string, (Action<TcConnection, int> Read, string Operation)> ReadCases = new()
    {
        ["qdiscs of a device"] = ((tc, a) => tc.ListQdiscs(a), "listing the qdiscs of device #{0}"),
        ["every qdisc"] = ((tc, _) => tc.ListQdiscs(), "listing the qdiscs"),
        ["ingress filters"] = ((tc, a) => tc.ListFilters(a, ClsactHook.Ingress), "listing the ingress filters of device #{0}"),
        ["egress filters"] = ((tc, a) => tc.ListFilters(a, ClsactHook.Egress), "listing the egress filters of device #{0}"),
        ["devices"] = ((tc, _) => tc.ListLinks(), "listing devices"),
        ["a device"] = ((tc, _) => tc.GetLink("veth-a"), "reading device veth-a"),
        ["neighbours"] = ((tc, a) => tc.ListNeighbours(a), "listing the neighbours of device #{0}"),
    };

    /// <summary>A read the kernel refuses outright (here EBUSY, put in place of its real answer) names what was read.</summary>
    [Theory]
    [MemberData(nameof(Reads))]
    public void AReadTheKernelRefusesNamesWhatWasRead(string name)
    {
        (Action<TcConnection, int> read, string operation) = ReadCases[name];

        // Something to list on veth-a, so that the reply is more than NLMSG_DONE.
        Ns.Exec("tc", "qdisc", "add", "dev", "veth-a", "clsact");
        foreach (string hook in new[] { "ingress", "egress" })
        {
            Ns.Exec("tc", "filter", "add", "dev", "veth-a", hook, "protocol", "ip", "prio", "5", "u32", "match", "u32", "0", "0", "action", "mirred", "egress", "redirect", "dev", "veth-b");
        }

        Ns.Exec("ip", "neigh", "add", "10.9.9.9", "lladdr", "02:00:00:00:09:09", "dev", "veth-a", "nud", "permanent");
        NetlinkSocket socket = SocketOf(Connection);
        socket.OnReceive = datagram =>
        {
            ReplyStream.Header first = ReplyStream.Headers(datagram)[0];
            return ReplyStream.Refuse(datagram, first, 0, (int)Errno.EBUSY);
        };

        NetlinkException error = Assert.Throws<NetlinkException>(() => read(Connection, A));
        socket.OnReceive = null;
        Assert.Equal(Errno.EBUSY, error.Errno);
        Assert.Equal(string.Format(System.Globalization.CultureInfo.InvariantCulture, operation, A), error.Operation);

        // The connection is usable after the refusal.
        Assert.Contains(Connection.ListLinks(), l => l.Index == A);
    }

    /// <summary>A lookup the kernel acknowledged without sending the object (its answer silenced here) is an error, not null.</summary>
    [Fact]
    public void ALookupAcknowledgedWithoutAnAnswerIsADecodeErrorNamingIt()
    {
        NetlinkSocket socket = SocketOf(Connection);
        socket.OnReceive = datagram =>
        {
            foreach (ReplyStream.Header h in ReplyStream.Headers(datagram))
            {
                if (h.Type != ReplyStream.NLMSG_ERROR)
                {
                    ReplyStream.Silence(datagram, h);
                }
            }

            return datagram.Length;
        };

        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() => Connection.GetLink("veth-a"));
        socket.OnReceive = null;
        Assert.EndsWith("reading device veth-a: the kernel acknowledged without answering", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ARefusedChangeCarriesTheCallersSubject()
    {
        var origin = new object();
        Connection.AddQdisc(TcQdisc.Clsact(A));
        NetlinkException error = Assert.Throws<NetlinkException>(() => Connection.Execute(TcChange.AddQdisc(TcQdisc.Clsact(A)) with { Origin = origin }));
        Assert.Equal(Errno.EEXIST, error.Errno);
        Assert.Same(origin, error.Subject);
        Assert.Equal($"adding qdisc clsact to device #{A}", error.Operation);
    }
}
