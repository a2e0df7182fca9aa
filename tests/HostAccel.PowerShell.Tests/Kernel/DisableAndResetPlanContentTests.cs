using HostAccel.Native.Nftables;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Planning;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// Disable-Fastpath's, Reset-FlowtableCounter's and Get-Fastpath's view of a table with the chain but no flowtable
/// (this kernel has none): the changes as data with the table or chain they serve, the Fastpath read, the rules
/// without a counter left out of the counts, the exact words when nothing is there, and the parameter each refused
/// name is reported under.
/// </summary>
public sealed class DisableAndResetPlanContentTests : EngineTest
{
    /// <summary>ip antrea's forward chain: two counted rules (one with a packet threshold but no offload) and one without a counter.</summary>
    private const string ChainOnly = """
        table ip antrea {
            chain forward {
                type filter hook forward priority filter; policy accept;
                iif "antrea-gw0" ct packets > 7 counter packets 3 bytes 300 accept
                iif "eth0" accept
                oif "eth0" counter packets 4 bytes 400
            }
        }
        table ip6 antrea {
        }
        """;

    private static void AssertNoFlowtable(Fastpath fastpath)
    {
        Assert.Equal((AccelFamily.Ip, "antrea", "fastpath", "forward"), (fastpath.Family, fastpath.TableName, fastpath.FlowtableName, fastpath.ChainName));
        Assert.Equal((false, false, 0, 0), (fastpath.FlowtablePresent, fastpath.Enabled, fastpath.Priority, fastpath.OffloadThreshold));
        Assert.NotNull(fastpath.Devices);
        Assert.Empty(fastpath.Devices);
        Assert.Equal(3, fastpath.Rules.Count);
    }

    [Fact]
    public void GetFastpathOfAChainWithoutFlowtableHasNoDevicesAndNoThreshold()
    {
        NftLoadOwned(ChainOnly);
        AssertNoFlowtable(Assert.Single(Fastpaths.Get(Session, null, "antrea", "fastpath", "forward")));
    }

    [Fact]
    public void DisableDeletesEveryRuleAndTheChainEachNamingItsTable()
    {
        NftLoadOwned(ChainOnly);
        var plan = new DisableFastpathPlan(Session);

        PlannedChange<Fastpath> change = Assert.Single(plan.Prepare(null, "antrea", "fastpath", "forward", false));

        Assert.Equal(("table ip antrea", "Disable flowtable acceleration"), (change.Target, change.Action));
        Assert.Equal([typeof(RuleChange), typeof(RuleChange), typeof(RuleChange), typeof(ChainChange)], change.Changes.Select(c => c.GetType()));
        Assert.All(change.Changes, c => Assert.Equal((ChangeAction.Delete, (object?)"table ip antrea"), (c.Action, c.Subject)));
        AssertNoFlowtable(change.Result);

        plan.Accept(change);
        Assert.True(plan.Commit(CancellationToken.None));
        Assert.DoesNotContain("chain forward", Ruleset(), StringComparison.Ordinal);
        Assert.Contains("table ip antrea", Ruleset(), StringComparison.Ordinal);
    }

    /// <summary>No family asked for (null or none at all) and nothing enabled in either table: one error for both.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DisableWhereNothingIsEnabledSaysSoForBothFamilies(bool emptyFamilies)
    {
        NftLoadOwned("table ip antrea { }");
        IReadOnlyCollection<AccelFamily>? families = emptyFamilies ? [] : null;
        HostAccelException failure = FailsAndChangesNothing(() => new DisableFastpathPlan(Session).Prepare(families, "antrea", "fastpath", "forward", false),
            ErrorIds.FastpathNotFound, FailureKind.ObjectNotFound);
        Assert.Equal(("acceleration is not enabled in table ip antrea or ip6 antrea", (object)"antrea"), (failure.Message, failure.TargetObject));
    }

    [Fact]
    public void ResetPlansTheChainOnceWithItsCountedRulesOnlyAndCommitsTheirCounts()
    {
        NftLoadOwned(ChainOnly);
        Assert.Equal([(3UL, 300UL), (4UL, 400UL)], Counters.Get(Session, null, "antrea", "forward").Select(c => (c.Packets, c.Bytes)));
        var plan = new ResetCountersPlan(Session);

        IReadOnlyList<PlannedChange<FlowtableCounter>> changes = plan.Prepare(null, "antrea", "forward", false);

        Assert.Equal([(3UL, 300UL), (4UL, 400UL)], changes.Select(c => (c.Result.Packets, c.Result.Bytes)));
        Assert.All(changes, c => Assert.Equal(("chain ip antrea forward", "Reset rule counters"), (c.Target, c.Action)));
        CounterResetChange reset = Assert.IsType<CounterResetChange>(Assert.Single(changes[0].Changes));
        Assert.Equal(("chain ip antrea forward", NftFamily.Ip, "antrea", "forward"), (reset.Subject, reset.Family, reset.Table, reset.Chain));
        Assert.True(changes[1].IsEmpty);
        Assert.Equal("Reset rule counters on chain ip antrea forward: nothing to do", changes[1].Description);
        Assert.Equal($"Reset rule counters on chain ip antrea forward:{Environment.NewLine}  reset rules chain ip antrea forward", changes[0].Description);

        foreach (PlannedChange<FlowtableCounter> change in changes)
        {
            plan.Accept(change);
        }

        Assert.True(plan.Commit(CancellationToken.None));
        Assert.Equal([(3UL, 300UL), (4UL, 400UL)], plan.Committed.Select(c => (c.Packets, c.Bytes)));
        Assert.All(Counters.Get(Session, null, "antrea", "forward"), c => Assert.Equal((0UL, 0UL), (c.Packets, c.Bytes)));
    }

    [Fact]
    public void ResetWhereNeitherTableHasTheChainSaysSoForBoth()
    {
        NftLoadOwned("table ip antrea { }\ntable ip6 antrea { }");
        HostAccelException failure = FailsAndChangesNothing(() => new ResetCountersPlan(Session).Prepare(null, "antrea", "forward", false),
            ErrorIds.FastpathNotFound, FailureKind.ObjectNotFound);
        Assert.Equal(("neither table ip antrea nor ip6 antrea has a chain forward", (object)"antrea"), (failure.Message, failure.TargetObject));
    }

    public static TheoryData<string, string> EmptyNames() => new()
    {
        { "Get-FlowtableCounter -TableName", "TableName" },
        { "Get-FlowtableCounter -ChainName", "ChainName" },
        { "Reset-FlowtableCounter -TableName", "TableName" },
        { "Reset-FlowtableCounter -ChainName", "ChainName" },
        { "Disable-Fastpath -TableName", "TableName" },
        { "Disable-Fastpath -FlowtableName", "FlowtableName" },
        { "Disable-Fastpath -ChainName", "ChainName" },
        { "Remove-PeerPodCidr -TableName", "TableName" },
        { "Remove-PeerPodCidr -SetName", "SetName" },
    };

    /// <summary>An empty name is refused before the kernel is asked, under the parameter that gave it.</summary>
    [Theory]
    [MemberData(nameof(EmptyNames))]
    public void AnEmptyNameIsRefusedUnderItsParameter(string call, string parameter)
    {
        string Name(string p) => p == parameter ? "" : p switch { "TableName" => "antrea", "ChainName" => "forward", "SetName" => "peer-pod-cidr", _ => "fastpath" };
        Action action = call.Split(' ')[0] switch
        {
            "Get-FlowtableCounter" => () => Counters.Get(Session, null, Name("TableName"), Name("ChainName")),
            "Reset-FlowtableCounter" => () => new ResetCountersPlan(Session).Prepare(null, Name("TableName"), Name("ChainName"), false),
            "Disable-Fastpath" => () => new DisableFastpathPlan(Session).Prepare(null, Name("TableName"), Name("FlowtableName"), Name("ChainName"), false),
            _ => () => new RemovePeerPodCidrPlan(Session).Prepare("10.244.1.0/24", null, Name("TableName"), Name("SetName"), false),
        };
        HostAccelException failure = FailsAndChangesNothing(action, ErrorIds.InvalidArgument, FailureKind.InvalidArgument);
        Assert.Equal($"{parameter} is empty: a name has 1 to 255 bytes", failure.Message);
    }
}
