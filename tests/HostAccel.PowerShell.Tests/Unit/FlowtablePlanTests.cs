using System.Collections;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Engine.Planning;
using HostAccel.PowerShell.Model;
using Xunit;

namespace HostAccel.PowerShell.Tests.Unit;

/// <summary>
/// How a sync plans the flowtables it finds (planned without a kernel, which here could hold none): one that is not
/// desired is deleted, with the rules that offload to it; devices removed from the desired one replace it to evict
/// what it offloaded; devices added to it are added in place.
/// </summary>
public sealed class FlowtablePlanTests
{
    private static readonly Dictionary<string, uint> Devices = new() { ["antrea-gw0"] = 2, ["eth0"] = 3, ["eth1"] = 4 };

    private static AccelConfiguration Desired() => ConfigurationReader.Read(new Hashtable
    {
        ["TransportInterface"] = "eth0",
        ["LocalPodCidr"] = new[] { "10.244.2.0/24" },
        ["PeerPodCidr"] = new[] { "10.244.0.0/24" },
        ["Devices"] = new[] { "eth1" },
    }, "test");

    /// <summary>What a sync of <see cref="Desired"/> leaves in the kernel, with handles, changed by <paramref name="change"/>.</summary>
    private static SyncPlan Plan(Func<KernelTable, KernelTable> change)
    {
        FamilyState state = DesiredState.Build(Desired(), name => Devices[name])[NftFamily.Ip]!;
        ulong handle = 1;
        var held = new KernelTable(state.Table with { Handle = 1 }, state.Sets.Select(s => s.Set).ToList(), [state.Flowtable!], [state.Chain!],
            state.Rules.Select(r => r with { Handle = ++handle }).ToList());
        Dictionary<NftSet, IReadOnlyList<IpPrefix>> elements = state.Sets.ToDictionary(s => s.Set, s => s.Elements);
        return SyncPlanner.Plan(new SyncPlan(7, i => Devices.FirstOrDefault(d => d.Value == i).Key), DesiredState.Build(Desired(), name => Devices[name]),
            new Dictionary<NftFamily, KernelTable?> { [NftFamily.Ip] = change(held), [NftFamily.Ip6] = null }, set => elements[set], Design.TableName, force: false);
    }

    private static KernelTable WithDevices(KernelTable held, params string[] devices) =>
        held with { Flowtables = [held.Flowtables[0] with { Devices = devices }] };

    [Fact]
    public void TheKernelsOwnStateIsNoDifference()
    {
        Assert.True(Plan(held => held).IsEmpty);
    }

    [Fact]
    public void AFlowtableThatIsNotDesiredIsDeletedWithTheRulesThatOffloadToIt()
    {
        SyncPlan plan = Plan(held =>
        {
            NftRule toOld = held.Rules[0] with
            {
                Handle = 99,
                Expressions = held.Rules[0].Expressions.Select(e => e is FlowOffloadExpression ? new FlowOffloadExpression("old") : e).ToArray(),
            };
            return held with
            {
                Flowtables = [.. held.Flowtables, new NftFlowtable(NftFamily.Ip, "antrea", "old") { Devices = new[] { "eth1" } }],
                Rules = [.. held.Rules, toOld],
            };
        });

        Assert.Equal(
            [
                (AccelDriftKind.Extra, "flowtable ip antrea old", "not part of the desired state", "delete flowtable ip antrea old"),
                (AccelDriftKind.Extra, "rule ip antrea forward handle 99", "it refers to an object that is replaced", "delete rule ip antrea forward handle 99"),
            ],
            plan.Drift().Select(d => (d.Kind, d.Object, d.Detail, Assert.Single(d.Statements))));
        Assert.Equal(["delete rule ip antrea forward handle 99", "delete flowtable ip antrea old"], plan.Statements);
    }

    [Theory]
    [InlineData("device eth9 removed from it", "eth9")]
    [InlineData("devices eth8, eth9 removed from it", "eth8", "eth9")]
    public void DevicesRemovedFromTheFlowtableReplaceItToEvictWhatItOffloaded(string narrowed, params string[] extra)
    {
        SyncPlan plan = Plan(held => WithDevices(held, ["antrea-gw0", "eth0", "eth1", .. extra]));

        AccelDrift flowtable = Assert.Single(plan.Drift(), d => d.Object == "flowtable ip antrea fastpath");
        Assert.Equal(
            $"replaced to evict the connections it offloaded ({narrowed}): they take the forward chain again, and those still accelerated are offloaded again",
            flowtable.Detail);
        Assert.Equal(AccelDriftKind.Different, flowtable.Kind);
        Assert.Equal(
            [$"delete flowtable ip antrea fastpath", "add flowtable ip antrea fastpath { hook ingress priority filter; devices = { antrea-gw0, eth0, eth1 }; }"],
            flowtable.Statements);
    }

    [Fact]
    public void DevicesAddedToTheFlowtableAreAddedInPlace()
    {
        SyncPlan plan = Plan(held => WithDevices(held, "eth0"));

        AccelDrift flowtable = Assert.Single(plan.Drift());
        Assert.Equal((AccelDriftKind.Different, "flowtable ip antrea fastpath", "devices antrea-gw0, eth1 to add"), (flowtable.Kind, flowtable.Object, flowtable.Detail));
        Assert.Equal(["add flowtable ip antrea fastpath { hook ingress priority filter; devices = { antrea-gw0, eth1 }; }"], plan.Statements);
        FlowtableChange change = Assert.IsType<FlowtableChange>(Assert.Single(plan.Plan.Changes));
        Assert.Equal((ChangeAction.Add, "fastpath"), (change.Action, change.Flowtable.Name));
        Assert.Equal(["antrea-gw0", "eth1"], change.Flowtable.Devices);
    }
}
