using System.Collections;
using System.Reflection;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;
using Xunit;

namespace HostAccel.PowerShell.Tests.Unit;

/// <summary>
/// Get-AccelConfiguration's reading of the tables, without a kernel (this host's cannot hold the flowtables and
/// <c>flow add</c> rules it reads): the tables a sync of a configuration writes express that configuration again, for
/// every traffic type and family, names, devices, flags and addresses; tables written otherwise (by hand, half
/// written, out of order) are read as the closest configuration, each setting from the first rule that names it.
/// </summary>
public sealed class ConfigurationExpressTests
{
    private static readonly Dictionary<string, uint> Indexes = new()
    {
        ["antrea-gw0"] = 2, ["eth0"] = 3, ["eth1"] = 4, ["eth2"] = 5, ["gw1"] = 6, ["tun0"] = 7,
    };

    private const string Namespace = "ns-express";

    private static string? NameOf(uint index) => Indexes.FirstOrDefault(d => d.Value == index).Key;

    /// <summary>The tables (and their sets' prefixes) a sync of <paramref name="c"/> writes, as they are read back.</summary>
    private sealed record Held(List<KernelTable> Tables, Dictionary<(NftFamily, string), IReadOnlyList<IpPrefix>> Elements)
    {
        public static Held Of(AccelConfiguration c)
        {
            var tables = new List<KernelTable>();
            var elements = new Dictionary<(NftFamily, string), IReadOnlyList<IpPrefix>>();
            foreach (FamilyState state in DesiredState.Build(c, name => Indexes[name]).Values.OfType<FamilyState>())
            {
                tables.Add(new KernelTable(state.Table, state.Sets.Select(s => s.Set).ToList(), state.Flowtable is null ? [] : [state.Flowtable],
                    state.Chain is null ? [] : [state.Chain], state.Rules.ToList()));
                foreach (DesiredSet set in state.Sets)
                {
                    elements[(state.Family, set.Set.Name)] = set.Elements;
                }
            }

            return new Held(tables, elements);
        }

        public Held Change(Func<KernelTable, KernelTable> change) => this with { Tables = Tables.Select(change).ToList() };

        public AccelConfiguration Express(string tableName = Design.TableName) =>
            ConfigurationExport.Express(tableName, Tables, NameOf, set => Elements.GetValueOrDefault((set.Family, set.Name)) ?? [], Namespace);
    }

    private static AccelConfiguration Config(Hashtable settings) => ConfigurationReader.Read(settings, "test");

    /// <summary>Every setting of a configuration as one line, lists in their order: what "equal" means here.</summary>
    private static List<string> Settings(AccelConfiguration c) =>
        typeof(AccelConfiguration).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => $"{p.Name} = {(p.GetValue(c) is IEnumerable list and not string ? string.Join(", ", list.Cast<object>()) : p.GetValue(c))}")
            .ToList();

    private static readonly Dictionary<string, Hashtable> Written = new()
    {
        ["PodToPod, ip"] = new()
        {
            ["TransportInterface"] = "eth0", ["LocalPodCidr"] = "10.244.2.0/24", ["PeerPodCidr"] = new[] { "10.244.0.0/24", "10.244.1.0/24" },
        },
        ["PodToPod, ip6"] = new()
        {
            ["TransportInterface"] = "eth0", ["LocalPodCidr"] = "fd00:10:244:2::/64", ["PeerPodCidr"] = new[] { "fd00:10:244::/64", "fd00:10:244:1::/64" },
        },
        ["PodToPod, ip and ip6, a counter and a threshold"] = new()
        {
            ["TransportInterface"] = "eth0", ["LocalPodCidr"] = new[] { "10.244.2.0/24", "fd00:10:244:2::/64" },
            ["PeerPodCidr"] = new[] { "10.244.0.0/24", "fd00:10:244::/64" }, ["Counter"] = true, ["OffloadThreshold"] = 8,
        },
        ["PodToPod, a local Pod CIDR of one address"] = new()
        {
            ["TransportInterface"] = "eth0", ["LocalPodCidr"] = "10.244.2.7/32", ["PeerPodCidr"] = "10.244.0.0/24",
        },
        ["ExternalToPod alone, ip and ip6, SNAT addresses of their own"] = new()
        {
            ["Traffic"] = "ExternalToPod", ["Family"] = new[] { "ip", "ip6" }, ["TransportInterface"] = "eth0",
            ["PeerPodCidr"] = new[] { "10.244.0.0/24", "fd00:10:244::/64" }, ["ServiceSnatAddress"] = new[] { "169.254.9.1", "fc01::9" },
        },
        ["ExternalToNodePort alone, a DNAT address and a peer set of its own, found by elimination"] = new()
        {
            ["Traffic"] = "ExternalToNodePort", ["Family"] = "ip", ["SetName"] = "my-peers", ["PeerPodCidr"] = "10.244.0.0/24",
            ["NodePortDnatAddress"] = "169.254.9.2", ["Devices"] = "eth1", ["HardwareOffload"] = true, ["Priority"] = 10,
        },
        ["ExternalIP alone, ip and ip6, sets of their own, single addresses shown plain"] = new()
        {
            ["Traffic"] = "ExternalIP", ["Family"] = new[] { "ip", "ip6" }, ["SetName"] = "my-peers", ["ExternalIPSetName"] = "lb-ips",
            ["PeerPodCidr"] = new[] { "10.244.0.0/24", "fd00:10:244::/64" },
            ["ExternalIP"] = new[] { "192.0.2.10/32", "198.51.100.0/24", "2001:db8::1/128", "2001:db8:1::/64" },
        },
        ["FullPath alone, the gateway among the devices"] = new()
        {
            ["Traffic"] = "FullPath", ["LocalPodCidr"] = "10.244.2.0/24", ["PeerNodeIP"] = new[] { "192.168.1.2", "192.168.1.3" },
        },
        ["FullPath alone, another gateway and device, a node set of its own"] = new()
        {
            ["Traffic"] = "FullPath", ["LocalPodCidr"] = "10.244.2.0/24", ["PeerNodeIP"] = "192.168.1.0/28", ["PeerNodeSetName"] = "nodes",
            ["GatewayInterface"] = "gw1", ["Devices"] = "eth1", ["PeerPodCidr"] = "10.244.0.0/24",
        },
        ["ExternalToNodePort and ExternalIP, ip6"] = new()
        {
            ["Traffic"] = "ExternalToNodePort, ExternalIP", ["Family"] = "ip6", ["ExternalIP"] = "2001:db8::10", ["PeerPodCidr"] = "fd00:10:244::/64",
        },
        ["every traffic type, ip and ip6, every name, device, flag and address"] = new()
        {
            ["TableName"] = "accel", ["SetName"] = "peers", ["ExternalIPSetName"] = "ext", ["PeerNodeSetName"] = "nodes",
            ["FlowtableName"] = "ft", ["ChainName"] = "fwd", ["GatewayInterface"] = "gw1", ["TransportInterface"] = "tun0",
            ["Devices"] = new[] { "eth2", "eth1" }, ["Traffic"] = "PodToPod, ExternalToPod, ExternalToNodePort, ExternalIP, FullPath",
            ["LocalPodCidr"] = new[] { "10.244.2.0/24", "fd00:10:244:2::/64" },
            ["PeerPodCidr"] = new[] { "10.244.0.0/24", "10.244.1.0/24", "fd00:10:244::/64" },
            ["ExternalIP"] = new[] { "192.0.2.10", "2001:db8::10" }, ["PeerNodeIP"] = new[] { "192.168.1.2", "2001:db8:f::2" },
            ["ServiceSnatAddress"] = new[] { "169.254.9.1", "fc01::9" }, ["NodePortDnatAddress"] = new[] { "169.254.9.2", "fc01::a" },
            ["Priority"] = -10, ["Counter"] = true, ["HardwareOffload"] = true, ["OffloadThreshold"] = 20,
        },
        ["prepared tables, ip and ip6, a peer set of its own"] = new()
        {
            ["Traffic"] = "None", ["Family"] = new[] { "ip", "ip6" }, ["SetName"] = "my-peers", ["PeerPodCidr"] = new[] { "10.244.0.0/24", "fd00:10:244::/64" },
        },
    };

    public static TheoryData<string> WrittenCases() => new(Written.Keys);

    [Theory]
    [MemberData(nameof(WrittenCases))]
    public void TheTablesASyncWritesExpressTheConfigurationThatWasSynced(string name)
    {
        AccelConfiguration synced = Config(Written[name]);
        AccelConfiguration read = Held.Of(synced).Express(synced.TableName);
        Assert.Equal(Settings(synced with { NetworkNamespace = Namespace }), Settings(read));
    }

    /// <summary>What the round trip above means for the settings most easily lost: spelled out.</summary>
    [Fact]
    public void EverySettingOfEveryTrafficTypeIsReadBackAsWritten()
    {
        AccelConfiguration read = Held.Of(Config(Written["every traffic type, ip and ip6, every name, device, flag and address"])).Express("accel");
        Assert.Equal(AccelTraffic.All, read.Traffic);
        Assert.Equal([AccelFamily.Ip, AccelFamily.Ip6], read.Family);
        Assert.Equal(("accel", "peers", "ext", "nodes", "ft", "fwd"), (read.TableName, read.SetName, read.ExternalIPSetName, read.PeerNodeSetName, read.FlowtableName, read.ChainName));
        Assert.Equal(("gw1", "tun0"), (read.GatewayInterface, read.TransportInterface));
        Assert.Equal(["eth1", "eth2"], read.Devices);
        Assert.Equal(["10.244.2.0/24", "fd00:10:244:2::/64"], read.LocalPodCidr);
        Assert.Equal(["10.244.0.0/24", "10.244.1.0/24", "fd00:10:244::/64"], read.PeerPodCidr);
        Assert.Equal(["192.0.2.10", "2001:db8::10"], read.ExternalIP);
        Assert.Equal(["192.168.1.2", "2001:db8:f::2"], read.PeerNodeIP);
        Assert.Equal(["169.254.9.1", "fc01::9"], read.ServiceSnatAddress);
        Assert.Equal(["169.254.9.2", "fc01::a"], read.NodePortDnatAddress);
        Assert.Equal((-10, true, true, 20), (read.Priority, read.Counter, read.HardwareOffload, read.OffloadThreshold));
        Assert.Equal(Namespace, read.NetworkNamespace);
    }

    private static Held All() => Held.Of(Config(new Hashtable
    {
        ["TransportInterface"] = "eth0", ["Traffic"] = "PodToPod, ExternalToPod, ExternalToNodePort, ExternalIP, FullPath",
        ["LocalPodCidr"] = "10.244.2.0/24", ["PeerPodCidr"] = "10.244.0.0/24", ["ExternalIP"] = "192.0.2.10", ["PeerNodeIP"] = "192.168.1.2",
        ["Devices"] = "eth1",
    }));

    private static readonly IpPrefix Local = IpPrefix.Parse("10.244.2.0/24");

    /// <summary>Rules of the shapes HostAccel writes that name other devices, another peer set, flowtable and threshold.</summary>
    private static NftRule[] OtherRules()
    {
        var other = new Design.Names(NftFamily.Ip, Flowtable: "other", PeerSet: "stray", OffloadThreshold: 9);
        return
        [
            .. Design.PodToPod(other, Indexes["eth1"], Indexes["eth2"], Local),
            Design.ExternalToNodePort(other, Indexes["eth2"], IpPrefix.Parse("169.254.0.252/32")),
            Design.ExternalIP(other, Indexes["eth2"]),
        ];
    }

    [Fact]
    public void EachSettingIsReadFromTheFirstRuleThatNamesIt()
    {
        Held held = All().Change(t => t with { Rules = [.. t.Rules, .. OtherRules()] });
        AccelConfiguration read = held.Express();
        Assert.Equal(AccelTraffic.All, read.Traffic);
        Assert.Equal(("antrea-gw0", "eth0", "peer-pod-cidr", "fastpath", 0), (read.GatewayInterface, read.TransportInterface, read.SetName, read.FlowtableName, read.OffloadThreshold));
        Assert.Equal(["10.244.2.0/24"], read.LocalPodCidr);
        Assert.Equal(["eth1"], read.Devices);
    }

    /// <summary>Tables that a sync did not write in its order, or wrote in part: the traffic is read from the rules there are.</summary>
    public static TheoryData<string, AccelTraffic> Disordered() => new()
    {
        { "in reverse", AccelTraffic.All },
        { "each twice", AccelTraffic.All },
        { "the whole list twice", AccelTraffic.All },
        { "without the local-to-remote rule", AccelTraffic.All },
        { "with the local-to-remote rule alone", AccelTraffic.PodToPod },
        { "with the remote-to-local rule alone", AccelTraffic.PodToPod },
    };

    private static List<NftRule> Rearranged(string how, IReadOnlyList<NftRule> rules) => how switch
    {
        "in reverse" => rules.Reverse().ToList(),
        "each twice" => rules.SelectMany(r => new[] { r, r }).ToList(),
        "the whole list twice" => [.. rules, .. rules],
        "without the local-to-remote rule" => rules.Skip(1).ToList(),
        "with the local-to-remote rule alone" => [rules[0]],
        "with the remote-to-local rule alone" => [rules[1]],
        _ => throw new ArgumentOutOfRangeException(nameof(how)),
    };

    [Theory]
    [MemberData(nameof(Disordered))]
    public void RulesOutOfOrderTwiceOrMissingAreReadAsTheTrafficTheyAccelerate(string how, AccelTraffic traffic)
    {
        Held held = All().Change(t => t with { Rules = Rearranged(how, t.Rules) });
        if (traffic == AccelTraffic.PodToPod)
        {
            // Without the other traffic types' rules, their sets are not part of the answer.
            held = held.Change(t => t with { Sets = [t.Sets[0]] });
        }

        AccelConfiguration read = held.Express();
        Assert.Equal(traffic, read.Traffic);
        Assert.Equal(["10.244.2.0/24"], read.LocalPodCidr);
        Assert.Equal(("antrea-gw0", "eth0"), (read.GatewayInterface, read.TransportInterface));
        Assert.Equal(["10.244.0.0/24"], read.PeerPodCidr);
    }

    [Fact]
    public void TheLocalPodCidrIsTheRemoteToLocalRulesWhenTheFullPathRuleNamesAnother()
    {
        var names = new Design.Names(NftFamily.Ip);
        Held held = All().Change(t => t with { Rules = [.. t.Rules.SkipLast(1), Design.FullPath(names, IpPrefix.Parse("10.244.3.0/24"))] });
        AccelConfiguration read = held.Express();
        Assert.Equal(["10.244.2.0/24"], read.LocalPodCidr);
        Assert.Equal(AccelTraffic.All, read.Traffic);
        Assert.Equal(["169.254.0.253"], read.ServiceSnatAddress);
    }

    [Fact]
    public void ThePeerSetARuleNamesIsReadWhateverOtherIntervalSetsTheTableHolds()
    {
        Held held = Held.Of(Config(new Hashtable { ["TransportInterface"] = "eth0", ["LocalPodCidr"] = "10.244.2.0/24", ["SetName"] = "my-peers", ["PeerPodCidr"] = "10.244.0.0/24" }))
            .Change(t => t with { Sets = [.. t.Sets, Design.AddressSet(NftFamily.Ip, "antrea", "stray")] });
        AccelConfiguration read = held.Express();
        Assert.Equal("my-peers", read.SetName);
        Assert.Equal(["10.244.0.0/24"], read.PeerPodCidr);
    }

    [Fact]
    public void WithoutARuleThatNamesItThePeerSetIsTheDefaultWhenOtherIntervalSetsLeaveItUnclear()
    {
        Held held = Held.Of(Config(new Hashtable { ["Family"] = "ip", ["Traffic"] = "None", ["SetName"] = "my-peers", ["PeerPodCidr"] = "10.244.0.0/24" }))
            .Change(t => t with { Sets = [.. t.Sets, Design.AddressSet(NftFamily.Ip, "antrea", "stray")] });
        AccelConfiguration read = held.Express();
        Assert.Equal(("peer-pod-cidr", 0), (read.SetName, read.PeerPodCidr.Count));
    }

    /// <summary>
    /// Prepared tables that still hold the external and peer Node sets of traffic no longer accelerated: their
    /// addresses are not part of the answer (the sets are what Get's check then reports), and the peer set is the one left.
    /// </summary>
    [Fact]
    public void SetsOfTrafficThatNoRuleAcceleratesLendNoAddresses()
    {
        Held held = Held.Of(Config(new Hashtable { ["Family"] = "ip", ["Traffic"] = "None", ["SetName"] = "my-peers", ["PeerPodCidr"] = "10.244.0.0/24" }));
        held = held.Change(t => t with { Sets = [.. t.Sets, Design.AddressSet(NftFamily.Ip, "antrea", "external-ip"), Design.AddressSet(NftFamily.Ip, "antrea", "peer-node-ip")] });
        held.Elements[(NftFamily.Ip, "external-ip")] = [IpPrefix.Parse("192.0.2.10/32")];
        held.Elements[(NftFamily.Ip, "peer-node-ip")] = [IpPrefix.Parse("192.168.1.2/32")];
        AccelConfiguration read = held.Express();
        Assert.Equal((AccelTraffic.None, "my-peers"), (read.Traffic, read.SetName));
        Assert.Equal(["10.244.0.0/24"], read.PeerPodCidr);
        Assert.Empty(read.ExternalIP);
        Assert.Empty(read.PeerNodeIP);
    }

    [Fact]
    public void TheGatewayIsTheOneTheRulesNameWhateverTheFlowtablesOrderOfDevices()
    {
        Held held = All().Change(t => t with { Flowtables = [t.Flowtables[0] with { Devices = t.Flowtables[0].Devices.Reverse().ToArray() }] });
        AccelConfiguration read = held.Express();
        Assert.Equal(("antrea-gw0", "eth0"), (read.GatewayInterface, read.TransportInterface));
        Assert.Equal(["eth1"], read.Devices);
    }

    [Fact]
    public void AFullPathTableWhoseFlowtableHasNoDevicesIsReadWithTheDefaultGateway()
    {
        Held held = Held.Of(Config(Written["FullPath alone, the gateway among the devices"])).Change(t => t with { Flowtables = [t.Flowtables[0] with { Devices = Array.Empty<string>() }] });
        AccelConfiguration read = held.Express();
        Assert.Equal(AccelTraffic.FullPath, read.Traffic);
        Assert.Equal(("antrea-gw0", (string?)null), (read.GatewayInterface, read.TransportInterface));
        Assert.Equal(["antrea-gw0"], read.Devices);
    }

    [Fact]
    public void ReadingNeedsASession() =>
        Assert.Equal("session", Assert.Throws<ArgumentNullException>(() => ConfigurationExport.Read(null!, "antrea", includeForeign: false)).ParamName);

    [Fact]
    public void FamiliesThatAccelerateDifferentTrafficAreStateNotExpressible()
    {
        Held v4 = Held.Of(Config(new Hashtable { ["TransportInterface"] = "eth0", ["LocalPodCidr"] = "10.244.2.0/24", ["PeerPodCidr"] = "10.244.0.0/24" }));
        Held v6 = Held.Of(Config(new Hashtable { ["Traffic"] = "ExternalToNodePort", ["Family"] = "ip6" }));
        var held = new Held([.. v4.Tables, .. v6.Tables], v4.Elements.Concat(v6.Elements).ToDictionary());
        HostAccelException failure = Assert.Throws<HostAccelException>(() => held.Express());
        Assert.Equal((ErrorIds.StateNotExpressible, FailureKind.InvalidOperation, (object?)"table antrea"), (failure.ErrorId, failure.Kind, failure.TargetObject));
        HostAccelException why = Assert.IsType<HostAccelException>(failure.InnerException);
        Assert.Equal(
            $"tables ip antrea and ip6 antrea accelerate different traffic (ip: PodToPod; ip6: ExternalToNodePort), which one configuration cannot express ({why.Message}); Sync-AccelConfiguration makes them agree",
            failure.Message);
        Assert.Equal(ErrorIds.InvalidConfiguration, why.ErrorId);
    }
}
