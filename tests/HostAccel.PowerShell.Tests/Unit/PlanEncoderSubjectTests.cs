using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Planning;
using Xunit;

namespace HostAccel.PowerShell.Tests.Unit;

/// <summary>
/// The encoding of a plan beyond each change's message: rules appended and deleted, the subject a kernel error on an
/// element or range comes back with (the prefix's or range's own, else the change's), and the arguments a plan, its
/// encoder and its commit refuse. Checked as data, without a kernel.
/// </summary>
public sealed class PlanEncoderSubjectTests
{
    private static readonly NftSet PeerSet = Design.AddressSet(NftFamily.Ip, "antrea", "peer-pod-cidr");

    private static readonly NftRule Rule = new(NftFamily.Ip, "antrea", "forward", new Expression[] { new ImmediateExpression(VerdictCode.Accept) }) { Handle = 12 };

    private static readonly IpPrefix[] Two = [IpPrefix.Parse("10.244.1.0/24"), IpPrefix.Parse("10.244.3.0/24")];

    [Fact]
    public void AnAddedAndADeletedRuleAreEncodedAsTheirMessagesWithTheirSubjects()
    {
        NftTransaction tx = PlanEncoder.Encode(
        [
            new RuleChange(ChangeAction.Add, Rule with { Handle = 0 }) { Subject = "added" },
            new RuleChange(ChangeAction.Delete, Rule) { Subject = "deleted" },
        ]);

        Assert.Equal(
        [
            (NfTablesConstants.NFT_MSG_NEWRULE, "adding rule 1 to chain ip antrea forward", (object?)"added"),
            (NfTablesConstants.NFT_MSG_DELRULE, "deleting rule handle 12 from chain ip antrea forward", "deleted"),
        ], tx.Entries.Select(e => (e.Message, e.Description, e.Subject)));
    }

    [Theory]
    [InlineData(true, "adding 2 prefixes to set ip antrea peer-pod-cidr")]
    [InlineData(false, "deleting 2 prefixes from set ip antrea peer-pod-cidr")]
    public void ElementsWithoutSubjectsOfTheirOwnAreEncodedWithTheChangesSubjectOnly(bool add, string description)
    {
        NftTransaction tx = PlanEncoder.Encode([new ElementsChange(add ? ChangeAction.Add : ChangeAction.Delete, PeerSet, Two) { Subject = "the change" }]);

        NftTransaction.Entry entry = Assert.Single(tx.Entries);
        Assert.Equal((description, (object?)"the change"), (entry.Description, entry.Subject));
        Assert.Null(entry.Elements!.SubjectAt(0, 0));
    }

    [Fact]
    public void ElementsWithSubjectsOfTheirOwnAreEncodedWithThem()
    {
        NftTransaction tx = PlanEncoder.Encode([new ElementsChange(ChangeAction.Add, PeerSet, Two) { Subject = "the change", Subjects = new object?[] { "first", "second" } }]);

        NftTransaction.Entry entry = Assert.Single(tx.Entries);
        Assert.Equal("the change", entry.Subject);
        Assert.Equal("second", entry.Elements!.SubjectAt(0, 0));
    }

    [Fact]
    public void ARangeIsEncodedWithItsOwnSubjectWhenItHasOneElseWithTheChangesOnly()
    {
        var range = new AddressRange(false, 0x0A140003, 0x0A140009);
        var own = new RangesChange(PeerSet, new[] { range }) { Subject = "the change", Subjects = new object?[] { "10.20.0.3-10.20.0.9 as typed" } };

        NftTransaction.Entry entry = Assert.Single(PlanEncoder.Encode([own]).Entries);
        Assert.Equal(("deleting 10.20.0.3-10.20.0.9 from set ip antrea peer-pod-cidr", (object?)"the change"), (entry.Description, entry.Subject));
        Assert.Equal("10.20.0.3-10.20.0.9 as typed", entry.Elements!.SubjectAt(0, 0));

        entry = Assert.Single(PlanEncoder.Encode([own with { Subjects = default }]).Entries);
        Assert.Equal("the change", entry.Subject);
        Assert.Null(entry.Elements!.SubjectAt(0, 0));
    }

    [Fact]
    public void APlanItsEncoderAndItsCommitRefuseANullArgument()
    {
        Assert.Equal("changes", Assert.Throws<ArgumentNullException>(() => new Plan(1, null!)).ParamName);
        Assert.Equal("changes", Assert.Throws<ArgumentNullException>(() => PlanEncoder.Encode(null!)).ParamName);
        Assert.Equal("session", Assert.Throws<ArgumentNullException>(() => PlanCommit.Apply(null!, new Plan(1, []), CancellationToken.None)).ParamName);
    }

    [Fact]
    public void AStaleReadSaysTheRulesetChangedWhileItWasReadAndWhatFailed()
    {
        var inner = new InvalidOperationException("set ip antrea peer-pod-cidr: elements out of order");
        var stale = new StaleReadException(inner);
        Assert.Equal("the ruleset changed while it was read: set ip antrea peer-pod-cidr: elements out of order", stale.Message);
        Assert.Same(inner, stale.InnerException);
    }
}
