using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Planning;
using Xunit;

namespace HostAccel.PowerShell.Tests.Unit;

/// <summary>
/// The printing of plans (<see cref="PlanText"/>: -WhatIf, -Verbose, cut statements), their encoding into one
/// transaction (<see cref="PlanEncoder"/>), and the lists a plan hands out, checked as data without a kernel.
/// </summary>
public sealed class PlanTextAndEncodingTests
{
    private static readonly NftSet PeerSet = Design.AddressSet(NftFamily.Ip, "antrea", "peer-pod-cidr");

    private static readonly NftFlowtable Fastpath = new(NftFamily.Ip, "antrea", "fastpath") { Handle = 9, Devices = new[] { "antrea-gw0", "eth0" } };

    private static readonly NftRule Rule = new(NftFamily.Ip, "antrea", "forward", new Expression[] { new FlowOffloadExpression("fastpath") }) { Handle = 12 };

    [Fact]
    public void AStatementLongerThanTheLimitIsCutThereWithAnEllipsis()
    {
        var change = new TableChange(ChangeAction.Delete, Design.Table(NftFamily.Ip, "antrea"));
        const string Whole = "delete table ip antrea";

        Assert.Equal(Whole, PlanText.Statement(change, null, Whole.Length));
        Assert.Equal(Whole, PlanText.Statement(change, null, int.MaxValue));
        Assert.Equal("delete table ip antre…", PlanText.Statement(change, null, Whole.Length - 1));
        Assert.Equal("…", PlanText.Statement(change, null, 0));
    }

    [Fact]
    public void AnElementListThatFitsIsPrintedWholeAndALongerOneIsCutWithItsCount()
    {
        var change = new ElementsChange(ChangeAction.Add, PeerSet, new[] { IpPrefix.Parse("10.244.1.0/24"), IpPrefix.Parse("10.244.3.0/24") });
        const string Whole = "add element ip antrea peer-pod-cidr { 10.244.1.0/24, 10.244.3.0/24 }";

        Assert.Equal(Whole, PlanText.Statement(change, null, Whole.Length));
        Assert.Equal("add element ip antrea peer-pod-cidr { 10.244.1.0/24, 10.244.3.0/24… (2 elements)", PlanText.Statement(change, null, Whole.Length - 2));
        Assert.Equal("delete element ip antrea peer-pod-cidr { 10.244.1.0/24, 10.244.3.0/24 }", PlanText.Statement(change with { Action = ChangeAction.Delete }, null, 500));
    }

    /// <summary>
    /// Of an element list, only the first maxLength/8 + 1 prefixes are rendered; when more follow, the statement says
    /// how many there are even if what was rendered is shorter than the limit (prefixes as short as "::/1").
    /// </summary>
    [Fact]
    public void AnElementListIsRenderedOnlyAsFarAsTheLimitReachesAndSaysHowManyElementsItHas()
    {
        NftSet set = Design.AddressSet(NftFamily.Ip6, "t", "s");
        IpPrefix[] prefixes = Enumerable.Range(1, 60).Select(n => IpPrefix.Parse($"::/{n}")).ToArray();
        var change = new ElementsChange(ChangeAction.Delete, set, prefixes);

        string first51 = $"delete element ip6 t s {{ {string.Join(", ", prefixes.Take(51))} }}";
        Assert.True(first51.Length < 400, first51);
        Assert.Equal($"{first51}… (60 elements)", PlanText.Statement(change, null, 400));

        // Exactly maxLength/8 + 1 prefixes, all rendered: nothing is cut.
        var fits = change with { Prefixes = prefixes.Take(51).ToArray() };
        Assert.Equal(first51, PlanText.Statement(fits, null, 400));
        var oneMore = change with { Prefixes = prefixes.Take(52).ToArray() };
        Assert.Equal($"{first51}… (52 elements)", PlanText.Statement(oneMore, null, 400));
    }

    [Fact]
    public void EveryKindOfChangeHasItsStatement()
    {
        var ranges = new RangesChange(PeerSet, new[] { new AddressRange(false, 0x0A140003, 0x0A140009) });
        Assert.Equal("delete element ip antrea peer-pod-cidr { 10.20.0.3-10.20.0.9 }", PlanText.Statement(ranges));
        Assert.Equal("replace rule ip antrea forward handle 12 flow add @fastpath", PlanText.Statement(new RuleChange(ChangeAction.Replace, Rule)));
        Assert.Equal("insert rule ip antrea forward position 7 flow add @fastpath", PlanText.Statement(new RuleChange(ChangeAction.Insert, Rule with { Handle = 0 }, 7)));
        Assert.Equal("delete flowtable ip antrea fastpath { devices = { eth0 }; }", PlanText.Statement(new FlowtableDevicesChange(Fastpath, new[] { "eth0" })));
        Assert.Equal("delete set ip antrea peer-pod-cidr", PlanText.Statement(new SetChange(ChangeAction.Delete, PeerSet)));
    }

    [Fact]
    public void AChangeWithNoStatementIsRefusedNamingIt()
    {
        var odd = new SetChange(ChangeAction.Reset, PeerSet);
        ArgumentException refusal = Assert.Throws<ArgumentException>(() => PlanText.Statement(odd));
        Assert.Equal("change", refusal.ParamName);
        Assert.StartsWith($"no statement for {odd}", refusal.Message, StringComparison.Ordinal);
        Assert.StartsWith("no statement for SetChange { Action = Reset", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EachChangeIsEncodedAsItsMessageWithItsSubject()
    {
        Change[] changes =
        [
            new SetChange(ChangeAction.Delete, PeerSet) { Subject = "a" },
            new FlowtableChange(ChangeAction.Delete, Fastpath) { Subject = "b" },
            new FlowtableDevicesChange(Fastpath, new[] { "eth0" }) { Subject = "c" },
            new RuleChange(ChangeAction.Insert, Rule with { Handle = 0 }, 7) { Subject = "d" },
            new RuleChange(ChangeAction.Replace, Rule) { Subject = "e" },
            new CounterResetChange(NftFamily.Ip, "antrea", "forward") { Subject = "f" },
        ];

        NftTransaction tx = PlanEncoder.Encode(changes);

        Assert.Equal(
        [
            ("deleting set ip antrea peer-pod-cidr", (object?)"a"),
            ("deleting flowtable ip antrea fastpath", "b"),
            ("deleting devices eth0 from flowtable ip antrea fastpath", "c"),
            ("inserting a rule before handle 7 in chain ip antrea forward", "d"),
            ("replacing rule handle 12 in chain ip antrea forward", "e"),
        ], tx.Entries.Select(e => (e.Description, e.Subject)));
        Assert.Equal([NfTablesConstants.NFT_MSG_DELSET, NfTablesConstants.NFT_MSG_DELFLOWTABLE, NfTablesConstants.NFT_MSG_DELFLOWTABLE, NfTablesConstants.NFT_MSG_NEWRULE, NfTablesConstants.NFT_MSG_NEWRULE],
            tx.Entries.Select(e => e.Message));
    }

    [Fact]
    public void AChangeWithNoEncodingIsRefusedNamingIt()
    {
        var odd = new TableChange(ChangeAction.Replace, Design.Table(NftFamily.Ip, "antrea"));
        ArgumentException refusal = Assert.Throws<ArgumentException>(() => PlanEncoder.Encode([odd]));
        Assert.Equal("changes", refusal.ParamName);
        Assert.StartsWith($"no encoding for {odd}", refusal.Message, StringComparison.Ordinal);
        Assert.StartsWith("no encoding for TableChange { Action = Replace", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void APlanPrintsAsItsStatementsOnePerLine()
    {
        var plan = new Plan(3, [new SetChange(ChangeAction.Delete, PeerSet), new FlowtableChange(ChangeAction.Delete, Fastpath)]);
        Assert.Equal($"delete set ip antrea peer-pod-cidr{Environment.NewLine}delete flowtable ip antrea fastpath", plan.ToString());
        Assert.Equal("", new Plan(3, []).ToString());
    }

    [Fact]
    public void APlannedChangeDescribesItsStatementsOrThatThereIsNothingToDo()
    {
        var nothing = new PlannedChange<string>("set ip antrea peer-pod-cidr", "Add peer Pod CIDR", "10.0.0.0/8", []);
        Assert.Equal("Add peer Pod CIDR on set ip antrea peer-pod-cidr: nothing to do", nothing.Description);

        var two = new PlannedChange<string>("table ip antrea", "Disable flowtable acceleration", "x",
            [new SetChange(ChangeAction.Delete, PeerSet), new FlowtableChange(ChangeAction.Delete, Fastpath)]);
        string nl = Environment.NewLine;
        Assert.Equal($"Disable flowtable acceleration on table ip antrea:{nl}  delete set ip antrea peer-pod-cidr{nl}  delete flowtable ip antrea fastpath", two.Description);
    }

    [Fact]
    public void AJoinedListReadsItsPartsAsOneAndRefusesAnIndexPastTheEnd()
    {
        var joined = new JoinedList<int>([new[] { 1, 2 }, Array.Empty<int>(), new[] { 3 }]);
        Assert.Equal(3, joined.Count);
        Assert.Equal([1, 2, 3], [joined[0], joined[1], joined[2]]);
        Assert.Equal("index", Assert.Throws<ArgumentOutOfRangeException>(() => joined[3]).ParamName);
        Assert.Equal([1, 2, 3], ((System.Collections.IEnumerable)joined).Cast<int>());
    }

    [Fact]
    public void AProjectedListProjectsEachItemAsItIsRead()
    {
        var projected = new ProjectedList<int, string>(new[] { 1, 2 }, n => $"#{n}");
        Assert.Equal(["#1", "#2"], ((System.Collections.IEnumerable)projected).Cast<string>());
        Assert.Equal("#2", projected[1]);
    }
}
