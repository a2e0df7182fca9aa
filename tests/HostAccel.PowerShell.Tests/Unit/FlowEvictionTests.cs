using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Planning;
using Xunit;

namespace HostAccel.PowerShell.Tests.Unit;

/// <summary>
/// <see cref="FlowEviction"/> as data: the replacement of a flowtable with the rules that add flows to it, planned from
/// rules written by hand (this host's kernel has no flowtable to hold them).
/// </summary>
public sealed class FlowEvictionTests
{
    private static readonly NftFlowtable Fastpath = new(NftFamily.Ip, "antrea", "fastpath") { Handle = 9, Priority = 0, Devices = new[] { "antrea-gw0", "eth0" } };

    private static NftRule Offload(string chain, ulong handle, string flowtable = "fastpath", string set = "peer-pod-cidr") =>
        new(NftFamily.Ip, "antrea", chain, new Expression[] { new LookupExpression(set), new FlowOffloadExpression(flowtable) }) { Handle = handle, Comment = $"offload {handle}" };

    private static NftRule Accept(string chain, ulong handle) =>
        new(NftFamily.Ip, "antrea", chain, new Expression[] { new ImmediateExpression(VerdictCode.Accept) }) { Handle = handle };

    [Fact]
    public void ReplaceDeletesTheOffloadingRulesThenTheFlowtableAndPutsEachRuleBackBeforeTheNextRuleThatStays()
    {
        // forward: offload 2, accept 3, offload 4 (last: appended again); other: offload 5 before accept 6; a rule of another flowtable stays.
        NftRule[] rules = [Offload("forward", 2), Accept("forward", 3), Offload("forward", 4), Offload("other", 5), Accept("other", 6), Offload("forward", 7, flowtable: "slowpath")];

        IReadOnlyList<Change> changes = FlowEviction.Replace(Fastpath, rules, "subject");

        Change[] expected =
        [
            new RuleChange(ChangeAction.Delete, rules[0]),
            new RuleChange(ChangeAction.Delete, rules[2]),
            new RuleChange(ChangeAction.Delete, rules[3]),
            new FlowtableChange(ChangeAction.Delete, Fastpath),
            new FlowtableChange(ChangeAction.Add, Fastpath with { Handle = 0 }),
            new RuleChange(ChangeAction.Insert, rules[0] with { Handle = 0 }, 3),
            new RuleChange(ChangeAction.Insert, rules[2] with { Handle = 0 }, 7),
            new RuleChange(ChangeAction.Insert, rules[3] with { Handle = 0 }, 6),
        ];
        Assert.Equal(expected.Select(c => c with { Subject = "subject" }), changes);
        Assert.Equal(
        [
            "delete rule ip antrea forward handle 2",
            "delete rule ip antrea forward handle 4",
            "delete rule ip antrea other handle 5",
            "delete flowtable ip antrea fastpath",
        ], changes.Take(4).Select(c => PlanText.Statement(c)));
        Assert.Equal([false, false, false, true, false, false, false, false], changes.Select(FlowEviction.Evicts));
    }

    [Fact]
    public void ReplaceAppendsARuleNoRuleThatStaysFollowsAndSkipsRulesTheCallerDeletes()
    {
        // 2 offloads, 3 is deleted by the caller (so it is no place to insert before), 4 offloads too; 5 offloads but is deleted by the caller.
        NftRule[] rules = [Offload("forward", 2), Accept("forward", 3), Offload("forward", 4), Offload("forward", 5)];

        IReadOnlyList<Change> changes = FlowEviction.Replace(Fastpath, rules, null, new HashSet<ulong> { 3, 5 });

        Assert.Equal(
        [
            new RuleChange(ChangeAction.Delete, rules[0]),
            new RuleChange(ChangeAction.Delete, rules[2]),
            new FlowtableChange(ChangeAction.Delete, Fastpath),
            new FlowtableChange(ChangeAction.Add, Fastpath with { Handle = 0 }),
            new RuleChange(ChangeAction.Add, rules[0] with { Handle = 0 }),
            new RuleChange(ChangeAction.Add, rules[2] with { Handle = 0 }),
        ], changes);
        Assert.All(changes, c => Assert.Null(c.Subject));
    }

    [Fact]
    public void ReplaceWithoutDeletedRulesKeepsEveryRuleThatStaysAsAPlace()
    {
        NftRule[] rules = [Offload("forward", 2), Accept("forward", 3)];

        Assert.Equal(
        [
            new RuleChange(ChangeAction.Delete, rules[0]),
            new FlowtableChange(ChangeAction.Delete, Fastpath),
            new FlowtableChange(ChangeAction.Add, Fastpath with { Handle = 0 }),
            new RuleChange(ChangeAction.Insert, rules[0] with { Handle = 0 }, 3),
        ], FlowEviction.Replace(Fastpath, rules, null));
    }

    [Fact]
    public void ReplaceOfAFlowtableNoRuleFeedsReplacesOnlyTheFlowtable()
    {
        Assert.Equal(
        [
            new FlowtableChange(ChangeAction.Delete, Fastpath) { Subject = 1 },
            new FlowtableChange(ChangeAction.Add, Fastpath with { Handle = 0 }) { Subject = 1 },
        ], FlowEviction.Replace(Fastpath, [Accept("forward", 3)], 1));
    }

    [Fact]
    public void ReplaceRefusesNullArguments()
    {
        Assert.Equal("flowtable", Assert.Throws<ArgumentNullException>(() => FlowEviction.Replace(null!, [], null)).ParamName);
        Assert.Equal("tableRules", Assert.Throws<ArgumentNullException>(() => FlowEviction.Replace(Fastpath, null!, null)).ParamName);
    }

    [Fact]
    public void FedByIsTheFlowtablesThatRulesLookingUpTheSetAddFlowsTo()
    {
        NftFlowtable slowpath = Fastpath with { Name = "slowpath" };
        NftFlowtable idle = Fastpath with { Name = "idle" };
        NftRule[] rules = [Offload("forward", 2), Offload("forward", 3, flowtable: "slowpath", set: "other-set"), Accept("forward", 4)];

        Assert.Equal([Fastpath], FlowEviction.FedBy("peer-pod-cidr", [Fastpath, slowpath, idle], rules));
        Assert.Equal([slowpath], FlowEviction.FedBy("other-set", [Fastpath, slowpath, idle], rules));
        Assert.Empty(FlowEviction.FedBy("unused", [Fastpath, slowpath, idle], rules));
    }

    [Fact]
    public void OnlyADeletedFlowtableEvicts()
    {
        Assert.True(FlowEviction.Evicts(new FlowtableChange(ChangeAction.Delete, Fastpath)));
        Assert.False(FlowEviction.Evicts(new FlowtableChange(ChangeAction.Add, Fastpath)));
        Assert.False(FlowEviction.Evicts(new FlowtableDevicesChange(Fastpath, new[] { "eth0" })));
    }
}
