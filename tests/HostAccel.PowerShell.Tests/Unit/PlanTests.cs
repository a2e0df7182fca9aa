using System.Collections;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Engine.Planning;
using HostAccel.PowerShell.Model;
using Xunit;

namespace HostAccel.PowerShell.Tests.Unit;

/// <summary>
/// Plans are data: planned without a kernel from states written by hand, and compared as records. The kernel's side
/// is a <see cref="KernelTable"/> holding exactly what a sync of the same configuration writes, with handles.
/// </summary>
public sealed class PlanTests
{
    private static readonly Dictionary<string, uint> Devices = new() { ["antrea-gw0"] = 2, ["eth0"] = 3, ["eth1"] = 4 };

    private static readonly string[] Peers = ["10.244.0.0/24", "10.244.1.0/24", "10.244.3.0/24"];

    /// <summary>Every traffic type of the slides, IPv4: the state the examples start from.</summary>
    private static AccelConfiguration EveryTrafficType(params string[] peers) => ConfigurationReader.Read(new Hashtable
    {
        ["TransportInterface"] = "eth0",
        ["LocalPodCidr"] = new[] { "10.244.2.0/24" },
        ["PeerPodCidr"] = peers,
        ["Traffic"] = "All",
        ["ExternalIP"] = new[] { "172.18.0.151" },
        ["PeerNodeIP"] = new[] { "172.18.0.2" },
        ["Devices"] = new[] { "eth1" },
    }, "test");

    /// <summary>What the kernel holds after a sync of <paramref name="configuration"/>: every object, rules with handles.</summary>
    private static (Dictionary<NftFamily, KernelTable?> Tables, Dictionary<NftSet, IReadOnlyList<IpPrefix>> Elements) Kernel(AccelConfiguration configuration)
    {
        FamilyState state = DesiredState.Build(configuration, name => Devices[name])[NftFamily.Ip]!;
        ulong handle = 1;
        List<NftRule> rules = state.Rules.Select(r => r with { Handle = ++handle }).ToList();
        var table = new KernelTable(state.Table with { Handle = 1 }, state.Sets.Select(s => s.Set).ToList(), [state.Flowtable!], [state.Chain!], rules);
        return (new() { [NftFamily.Ip] = table, [NftFamily.Ip6] = null }, state.Sets.ToDictionary(s => s.Set, s => s.Elements));
    }

    private static SyncPlan Plan(AccelConfiguration want, AccelConfiguration have)
    {
        (Dictionary<NftFamily, KernelTable?> tables, Dictionary<NftSet, IReadOnlyList<IpPrefix>> elements) = Kernel(have);
        return SyncPlanner.Plan(new SyncPlan(7, i => Devices.FirstOrDefault(d => d.Value == i).Key), DesiredState.Build(want, name => Devices[name]),
            tables, set => elements[set], Design.TableName, force: false);
    }

    [Fact]
    public void SyncingTheStateTheKernelHoldsPlansNothing()
    {
        Assert.True(Plan(EveryTrafficType(Peers), EveryTrafficType(Peers)).IsEmpty);
    }

    [Fact]
    public void RemovingOnePeerCidrDeletesItsElementAndReplacesTheFlowtableWithItsRulesToEvictOffloadedFlows()
    {
        SyncPlan plan = Plan(EveryTrafficType("10.244.0.0/24", "10.244.3.0/24"), EveryTrafficType(Peers));

        var delete = Assert.Single(plan.Plan.Changes.OfType<ElementsChange>());
        Assert.Equal((ChangeAction.Delete, "peer-pod-cidr"), (delete.Action, delete.Set.Name));
        Assert.Equal([IpPrefix.Parse("10.244.1.0/24")], delete.Prefixes);
        Assert.Equal(["10.244.1.0/24"], delete.Subjects);
        Assert.Equal(7u, plan.Plan.Generation);
        Assert.Equal("delete element ip antrea peer-pod-cidr { 10.244.1.0/24 }", plan.Statements.Single(s => s.StartsWith("delete element", StringComparison.Ordinal)));

        // Every rule goes before the flowtable it is bound to, and comes back after the new one, in the same order.
        (Dictionary<NftFamily, KernelTable?> tables, _) = Kernel(EveryTrafficType(Peers));
        IReadOnlyList<NftRule> held = tables[NftFamily.Ip]!.Rules;
        List<Change> changes = plan.Plan.Changes.ToList();
        int flowtableDeleted = changes.FindIndex(c => c is FlowtableChange { Action: ChangeAction.Delete });
        int flowtableAdded = changes.FindIndex(c => c is FlowtableChange { Action: ChangeAction.Add });
        Assert.InRange(flowtableDeleted, 0, flowtableAdded - 1);
        Assert.Equal(held.Select(r => r.Handle), changes.Take(flowtableDeleted).OfType<RuleChange>().Select(r => r.Rule.Handle));
        Assert.All(changes.Take(flowtableDeleted).OfType<RuleChange>(), r => Assert.Equal(ChangeAction.Delete, r.Action));
        Assert.Equal(held.Select(r => r with { Handle = 0 }), changes.Skip(flowtableAdded).OfType<RuleChange>().Select(r => r.Rule));
        Assert.Equal(tables[NftFamily.Ip]!.Flowtables[0].Devices, ((FlowtableChange)changes[flowtableAdded]).Flowtable.Devices);
        AccelDrift eviction = Assert.Single(plan.Drift(), d => d.Object == "flowtable ip antrea fastpath");
        Assert.Contains("evict", eviction.Detail, StringComparison.Ordinal);
        Assert.Contains("1 element deleted from set ip antrea peer-pod-cidr", eviction.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void AddingAPeerCidrPlansOneElementAddAndEvictsNothing()
    {
        SyncPlan plan = Plan(EveryTrafficType([.. Peers, "10.244.9.0/24"]), EveryTrafficType(Peers));

        var add = Assert.IsType<ElementsChange>(Assert.Single(plan.Plan.Changes));
        Assert.Equal(ChangeAction.Add, add.Action);
    }

    [Fact]
    public void AFlowtableReplacedForAnEvictionKeepsTheRuleCounters()
    {
        (Dictionary<NftFamily, KernelTable?> tables, Dictionary<NftSet, IReadOnlyList<IpPrefix>> elements) = Kernel(EveryTrafficType(Peers));
        KernelTable held = tables[NftFamily.Ip]!;
        var counted = held with { Rules = held.Rules.Select(r => r with { Expressions = r.Expressions.Select(e => e is Native.Nftables.Expressions.CounterExpression ? new Native.Nftables.Expressions.CounterExpression(5, 500) : e).ToArray() }).ToList() };
        SyncPlan plan = SyncPlanner.Plan(new SyncPlan(7, _ => null), DesiredState.Build(EveryTrafficType("10.244.0.0/24"), name => Devices[name]),
            new Dictionary<NftFamily, KernelTable?> { [NftFamily.Ip] = counted, [NftFamily.Ip6] = null }, set => elements[set], Design.TableName, force: false);

        List<RuleChange> added = plan.Plan.Changes.OfType<RuleChange>().Where(r => r.Action != ChangeAction.Delete).ToList();
        Assert.Equal(held.Rules.Count, added.Count);
        Assert.All(added, r => Assert.Equal(new Native.Nftables.Expressions.CounterExpression(5, 500), r.Rule.Counter));
    }

    [Fact]
    public void DroppingATrafficTypeDeletesItsRuleByHandleAndItsSet()
    {
        AccelConfiguration without = ConfigurationReader.Read(new Hashtable
        {
            ["TransportInterface"] = "eth0",
            ["LocalPodCidr"] = new[] { "10.244.2.0/24" },
            ["PeerPodCidr"] = Peers,
            ["Traffic"] = "PodToPod, ExternalToPod, ExternalToNodePort, FullPath",
            ["PeerNodeIP"] = new[] { "172.18.0.2" },
            ["Devices"] = new[] { "eth1" },
        }, "test");

        SyncPlan plan = Plan(without, EveryTrafficType(Peers));

        // The dropped rule is deleted and not made again; the others are made again around a new flowtable.
        RuleChange rule = Assert.Single(plan.Plan.Changes.OfType<RuleChange>(), r => r.Rule.Expressions.Any(e => e is Native.Nftables.Expressions.LookupExpression { Set: "external-ip" }));
        Assert.Equal(ChangeAction.Delete, rule.Action);
        Assert.Equal("delete rule ip antrea forward handle " + rule.Rule.Handle, PlanText.Statement(rule));
        var set = Assert.Single(plan.Plan.Changes.OfType<SetChange>());
        Assert.Equal((ChangeAction.Delete, "external-ip"), (set.Action, set.Set.Name));
        Assert.Contains(plan.Plan.Changes, c => c is FlowtableChange { Action: ChangeAction.Delete });
        Assert.Equal(5, plan.Plan.Changes.OfType<RuleChange>().Count(r => r.Action != ChangeAction.Delete));
    }

    [Fact]
    public void AMissingFlowtableDeviceIsLeftOutOfTheFlowtableAndPendingWhileEveryRuleStays()
    {
        var pending = new List<PendingDevice>();
        FamilyState state = DesiredState.Build(EveryTrafficType(Peers), name => name == "eth1"
            ? throw new HostAccelException(ErrorIds.UnknownInterface, FailureKind.ObjectNotFound, "no eth1", name)
            : Devices[name], pending)[NftFamily.Ip]!;

        Assert.Equal(["antrea-gw0", "eth0"], state.Flowtable!.Devices);
        Assert.Equal(6, state.Rules.Count);
        PendingDevice device = Assert.Single(pending);
        Assert.Equal(("eth1", AccelTraffic.None), (device.Device, device.WaitingTraffic));
    }

    [Fact]
    public void AMissingGatewayLeavesOutEveryRuleThatNamesItButTheFullPathOne()
    {
        var pending = new List<PendingDevice>();
        FamilyState state = DesiredState.Build(EveryTrafficType(Peers), name => name == "antrea-gw0"
            ? throw new HostAccelException(ErrorIds.UnknownInterface, FailureKind.ObjectNotFound, "no antrea-gw0", name)
            : Devices[name], pending)[NftFamily.Ip]!;

        Assert.Equal(["eth0", "eth1"], state.Flowtable!.Devices);
        NftRule only = Assert.Single(state.Rules);
        Assert.Contains(only.Expressions, e => e is Native.Nftables.Expressions.LookupExpression { Set: "peer-node-ip" });
        Assert.Contains("antrea-gw0", Assert.Single(pending).ToString(), StringComparison.Ordinal);
        Assert.Throws<HostAccelException>(() => DesiredState.Build(EveryTrafficType(Peers), name => name == "antrea-gw0"
            ? throw new HostAccelException(ErrorIds.UnknownInterface, FailureKind.ObjectNotFound, "no antrea-gw0", name)
            : Devices[name]));
    }

    [Fact]
    public void APlanIsEqualToTheSamePlanMadeAgain()
    {
        SyncPlan first = Plan(EveryTrafficType("10.244.9.0/24"), EveryTrafficType(Peers));
        SyncPlan second = Plan(EveryTrafficType("10.244.9.0/24"), EveryTrafficType(Peers));
        Assert.Equal(first.Plan.Changes.Select(c => c with { Subject = null }), second.Plan.Changes.Select(c => c with { Subject = null }));
        Assert.Equal(first.Statements, second.Statements);
    }

    [Fact]
    public void ElementChangesOfOneSetFromManyInputsAreSentAsOneListNamingEachInput()
    {
        NftSet set = Design.AddressSet(NftFamily.Ip, "antrea", "peer-pod-cidr");
        Change[] perInput =
        [
            new SetChange(ChangeAction.Add, set) { Subject = "set" },
            new ElementsChange(ChangeAction.Add, set, new[] { IpPrefix.Parse("10.0.0.0/24") }) { Subject = "10.0.0.0/24" },
            new ElementsChange(ChangeAction.Add, set, new[] { IpPrefix.Parse("10.0.1.0/24") }) { Subject = "10.0.1.0/24" },
            new ElementsChange(ChangeAction.Delete, set, new[] { IpPrefix.Parse("10.0.2.0/24") }) { Subject = "10.0.2.0/24" },
            new ElementsChange(ChangeAction.Delete, set, new[] { IpPrefix.Parse("10.0.3.0/24") }) { Subject = "10.0.3.0/24" },
        ];

        List<Change> plan = ChangePlan<PeerPodCidr>.Coalesce(perInput);

        Assert.Equal(3, plan.Count);
        Assert.Equal(perInput[0], plan[0]);
        var added = Assert.IsType<ElementsChange>(plan[1]);
        Assert.Equal(["10.0.0.0/24", "10.0.1.0/24"], added.Prefixes.Select(p => p.ToString()));
        Assert.Equal(["10.0.0.0/24", "10.0.1.0/24"], added.Subjects);
        var deleted = Assert.IsType<ElementsChange>(plan[2]);
        Assert.Equal(ChangeAction.Delete, deleted.Action);
        Assert.Equal(["10.0.2.0/24", "10.0.3.0/24"], deleted.Subjects);

        NftTransaction tx = PlanEncoder.Encode(plan);
        Assert.Equal(3, tx.Count);
        Assert.Equal("set", tx.Entries[0].Subject);
    }

    [Fact]
    public void APromptCountsElementsAndTheStatementListsThem()
    {
        NftSet set = Design.AddressSet(NftFamily.Ip, "antrea", "peer-pod-cidr");
        var many = new ElementsChange(ChangeAction.Add, set, Enumerable.Range(0, 50_000).Select(i => IpPrefix.Create(false, (UInt128)(0x0A000000u + ((uint)i << 8)), 24)).ToArray());
        Assert.Equal("add 50000 elements to set ip antrea peer-pod-cidr", PlanText.Summary(many));
        Assert.StartsWith("add element ip antrea peer-pod-cidr { 10.0.0.0/24, 10.0.1.0/24, ", PlanText.Statement(many), StringComparison.Ordinal);
        var few = new ElementsChange(ChangeAction.Delete, set, new[] { IpPrefix.Parse("10.0.0.0/24") });
        Assert.Equal(PlanText.Statement(few), PlanText.Summary(few));
    }

    [Fact]
    public void EveryKindOfChangeRendersAsTheNftStatementThatMakesIt()
    {
        NftTable table = Design.Table(NftFamily.Ip6, "antrea");
        NftChain chain = Design.ForwardChain(NftFamily.Ip6, "antrea") with { Handle = 5 };
        var flowtable = new NftFlowtable(NftFamily.Ip6, "antrea", "fastpath") { Devices = new[] { "antrea-gw0", "eth0" }, Handle = 6 };
        NftRule rule = Design.ExternalToNodePort(new Design.Names(NftFamily.Ip6), 2, IpPrefix.Parse("fc01::aabb:ccdd:eefe")) with { Handle = 9 };
        Func<uint, string?> names = i => Devices.FirstOrDefault(d => d.Value == i).Key;
        Assert.Equal(
            [
                "add table ip6 antrea { comment \"Rules for Antrea\"; }",
                "delete table ip6 antrea",
                "delete chain ip6 antrea forward",
                "delete flowtable ip6 antrea fastpath { devices = { eth0 }; }",
                "insert rule ip6 antrea forward position 4 oif \"antrea-gw0\" ip6 daddr fc01::aabb:ccdd:eefe flow add @fastpath counter packets 0 bytes 0 comment \"Accelerate IPv6 connections: External-to-NodePort after DNAT\"",
                "delete rule ip6 antrea forward handle 9",
                "reset rules chain ip6 antrea forward",
            ],
            new Change[]
            {
                new TableChange(ChangeAction.Create, table),
                new TableChange(ChangeAction.Delete, table),
                new ChainChange(ChangeAction.Delete, chain),
                new FlowtableDevicesChange(flowtable, new[] { "eth0" }),
                new RuleChange(ChangeAction.Insert, rule, 4),
                new RuleChange(ChangeAction.Delete, rule),
                new CounterResetChange(NftFamily.Ip6, "antrea", "forward"),
            }.Select(c => PlanText.Statement(c, names)));
    }
}
