using System.Collections;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using Xunit;

namespace HostAccel.PowerShell.Tests.Unit;

/// <summary>
/// How ConvertTo-AccelConfiguration's reader names what it refuses: the List item by its index, a Node's NodeIP
/// given as a set of keys, and a key whose name is nothing (an object whose text is null) as the empty name.
/// </summary>
public sealed class ClusterDescriptionNamingTests
{
    /// <summary>A dictionary key whose text is null, as no hashtable written by hand holds but an object can.</summary>
    private sealed class Nameless
    {
        public override string? ToString() => null;
    }

    [Fact]
    public void AnInvalidNodeOfAListIsNamedByItsIndexInTheItems()
    {
        var list = new Hashtable
        {
            ["kind"] = "List",
            ["items"] = new object[] { new Hashtable { ["Name"] = "a", ["PodCidr"] = "10.0.0.0/24" }, new Hashtable { ["Name"] = "b", ["Zone"] = "x" } },
        };
        HostAccelException failure = Assert.Throws<HostAccelException>(() => ClusterDescription.Nodes(list, "nodes.json").ToList());
        Assert.Equal((ClusterErrorIds.InvalidNode, FailureKind.InvalidArgument, (object?)"Zone"), (failure.ErrorId, failure.Kind, failure.TargetObject));
        Assert.Equal("nodes.json: items[1]: 'Zone' is not a key of a Node; a Node is a Kubernetes Node object (kubectl get nodes -o json) or has the keys Name, PodCidr, NodeIP, TransportInterface", failure.Message);

        list["items"] = new object[] { new Hashtable { ["PodCidr"] = "10.0.0.0/24" } };
        failure = Assert.Throws<HostAccelException>(() => ClusterDescription.Nodes(list, "nodes.json").ToList());
        Assert.Equal(("nodes.json: items[0]: a Node needs a Name", (object?)"nodes.json: items[0]"), (failure.Message, failure.TargetObject));
    }

    [Fact]
    public void ANodeIPGivenAsASetOfKeysIsRefusedNamingTheNode()
    {
        HostAccelException failure = Assert.Throws<HostAccelException>(() =>
            ClusterDescription.Nodes(new Hashtable { ["Name"] = "node-1", ["NodeIP"] = new Hashtable { ["address"] = "10.0.0.1" } }, "n").ToList());
        Assert.Equal((ErrorIds.InvalidConfiguration, FailureKind.InvalidArgument, (object?)"the Node node-1: NodeIP"), (failure.ErrorId, failure.Kind, failure.TargetObject));
        Assert.Equal("the Node node-1: NodeIP is a list, not a set of keys", failure.Message);
    }

    [Fact]
    public void AKeyWithoutANameIsRefusedAsTheEmptyName()
    {
        HostAccelException file = Assert.Throws<HostAccelException>(() => ClusterDescription.File(new Hashtable { [new Nameless()] = 1, ["Nodes"] = Array.Empty<object>() }, "c.psd1"));
        Assert.Equal(("c.psd1: '' is not a key of a cluster description; the keys are Template, Nodes (or the kind and items of kubectl get nodes -o json)", (object?)""), (file.Message, file.TargetObject));

        HostAccelException node = Assert.Throws<HostAccelException>(() => ClusterDescription.Nodes(new Hashtable { ["Name"] = "a", [new Nameless()] = 1 }, "n").ToList());
        Assert.Equal((ClusterErrorIds.InvalidNode, "n: '' is not a key of a Node; a Node is a Kubernetes Node object (kubectl get nodes -o json) or has the keys Name, PodCidr, NodeIP, TransportInterface", (object?)""),
            (node.ErrorId, node.Message, node.TargetObject));
    }
}
