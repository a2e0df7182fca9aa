using System.Collections;
using System.Net;
using System.Reflection;
using System.Text.Json;
using HostAccel.Native.Nftables;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;
using Xunit;

namespace HostAccel.PowerShell.Tests.Unit;

/// <summary>
/// ConvertTo-AccelConfiguration's engine: a cluster's Nodes — Kubernetes Node objects, Lists of them, or the entries
/// of a cluster description — read into Nodes, and each Node's configuration computed from the others (its own Pod
/// CIDRs local, every other Node's of its families peer), with the warnings and errors docs/cmdlets/
/// ConvertTo-AccelConfiguration.md documents, word for word.
/// </summary>
public sealed class ClusterDescriptionTests
{
    private static readonly string Root = typeof(ClusterDescriptionTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    private const string NotANodeAdvice = "is not a Node: give a Kubernetes Node object (kubectl get nodes -o json | ConvertFrom-Json), a List of them, or a description entry @{ Name = …; PodCidr = …; NodeIP = … }, not ";

    // ---- Reading ----------------------------------------------------------------------------------------------

    /// <summary>cluster.psd1's content (the fixture of Example 2), its keys written in other cases, as a case-sensitive hashtable holds them.</summary>
    private static Hashtable ClusterFile() => new()
    {
        ["template"] = new Hashtable { ["TransportInterface"] = "eth0", ["Traffic"] = new[] { "PodToPod", "FullPath" }, ["Counter"] = true },
        ["NODES"] = new object[]
        {
            new Hashtable { ["Name"] = "node-1", ["PodCidr"] = new[] { "fd00:10:244::/64", "10.244.0.0/24" }, ["NodeIP"] = new[] { "fd00:77::b", "192.168.77.11", "192.168.77.11" } },
            new Hashtable { ["name"] = "node-2", ["podcidr"] = new[] { "10.244.1.0/24", "fd00:10:244:1::/64" }, ["nodeip"] = new object[] { IPAddress.Parse("192.168.77.12"), "fd00:77::c" } },
            new Hashtable { ["Name"] = "node-3", ["PodCidr"] = "10.244.2.0/24", ["NodeIP"] = IPAddress.Parse("192.168.77.13"), ["transportinterface"] = "bond0" },
        },
    };

    [Fact]
    public void ADescriptionFileIsReadAsItsTemplateAndItsNodesWithKeysInAnyCase()
    {
        Hashtable file = ClusterFile();
        (IDictionary template, List<ClusterNode> nodes) = ClusterDescription.File(file, "cluster.psd1");
        Assert.Same(file["template"], template);
        Assert.Equal(["node-1", "node-2", "node-3"], nodes.Select(n => n.Name));
        // Pod CIDRs and addresses IPv4 first, duplicates dropped; a single value is a list of one.
        Assert.Equal(["10.244.0.0/24", "fd00:10:244::/64"], nodes[0].PodCidr.Select(p => p.ToString()));
        Assert.Equal(["192.168.77.11", "fd00:77::b"], nodes[0].NodeIP.Select(a => a.ToString()));
        Assert.Equal(["10.244.1.0/24", "fd00:10:244:1::/64"], nodes[1].PodCidr.Select(p => p.ToString()));
        Assert.Equal(["192.168.77.12", "fd00:77::c"], nodes[1].NodeIP.Select(a => a.ToString()));
        Assert.Equal(["10.244.2.0/24"], nodes[2].PodCidr.Select(p => p.ToString()));
        Assert.Equal(["192.168.77.13"], nodes[2].NodeIP.Select(a => a.ToString()));
        Assert.Equal([null, null, "bond0"], nodes.Select(n => n.TransportInterface));
        Assert.All(nodes, n => Assert.Null(n.Deleting));
    }

    /// <summary>
    /// Keys are matched in any case; a dictionary that holds one key in two cases (only a case-sensitive one can) is
    /// refused naming both spellings, in a Node entry as in the Kubernetes objects, whichever comes first.
    /// </summary>
    [Fact]
    public void AKeyGivenInTwoCasesIsRefusedNamingBoth()
    {
        var entry = new Hashtable(StringComparer.Ordinal) { ["name"] = "other", ["Name"] = "node-1" };
        HostAccelException refused = Assert.Throws<HostAccelException>(() => ClusterDescription.Nodes(entry, "n").ToList());
        Assert.Equal(ErrorIds.InvalidConfiguration, refused.ErrorId);
        Assert.Equal(FailureKind.InvalidArgument, refused.Kind);
        string[] keys = [.. entry.Keys.Cast<string>()];
        Assert.Equal($"'{keys[0]}' and '{keys[1]}' are the same key (keys are read in any case), given twice", refused.Message);
        Assert.Equal(keys[1], refused.TargetObject);

        var metadata = new Hashtable(StringComparer.Ordinal) { ["name"] = "node-1", ["NAME"] = "node-2" };
        var node = new Hashtable { ["kind"] = "Node", ["metadata"] = metadata };
        refused = Assert.Throws<HostAccelException>(() => ClusterDescription.Nodes(node, "n").ToList());
        Assert.Contains("are the same key (keys are read in any case), given twice", refused.Message, StringComparison.Ordinal);

        Assert.Equal("node-1", Assert.Single(ClusterDescription.Nodes(new Hashtable(StringComparer.Ordinal) { ["NAME"] = "node-1" }, "n")).Name);
    }

    [Fact]
    public void ADescriptionFileWithoutTemplateHasAnEmptyOneAndAnEntryWithoutPodCidrOrNodeIPHasNone()
    {
        (IDictionary template, List<ClusterNode> nodes) = ClusterDescription.File(new Hashtable { ["Nodes"] = new Hashtable[] { new() { ["Name"] = "n1" } } }, "f");
        Assert.Empty(template);
        ClusterNode node = Assert.Single(nodes);
        Assert.Equal(("n1", 0, 0), (node.Name, node.PodCidr.Count, node.NodeIP.Count));
    }

    /// <summary>A Kubernetes Node as ConvertFrom-Json gives it to the cmdlet (keys as Kubernetes writes them).</summary>
    private static Hashtable KubeNode(string name, object? spec, object? addresses = null, object? deletionTimestamp = null, string? kind = "Node")
    {
        var metadata = new Hashtable { ["name"] = name, ["labels"] = new Hashtable { ["kubernetes.io/hostname"] = name } };
        if (deletionTimestamp is not null)
        {
            metadata["deletionTimestamp"] = deletionTimestamp;
        }

        var node = new Hashtable { ["apiVersion"] = "v1", ["metadata"] = metadata };
        if (kind is not null)
        {
            node["kind"] = kind;
        }

        if (spec is not null)
        {
            node["spec"] = spec;
        }

        if (addresses is not null)
        {
            node["status"] = new Hashtable { ["addresses"] = addresses, ["capacity"] = new Hashtable { ["pods"] = "110" } };
        }

        return node;
    }

    private static Hashtable Address(string type, string address) => new() { ["type"] = type, ["address"] = address };

    [Theory]
    [InlineData("List")]
    [InlineData("NodeList")]
    public void AListOrNodeListIsReadAsItsItemsWithWhatKubernetesSaysOfEach(string kind)
    {
        var list = new Hashtable
        {
            ["apiVersion"] = "v1",
            ["kind"] = kind,
            ["items"] = new object[]
            {
                // podCIDRs wins over the single-stack podCIDR; only InternalIPs are transport addresses.
                KubeNode("a", new Hashtable { ["podCIDR"] = "10.9.9.0/24", ["podCIDRs"] = new[] { "fd00:42::/64", "10.42.0.0/24" } },
                    new object[] { Address("Hostname", "a"), Address("InternalIP", "fd00::11"), "junk", Address("ExternalIP", "203.0.113.1"), Address("InternalIP", "10.0.0.11") }),
                KubeNode("b", new Hashtable { ["podCIDR"] = "10.42.1.0/24" }, new object[] { Address("InternalIP", "10.0.0.12") }),
                KubeNode("c", spec: null, kind: null),
                KubeNode("d", new Hashtable { ["providerID"] = "kind://docker/kind/d" }, new Hashtable[] { new() { ["address"] = "10.0.0.14" } }),
                KubeNode("e", new Hashtable { ["podCIDRs"] = new[] { "10.42.4.0/24" } }, deletionTimestamp: "2025-11-20T09:41:02Z"),
                KubeNode("f", new Hashtable { ["podCIDRs"] = new[] { "10.42.5.0/24" } }, deletionTimestamp: new DateTime(2025, 11, 20, 9, 41, 3, DateTimeKind.Utc)),
            },
        };
        List<ClusterNode> nodes = ClusterDescription.Nodes(list, "nodes.json").ToList();
        Assert.Equal(["a", "b", "c", "d", "e", "f"], nodes.Select(n => n.Name));
        Assert.Equal(["10.42.0.0/24", "fd00:42::/64"], nodes[0].PodCidr.Select(p => p.ToString()));
        Assert.Equal(["10.0.0.11", "fd00::11"], nodes[0].NodeIP.Select(a => a.ToString()));
        Assert.Equal(["10.42.1.0/24"], nodes[1].PodCidr.Select(p => p.ToString()));
        Assert.Equal(["10.0.0.12"], nodes[1].NodeIP.Select(a => a.ToString()));
        Assert.Empty(nodes[2].PodCidr);
        Assert.Empty(nodes[2].NodeIP);
        Assert.Empty(nodes[3].PodCidr);
        Assert.Empty(nodes[3].NodeIP);
        Assert.Equal([null, null, null, null, "2025-11-20T09:41:02Z", "2025-11-20T09:41:03Z"], nodes.Select(n => n.Deleting));
        Assert.All(nodes, n => Assert.Null(n.TransportInterface));
    }

    [Fact]
    public void AnObjectWithItemsIsANodeUnlessItsKindIsListOrNodeList()
    {
        var items = new object[] { KubeNode("inner", null) };
        Hashtable node = KubeNode("outer", null);
        node["items"] = items;
        Assert.Equal(["outer"], ClusterDescription.Nodes(node, "x").Select(n => n.Name));
        node.Remove("kind");
        Assert.Equal(["outer"], ClusterDescription.Nodes(node, "x").Select(n => n.Name));
        node["kind"] = "List";
        Assert.Equal(["inner"], ClusterDescription.Nodes(node, "x").Select(n => n.Name));
        // A List without items is read as a Node, and a Node is what it is not.
        Assert.Equal("x is a List, not a Node", Refused(() => ClusterDescription.Nodes(KubeNode("l", null, kind: "List"), "x").ToList(), ClusterErrorIds.InvalidNode, "List").Message);
    }

    /// <summary>A saved kubectl get nodes -o json is a cluster description too: its kind says so, and it has no template.</summary>
    [Fact]
    public void ASavedNodeListIsADescriptionFileWithoutTemplate()
    {
        IDictionary list = Json(Path.Combine(Root, "tests", "fixtures", "kubernetes", "nodes-overlapping.json"));
        (IDictionary template, List<ClusterNode> nodes) = ClusterDescription.File(list, "nodes-overlapping.json");
        Assert.Empty(template);
        Assert.Equal(["node-a", "node-b"], nodes.Select(n => n.Name));
        Assert.Equal(["10.42.0.128/25", "fd00:42:0:1::/64"], nodes[1].PodCidr.Select(p => p.ToString()));
        Assert.Equal(["10.0.0.12", "fd00::12"], nodes[1].NodeIP.Select(a => a.ToString()));
    }

    // ---- Planning ---------------------------------------------------------------------------------------------

    /// <summary>Example 2 of the help: node-3 is IPv4 only, gets the IPv4 Pod CIDRs of the others, and they get its one.</summary>
    [Fact]
    public void EachNodeGetsItsOwnPodCidrsLocalAndTheOtherNodesOfItsFamiliesAsPeers()
    {
        (IDictionary template, List<ClusterNode> nodes) = ClusterDescription.File(ClusterFile(), "cluster.psd1");
        ClusterDescription.Result result = ClusterDescription.Plan(nodes, template, transportInterface: "eth9");
        Assert.Empty(result.Warnings);
        Assert.Equal(["node-1", "node-2", "node-3"], result.Configurations.Select(c => c.NodeName));
        AccelConfiguration one = result.Configurations[0], two = result.Configurations[1], three = result.Configurations[2];
        Assert.Equal(["10.244.0.0/24", "fd00:10:244::/64"], one.LocalPodCidr);
        Assert.Equal(["10.244.1.0/24", "10.244.2.0/24", "fd00:10:244:1::/64"], one.PeerPodCidr);
        Assert.Equal(["192.168.77.12", "192.168.77.13", "fd00:77::c"], one.PeerNodeIP);
        Assert.Equal(["192.168.77.11", "fd00:77::b"], one.NodeIP);
        Assert.Equal(["10.244.0.0/24", "10.244.2.0/24", "fd00:10:244::/64"], two.PeerPodCidr);
        Assert.Equal(["192.168.77.11", "192.168.77.13", "fd00:77::b"], two.PeerNodeIP);
        Assert.Equal(["10.244.2.0/24"], three.LocalPodCidr);
        Assert.Equal(["10.244.0.0/24", "10.244.1.0/24"], three.PeerPodCidr);
        Assert.Equal(["192.168.77.11", "192.168.77.12"], three.PeerNodeIP);
        Assert.Equal(["192.168.77.13"], three.NodeIP);
        Assert.Equal([AccelFamily.Ip], three.Family);
        // The Node's own interface wins over the one for all, which the template's (eth0) gives way to.
        Assert.Equal(["eth9", "eth9", "bond0"], result.Configurations.Select(c => c.TransportInterface));
        Assert.All(result.Configurations, c => Assert.Equal((AccelTraffic.PodToPod | AccelTraffic.FullPath, true), (c.Traffic, c.Counter)));
        Assert.Equal(
        [
            "the Node node-1: 2 Pod CIDRs, 3 peer Pod CIDRs from 2 other Nodes",
            "the Node node-2: 2 Pod CIDRs, 3 peer Pod CIDRs from 2 other Nodes",
            "the Node node-3: 1 Pod CIDR, 2 peer Pod CIDRs from 2 other Nodes",
        ], result.Notes);

        // Without an interface for all, the template's is the Nodes' that name none.
        Assert.Equal(["eth0", "eth0", "bond0"], ClusterDescription.Plan(nodes, template, null).Configurations.Select(c => c.TransportInterface));
    }

    [Fact]
    public void WithoutFullPathTrafficNoNodeGetsPeerNodeIPsAndNoneIsMissed()
    {
        List<ClusterNode> nodes = [Node("a", ["10.0.0.0/24"], ["192.168.0.1"]), Node("b", ["10.0.1.0/24"])];
        ClusterDescription.Result result = ClusterDescription.Plan(nodes, new Hashtable(), "eth0");
        Assert.Empty(result.Warnings);
        Assert.All(result.Configurations, c => Assert.Equal(AccelTraffic.PodToPod, c.Traffic));
        Assert.All(result.Configurations, c => Assert.Empty(c.PeerNodeIP));
        Assert.Equal(["10.0.1.0/24"], result.Configurations[0].PeerPodCidr);
        Assert.Equal(["10.0.0.0/24"], result.Configurations[1].PeerPodCidr);
        Assert.Equal(["192.168.0.1"], result.Configurations[0].NodeIP);
        Assert.Empty(result.Configurations[1].NodeIP);
        Assert.Equal(["the Node a: 1 Pod CIDR, 1 peer Pod CIDRs from 1 other Node", "the Node b: 1 Pod CIDR, 1 peer Pod CIDRs from 1 other Node"], result.Notes);

        ClusterDescription.Result alone = ClusterDescription.Plan([Node("a", ["10.0.0.0/24"])], new Hashtable { ["Traffic"] = "None" }, null);
        Assert.Equal(["the Node a: 1 Pod CIDR, 0 peer Pod CIDRs from 0 other Nodes"], alone.Notes);
        Assert.Null(Assert.Single(alone.Configurations).TransportInterface);
    }

    /// <summary>Example 1's warnings: a Node without Pod CIDRs or being deleted is no one's peer and gets nothing; FullPath misses a Node without InternalIP.</summary>
    [Fact]
    public void NodesWithoutPodCidrsOrBeingDeletedAreWarnedOfAndLeftOut()
    {
        List<ClusterNode> nodes =
        [
            Node("kind-worker", ["10.244.1.0/24"], ["172.18.0.2"]),
            Node("kind-worker2", ["10.244.2.0/24"]),
            Node("kind-worker3", []),
            Node("kind-worker4", ["10.244.4.0/24"], ["172.18.0.5"], deleting: "2025-11-20T09:41:02Z"),
            Node("kind-worker5", [], deleting: "2025-11-21T00:00:00Z"),
        ];
        ClusterDescription.Result result = ClusterDescription.Plan(nodes, new Hashtable { ["Traffic"] = AccelTraffic.FullPath }, "eth0");
        Assert.Equal(
        [
            "the Node kind-worker3 has no Pod CIDR yet (spec.podCIDRs is empty): it is no other Node's peer, and gets no configuration until it has one",
            "the Node kind-worker4 is being deleted (deletionTimestamp 2025-11-20T09:41:02Z): it is no other Node's peer, and gets no configuration",
            "the Node kind-worker5 is being deleted (deletionTimestamp 2025-11-21T00:00:00Z): it is no other Node's peer, and gets no configuration",
            "the Node kind-worker2 has no InternalIP in status.addresses: the other Nodes' peer-node-ip sets leave it out, so FullPath traffic from it is not accelerated",
        ], result.Warnings);
        Assert.Equal(["kind-worker", "kind-worker2"], result.Configurations.Select(c => c.NodeName));
        Assert.Equal(["10.244.2.0/24"], result.Configurations[0].PeerPodCidr);
        Assert.Empty(result.Configurations[0].PeerNodeIP);
        Assert.Equal(["10.244.1.0/24"], result.Configurations[1].PeerPodCidr);
        Assert.Equal(["172.18.0.2"], result.Configurations[1].PeerNodeIP);
    }

    /// <summary>Example 4, from its fixture: the message, id and target the help shows.</summary>
    [Fact]
    public void PodCidrsOfTwoNodesThatOverlapFailTheWholeCallAsTheHelpShows()
    {
        (IDictionary template, List<ClusterNode> nodes) = ClusterDescription.File(Json(Path.Combine(Root, "tests", "fixtures", "kubernetes", "nodes-overlapping.json")), "nodes-overlapping.json");
        HostAccelException failure = Refused(() => ClusterDescription.Plan(nodes, template, "eth0"), ErrorIds.OverlappingCidr, "10.42.0.128/25");
        Assert.Equal("the Pod CIDR 10.42.0.128/25 of the Node node-b overlaps 10.42.0.0/24 of the Node node-a: each Node's Pods have addresses of their own", failure.Message);
    }

    public static TheoryData<string, string, string> Overlaps() => new()
    {
        { "10.1.0.0/24 10.1.0.0/24", "the Nodes a and b both have the Pod CIDR 10.1.0.0/24: each Node's Pods have addresses of their own", "10.1.0.0/24" },
        { "10.1.0.0/24 10.1.0.0/16", "the Pod CIDR 10.1.0.0/24 of the Node a overlaps 10.1.0.0/16 of the Node b: each Node's Pods have addresses of their own", "10.1.0.0/24" },
        { "fd00:1::/64 fd00::/16", "the Pod CIDR fd00:1::/64 of the Node a overlaps fd00::/16 of the Node b: each Node's Pods have addresses of their own", "fd00:1::/64" },
        // Only adjacent in sorted order: the third Node's CIDR comes after two that do not overlap.
        { "10.3.0.0/24 10.2.0.0/24 10.1.0.0/24 10.3.0.128/25", "the Pod CIDR 10.3.0.128/25 of the Node d overlaps 10.3.0.0/24 of the Node a: each Node's Pods have addresses of their own", "10.3.0.128/25" },
    };

    [Theory]
    [MemberData(nameof(Overlaps))]
    public void PodCidrsThatOverlapBetweenNodesAreRefusedNamingBothNodes(string cidrs, string message, string target)
    {
        List<ClusterNode> nodes = cidrs.Split(' ').Select((c, i) => Node(((char)('a' + i)).ToString(), [c])).ToList();
        Assert.Equal(message, Refused(() => ClusterDescription.Plan(nodes, new Hashtable(), "eth0"), ErrorIds.OverlappingCidr, target).Message);
    }

    [Fact]
    public void OverlappingPodCidrsOfOneNodeAreRefusedNamingTheNode()
    {
        // The reader allows one per family, so only a Node built otherwise can hold two that overlap.
        var node = new ClusterNode("a", [IpPrefix.Parse("10.1.0.0/16"), IpPrefix.Parse("10.1.2.0/24")], [], null, null);
        Assert.Equal("the Node a has the Pod CIDRs 10.1.0.0/16 and 10.1.2.0/24, which overlap",
            Refused(() => ClusterDescription.Plan([node, Node("b", ["10.2.0.0/24"])], new Hashtable(), "eth0"), ErrorIds.OverlappingCidr, "10.1.2.0/24").Message);
    }

    [Fact]
    public void DisjointPodCidrsInAnyOrderPass()
    {
        List<ClusterNode> nodes = [Node("a", ["10.3.0.0/24"]), Node("b", ["10.1.0.0/24"]), Node("c", ["10.2.0.0/24"]), Node("d", ["10.2.1.0/24"])];
        Assert.Equal(4, ClusterDescription.Plan(nodes, new Hashtable(), "eth0").Configurations.Count);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void ANodeGivenTwiceFailsTheWholeCall(int times)
    {
        List<ClusterNode> nodes = [Node("other", ["10.9.0.0/24"]), .. Enumerable.Range(0, times).Select(i => Node("node-1", [$"10.0.{i}.0/24"]))];
        HostAccelException failure = Refused(() => ClusterDescription.Plan(nodes, new Hashtable(), "eth0"), ClusterErrorIds.DuplicateNode, "node-1");
        Assert.Equal($"the Node node-1 is given {times} times; each Node of a cluster has a name of its own", failure.Message);
    }

    [Fact]
    public void NamesThatDifferOnlyInCaseAreTwoNodes()
    {
        Assert.Equal(["node", "NODE"], ClusterDescription.Plan([Node("node", ["10.0.0.0/24"]), Node("NODE", ["10.0.1.0/24"])], new Hashtable(), "eth0").Configurations.Select(c => c.NodeName));
    }

    [Theory]
    [InlineData("LocalPodCidr")]
    [InlineData("peerpodcidr")]
    [InlineData("PEERNODEIP")]
    [InlineData("NodeName")]
    [InlineData("NodeIP")]
    public void ATemplateThatGivesWhatTheClusterComputesIsRefused(string key)
    {
        var template = new Hashtable { ["Counter"] = true, [key] = "10.0.0.0/24" };
        HostAccelException failure = Refused(() => ClusterDescription.Plan([Node("a", ["10.0.0.0/24"])], template, "eth0"), ErrorIds.InvalidConfiguration, key);
        Assert.Equal($"the template gives {key}, which ConvertTo-AccelConfiguration computes for each Node from the cluster", failure.Message);
    }

    public static TheoryData<string, string, string, object?> TemplatesThatDoNotFit() => new()
    {
        // The validator's words, with the Node named in front.
        { "Priority", "the Node a: Priority must be from -400 to 400, not 401", ErrorIds.InvalidConfiguration, 401 },
        // The reader's own, which already begin with the Node.
        { "Trafic", "the Node a: 'Trafic' is not a configuration setting; the settings are ", ErrorIds.InvalidConfiguration, "Trafic" },
    };

    [Theory]
    [MemberData(nameof(TemplatesThatDoNotFit))]
    public void ASettingThatDoesNotFitANodeIsRefusedNamingTheNodeOnce(string key, string message, string errorId, object? target)
    {
        var template = new Hashtable { [key] = key == "Priority" ? 401 : "All" };
        HostAccelException failure = Refused(() => ClusterDescription.Plan([Node("a", ["10.0.0.0/24"])], template, "eth0"), errorId, target);
        Assert.StartsWith(message, failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("the Node a: the Node a", failure.Message, StringComparison.Ordinal);
        Assert.IsType<HostAccelException>(failure.InnerException);
    }

    [Fact]
    public void PodToPodTrafficWithoutATransportInterfaceIsRefusedNamingTheNode()
    {
        HostAccelException failure = Refused(() => ClusterDescription.Plan([Node("a", ["10.0.0.0/24"])], new Hashtable(), null), ErrorIds.InvalidConfiguration, "TransportInterface");
        Assert.StartsWith("the Node a: TransportInterface is needed for PodToPod traffic", failure.Message, StringComparison.Ordinal);
    }

    // ---- Refusals while reading ---------------------------------------------------------------------------------

    private static readonly Dictionary<string, (Action Read, string ErrorId, object? Target, string Message)> Refusals = new()
    {
        ["unknown file key"] = (() => ClusterDescription.File(new Hashtable { ["Nodes"] = Array.Empty<object>(), ["Node"] = "a" }, "c.psd1"), ErrorIds.InvalidConfiguration, "Node",
            "c.psd1: 'Node' is not a key of a cluster description; the keys are Template, Nodes (or the kind and items of kubectl get nodes -o json)"),
        ["template not settings"] = (() => ClusterDescription.File(new Hashtable { ["Template"] = "Counter", ["Nodes"] = Array.Empty<object>() }, "c.psd1"), ErrorIds.InvalidConfiguration, "Counter",
            "c.psd1: Template must hold settings, @{ Setting = value; … }, not the String 'Counter'"),
        ["no Nodes"] = (() => ClusterDescription.File(new Hashtable { ["Template"] = new Hashtable() }, "c.psd1"), ErrorIds.InvalidConfiguration, "c.psd1",
            "c.psd1 names no Nodes: give Nodes = @( @{ Name = …; PodCidr = … }, … )"),
        ["Nodes a set of keys"] = (() => ClusterDescription.File(new Hashtable { ["Nodes"] = new Hashtable { ["Name"] = "a" } }, "c.psd1"), ErrorIds.InvalidConfiguration, "c.psd1: Nodes",
            "c.psd1: Nodes is a list, not a set of keys"),
        ["Nodes entry a string"] = (() => ClusterDescription.File(new Hashtable { ["Nodes"] = new object[] { new Hashtable { ["Name"] = "a" }, "node-2" } }, "c.psd1"), ClusterErrorIds.InvalidNode, "node-2",
            $"c.psd1: Nodes[1] {NotANodeAdvice}the String 'node-2'"),
        ["Nodes one string"] = (() => ClusterDescription.File(new Hashtable { ["Nodes"] = "node-1" }, "c.psd1"), ClusterErrorIds.InvalidNode, "node-1",
            $"c.psd1: Nodes[0] {NotANodeAdvice}the String 'node-1'"),
        ["Nodes one number"] = (() => ClusterDescription.File(new Hashtable { ["Nodes"] = 5 }, "c.psd1"), ClusterErrorIds.InvalidNode, 5,
            $"c.psd1: Nodes[0] {NotANodeAdvice}the Int32 '5'"),
        ["Nodes entry null"] = (() => ClusterDescription.File(new Hashtable { ["Nodes"] = new object?[] { null } }, "c.psd1"), ClusterErrorIds.InvalidNode, null,
            $"c.psd1: Nodes[0] {NotANodeAdvice}null"),
        ["List item not a Node"] = (() => ClusterDescription.Nodes(new Hashtable { ["kind"] = "List", ["items"] = new object[] { KubeNode("a", null), 7 } }, "nodes.json").ToList(), ClusterErrorIds.InvalidNode, 7,
            $"nodes.json: items[1] {NotANodeAdvice}the Int32 '7'"),
        ["List items a set of keys"] = (() => ClusterDescription.Nodes(new Hashtable { ["kind"] = "NodeList", ["items"] = KubeNode("a", null) }, "nodes.json").ToList(), ErrorIds.InvalidConfiguration, "nodes.json: items",
            "nodes.json: items is a list, not a set of keys"),
        ["not a Node kind"] = (() => ClusterDescription.Nodes(KubeNode("web", null, kind: "Pod"), "Node 1 of the input").ToList(), ClusterErrorIds.InvalidNode, "Pod",
            "Node 1 of the input is a Pod, not a Node"),
        ["metadata without name"] = (() => ClusterDescription.Nodes(KubeNode("", null), "Node 2 of the input").ToList(), ClusterErrorIds.InvalidNode, "Node 2 of the input",
            "Node 2 of the input: the Node has no metadata.name"),
        ["metadata name not a string"] = (() => ClusterDescription.Nodes(new Hashtable { ["metadata"] = new Hashtable { ["name"] = 3 } }, "Node 2 of the input").ToList(), ClusterErrorIds.InvalidNode, "Node 2 of the input",
            "Node 2 of the input: the Node has no metadata.name"),
        ["status.addresses a set of keys"] = (() => ClusterDescription.Nodes(KubeNode("a", null, Address("InternalIP", "10.0.0.1")), "n").ToList(), ErrorIds.InvalidConfiguration, "the Node a: status.addresses",
            "the Node a: status.addresses is a list, not a set of keys"),
        ["unknown entry key"] = (() => ClusterDescription.Nodes(new Hashtable { ["Name"] = "a", ["PodCIDRs"] = "10.0.0.0/24" }, "Node 3 of the input").ToList(), ClusterErrorIds.InvalidNode, "PodCIDRs",
            "Node 3 of the input: 'PodCIDRs' is not a key of a Node; a Node is a Kubernetes Node object (kubectl get nodes -o json) or has the keys Name, PodCidr, NodeIP, TransportInterface"),
        ["entry without Name"] = (() => ClusterDescription.Nodes(new Hashtable { ["PodCidr"] = "10.0.0.0/24" }, "Node 3 of the input").ToList(), ClusterErrorIds.InvalidNode, "Node 3 of the input",
            "Node 3 of the input: a Node needs a Name"),
        ["entry with an empty Name"] = (() => ClusterDescription.Nodes(new Hashtable { ["Name"] = "" }, "Node 3 of the input").ToList(), ClusterErrorIds.InvalidNode, "Node 3 of the input",
            "Node 3 of the input: a Node needs a Name"),
        ["TransportInterface a list"] = (() => ClusterDescription.Nodes(new Hashtable { ["Name"] = "a", ["TransportInterface"] = 4 }, "n").ToList(), ErrorIds.InvalidConfiguration, 4,
            "the Node a: TransportInterface takes one name, not the Int32 '4'"),
        ["Pod CIDR not a string"] = (() => ClusterDescription.Nodes(new Hashtable { ["Name"] = "a", ["PodCidr"] = 24 }, "n").ToList(), ErrorIds.InvalidConfiguration, 24,
            "the Node a: a Pod CIDR is a string, not the Int32 '24'"),
        ["Pod CIDR null"] = (() => ClusterDescription.Nodes(new Hashtable { ["Name"] = "a", ["PodCidr"] = new object?[] { "10.0.0.0/24", null } }, "n").ToList(), ErrorIds.InvalidConfiguration, null,
            "the Node a: a Pod CIDR is a string, not null"),
        ["Pod CIDR a set of keys"] = (() => ClusterDescription.Nodes(new Hashtable { ["Name"] = "a", ["PodCidr"] = new Hashtable() }, "n").ToList(), ErrorIds.InvalidConfiguration, "the Node a: PodCidr",
            "the Node a: PodCidr is a list, not a set of keys"),
        ["Pod CIDR the whole space"] = (() => ClusterDescription.Nodes(new Hashtable { ["Name"] = "a", ["PodCidr"] = "0.0.0.0/0" }, "n").ToList(), ErrorIds.InvalidCidr, "0.0.0.0/0",
            "the Node a: 0.0.0.0/0 is the whole IPv4 address space: as a Pod CIDR it would accelerate every forwarded connection; give the Pod CIDRs themselves"),
        ["two IPv4 Pod CIDRs"] = (() => ClusterDescription.Nodes(KubeNode("a", new Hashtable { ["podCIDRs"] = new[] { "10.1.0.0/24", "fd00::/64", "10.2.0.0/24" } }), "n").ToList(), ErrorIds.InvalidConfiguration, "10.2.0.0/24",
            "the Node a has two IPv4 Pod CIDRs, 10.1.0.0/24 and 10.2.0.0/24: a Node has at most one per family"),
        ["two IPv6 Pod CIDRs"] = (() => ClusterDescription.Nodes(new Hashtable { ["Name"] = "a", ["PodCidr"] = new[] { "fd00:1::/64", "10.1.0.0/24", "fd00:2::/64" } }, "n").ToList(), ErrorIds.InvalidConfiguration, "fd00:2::/64",
            "the Node a has two IPv6 Pod CIDRs, fd00:1::/64 and fd00:2::/64: a Node has at most one per family"),
        ["NodeIP not an address"] = (() => ClusterDescription.Nodes(new Hashtable { ["Name"] = "a", ["NodeIP"] = new[] { "10.0.0.1", "node-a" } }, "n").ToList(), ErrorIds.InvalidArgument, "node-a",
            "the Node a: 'node-a' is not an IP address (an InternalIP, a transport IP)"),
        ["NodeIP a prefix"] = (() => ClusterDescription.Nodes(new Hashtable { ["Name"] = "a", ["NodeIP"] = "10.0.0.1/32" }, "n").ToList(), ErrorIds.InvalidArgument, "10.0.0.1/32",
            "the Node a: '10.0.0.1/32' is not an IP address (an InternalIP, a transport IP)"),
        ["NodeIP null"] = (() => ClusterDescription.Nodes(new Hashtable { ["Name"] = "a", ["NodeIP"] = new object?[] { null } }, "n").ToList(), ErrorIds.InvalidArgument, "",
            "the Node a: '' is not an IP address (an InternalIP, a transport IP)"),
        ["InternalIP without address"] = (() => ClusterDescription.Nodes(KubeNode("a", null, new object[] { new Hashtable { ["type"] = "InternalIP" } }), "n").ToList(), ErrorIds.InvalidArgument, "",
            "the Node a: '' is not an IP address (an InternalIP, a transport IP)"),
    };

    public static TheoryData<string> RefusalCases()
    {
        var cases = new TheoryData<string>();
        foreach (string name in Refusals.Keys)
        {
            cases.Add(name);
        }

        return cases;
    }

    [Fact]
    public void MetadataThatIsNotAnObjectIsNotANode()
    {
        var node = new Hashtable { ["kind"] = "Node", ["metadata"] = "node-1" };
        HostAccelException failure = Refused(() => ClusterDescription.Nodes(node, "Node 1 of the input").ToList(), ClusterErrorIds.InvalidNode, node);
        Assert.Equal($"Node 1 of the input {NotANodeAdvice}the Hashtable 'System.Collections.Hashtable'", failure.Message);
    }

    [Theory]
    [MemberData(nameof(RefusalCases))]
    public void WhatIsNotAClusterOrANodeIsRefusedNamingTheValueAtFault(string name)
    {
        (Action read, string errorId, object? target, string message) = Refusals[name];
        Assert.Equal(message, Refused(read, errorId, target).Message);
    }

    [Theory]
    [InlineData("10.244.0/24", "InvalidCidr")]
    [InlineData("10.244.2.1/24", "HostBitsSet")]
    public void ABadPodCidrKeepsItsErrorIdAndNamesTheNode(string cidr, string errorId)
    {
        HostAccelException failure = Refused(() => ClusterDescription.Nodes(new Hashtable { ["Name"] = "a", ["PodCidr"] = cidr }, "n").ToList(), errorId, cidr);
        Assert.StartsWith($"the Node a: ", failure.Message, StringComparison.Ordinal);
        HostAccelException inner = Assert.IsType<HostAccelException>(failure.InnerException);
        Assert.Equal($"the Node a: {inner.Message}", failure.Message);
    }

    // ---- Helpers ------------------------------------------------------------------------------------------------

    private static ClusterNode Node(string name, string[] cidrs, string[]? addresses = null, string? deleting = null) =>
        new(name, cidrs.Select(IpPrefix.Parse).ToList(), (addresses ?? []).Select(IPAddress.Parse).ToList(), null, deleting);

    private static IDictionary Json(string path)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        return (IDictionary)ConfigurationReader.FromJson(document.RootElement)!;
    }

    private static HostAccelException Refused(Action action, string errorId, object? target)
    {
        HostAccelException failure = Assert.Throws<HostAccelException>(action);
        Assert.Equal((errorId, FailureKind.InvalidArgument), (failure.ErrorId, failure.Kind));
        Assert.Equal(target, failure.TargetObject);
        return failure;
    }

    private static HostAccelException Refused(Func<object> action, string errorId, object? target) => Refused(() => { _ = action(); }, errorId, target);
}
