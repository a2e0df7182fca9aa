using System.Collections;
using HostAccel.Native.TrafficControl;
using HostAccel.Native.TrafficControl.Routing;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Engine.TrafficControl;
using HostAccel.PowerShell.Model;
using Xunit;
using static HostAccel.PowerShell.Tests.Support.TcOwnedFilters;

namespace HostAccel.PowerShell.Tests.Unit;

/// <summary>
/// Get-AccelConfiguration in the Traffic Control mode (TrafficControlConfiguration.ReadBack): on top of what the
/// tables say (the peer set), HostAccel's redirects say the mode, the gateway (the device whose redirects' sources are
/// not peers), the transport and the local Pod CIDRs. From the filters a read returns, built as plain objects (this
/// host's kernel has no cls_flower).
/// </summary>
public sealed class TrafficControlConfigurationReadBackTests
{
    /// <summary>What the tables of a namespace in the mode say: prepared tables (no traffic) with the peer set.</summary>
    private static AccelConfiguration FromTables(params string[] peers) => ConfigurationReader.Read(new Hashtable
    {
        ["Traffic"] = "None", ["Family"] = new[] { "Ip", "Ip6" }, ["PeerPodCidr"] = peers,
    }, "tables") with { NetworkNamespace = "ns-demo" };

    private static readonly string[] Peers = ["10.244.0.0/24", "10.244.1.0/24", "fd00:10:244::/64"];

    private static IReadOnlyList<(Link Device, IReadOnlyList<FlowerFilter> Filters)> DemoNode() => Owned(
        (Transport,
        [
            Guard(Transport, v6: false),
            Redirect(Transport, "10.244.1.0/24", "10.244.2.2", Gateway.Index, 1),
            Redirect(Transport, "10.244.0.0/24", "10.244.2.2", Gateway.Index, 2),
            Redirect(Transport, "fd00:10:244::/64", "fd00:10:244:2::2", Gateway.Index, 1),
        ]),
        (Gateway,
        [
            Guard(Gateway, v6: false), Guard(Gateway, v6: true),
            Redirect(Gateway, "fd00:10:244:2::/64", "fd00:10:244::/64", Transport.Index, 1),
            Redirect(Gateway, "10.244.2.0/24", "10.244.1.0/24", Transport.Index, 1),
            Redirect(Gateway, "10.244.2.0/24", "10.244.0.0/24", Transport.Index, 2),
        ]));

    [Fact]
    public void TheRedirectsSayTheModeTheGatewayTheTransportAndTheLocalPodCidrsOnTopOfThePeerSet()
    {
        AccelConfiguration fromTables = FromTables(Peers);

        AccelConfiguration c = TrafficControlConfiguration.ReadBack(DemoNode(), fromTables);

        Assert.Equal((AccelMode.TrafficControl, AccelTraffic.PodToPod, "antrea-gw0", "eth0", "ns-demo"),
            (c.Mode, c.Traffic, c.GatewayInterface, c.TransportInterface, c.NetworkNamespace));
        Assert.Equal(["10.244.2.0/24", "fd00:10:244:2::/64"], c.LocalPodCidr);
        Assert.Equal(Peers, c.PeerPodCidr);
        Assert.Equal([AccelFamily.Ip, AccelFamily.Ip6], c.Family);
        Assert.Empty(c.ServiceSnatAddress);
        Assert.Empty(c.NodePortDnatAddress);
        Assert.Equal((fromTables.TableName, fromTables.SetName), (c.TableName, c.SetName));
    }

    [Fact]
    public void WithoutRedirectsOrWithoutOneWhoseSourceIsNoPeerTheTablesAloneAreTheConfiguration()
    {
        AccelConfiguration fromTables = FromTables(Peers);
        Assert.Same(fromTables, TrafficControlConfiguration.ReadBack(Owned(), fromTables));
        Assert.Same(fromTables, TrafficControlConfiguration.ReadBack(Owned((Transport, [Guard(Transport, false)]), (Gateway, [Guard(Gateway, false), Guard(Gateway, true)])), fromTables));
        // Every redirect's source is in the peer set: there is no gateway to tell.
        AccelConfiguration all = FromTables([.. Peers, "10.244.2.0/24", "fd00:10:244:2::/64"]);
        Assert.Same(all, TrafficControlConfiguration.ReadBack(DemoNode(), all));
    }

    [Fact]
    public void RedirectsLeftOnTheGatewayAloneNameNoTransportAndAreRefusedAsAConfiguration()
    {
        var gatewayOnly = Owned((Gateway,
        [
            Guard(Gateway, false), Redirect(Gateway, "10.244.2.0/24", "10.244.0.0/24", Transport.Index),
            Redirect(Gateway, "fd00:10:244:2::/64", "fd00:10:244::/64", Transport.Index),
        ]));

        HostAccelException refused = Assert.Throws<HostAccelException>(() => TrafficControlConfiguration.ReadBack(gatewayOnly, FromTables(Peers)));

        Assert.Equal((ErrorIds.InvalidConfiguration, FailureKind.InvalidArgument, (object)"TransportInterface"), (refused.ErrorId, refused.Kind, refused.TargetObject));
        Assert.Equal("TransportInterface is needed for PodToPod traffic: the interface to the other Nodes", refused.Message);
    }
}
