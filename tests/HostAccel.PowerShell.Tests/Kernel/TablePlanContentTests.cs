using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Planning;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// Get-AccelTable lists each table with its own sets and chains only; a table name not found is named with the
/// families looked in; New- and Remove-AccelTable's plans as data (action, the change's subject, the table it yields)
/// and the exact words of a table that already exists.
/// </summary>
public sealed class TablePlanContentTests : EngineTest
{
    [Fact]
    public void EachTableListsOnlyItsOwnSetsAndChains()
    {
        NftLoadOwned("""
            table ip antrea {
                set a { type ipv4_addr; }
                chain c { }
            }
            table ip other {
                set b { type ipv4_addr; }
                chain d { }
            }
            table ip6 antrea {
                set e { type ipv6_addr; }
            }
            """);

        IReadOnlyList<AccelTable> tables = Tables.Get(Session, null, "antrea", includeForeign: false);

        Assert.Equal([AccelFamily.Ip, AccelFamily.Ip6], tables.Select(t => t.Family));
        Assert.Equal(["a"], tables[0].Sets);
        Assert.Equal(["c"], tables[0].Chains);
        Assert.Equal(["e"], tables[1].Sets);
        Assert.Empty(tables[1].Chains);
        Assert.All(tables, t => Assert.Empty(t.Flowtables));
    }

    [Theory]
    [InlineData(null, "there is no ip, ip6 or inet table named nope")]
    [InlineData(new[] { AccelFamily.Ip, AccelFamily.Ip6 }, "there is no ip or ip6 table named nope")]
    [InlineData(new[] { AccelFamily.Inet }, "there is no inet table named nope")]
    public void ATableNameNotFoundIsNamedWithTheFamiliesLookedIn(AccelFamily[]? families, string message)
    {
        HostAccelException failure = FailsAndChangesNothing(() => Tables.Get(Session, families, "nope", includeForeign: true), ErrorIds.TableNotFound, FailureKind.ObjectNotFound);
        Assert.Equal((message, (object)"nope"), (failure.Message, failure.TargetObject));
    }

    [Fact]
    public void NewTablePlansOneCreationWhoseSubjectIsTheTableItYields()
    {
        var plan = Tables.PlanNew(Session);

        PlannedChange<AccelTable> change = plan.Prepare(AccelFamily.Ip, "fresh", "mine");

        Assert.Equal(("table ip fresh { comment \"mine\"; }", "Create table"), (change.Target, change.Action));
        TableChange create = Assert.IsType<TableChange>(Assert.Single(change.Changes));
        Assert.Equal(ChangeAction.Create, create.Action);
        Assert.Same(change.Result, create.Subject);
        Assert.Equal((AccelFamily.Ip, "fresh", "mine", true), (change.Result.Family, change.Result.Name, change.Result.Comment, change.Result.Owned));
        Assert.NotNull(change.Result.Sets);
        Assert.NotNull(change.Result.Chains);
        Assert.NotNull(change.Result.Flowtables);
        Assert.Empty(change.Result.Sets.Concat(change.Result.Chains).Concat(change.Result.Flowtables));

        plan.Accept(change);
        HostAccelException again = Assert.Throws<HostAccelException>(() => plan.Prepare(AccelFamily.Ip, "fresh", null));
        Assert.Equal((ErrorIds.TableExists, "table ip fresh already exists"), (again.ErrorId, again.Message));
    }

    [Fact]
    public void ATableThatExistsIsRefusedSayingWhetherItIsHostAccels()
    {
        NftLoadOwned("table ip antrea { comment \"Rules for Antrea\"; }");
        Ns.NftLoad("table ip theirs { }");

        HostAccelException owned = FailsAndChangesNothing(() => Tables.PlanNew(Session).Prepare(AccelFamily.Ip, "antrea", null), ErrorIds.TableExists, FailureKind.ResourceExists);
        Assert.Equal("table ip antrea already exists", owned.Message);
        HostAccelException foreign = FailsAndChangesNothing(() => Tables.PlanNew(Session).Prepare(AccelFamily.Ip, "theirs", null), ErrorIds.TableExists, FailureKind.ResourceExists);
        Assert.Equal("table ip theirs already exists and is not HostAccel's", foreign.Message);
    }

    /// <summary>A comment nft cannot keep is refused before the name is looked at.</summary>
    [Fact]
    public void ATableCommentTooLongIsRefusedBeforeTheName()
    {
        HostAccelException failure = FailsAndChangesNothing(() => Tables.PlanNew(Session).Prepare(AccelFamily.Ip, "a\"b", new string('x', 129)),
            ErrorIds.InvalidArgument, FailureKind.InvalidArgument);
        Assert.Equal("Comment is 129 bytes; nft keeps comments of at most 128 bytes", failure.Message);
    }

    /// <summary>No family asked for, as null or as none at all, is each of ip, ip6 and inet.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RemoveTableWithoutFamiliesFindsTheTableInAnyFamily(bool emptyFamilies)
    {
        NftLoadOwned("table ip6 antrea { }");

        PlannedChange<AccelTable> change = Assert.Single(Tables.PlanRemove(Session).Prepare(emptyFamilies ? [] : null, "antrea", false));

        Assert.Equal(("table ip6 antrea", "Delete table and everything in it"), (change.Target, change.Action));
        TableChange delete = Assert.IsType<TableChange>(Assert.Single(change.Changes));
        Assert.Equal(ChangeAction.Delete, delete.Action);
        Assert.Same(change.Result, delete.Subject);
        Assert.Equal((AccelFamily.Ip6, "antrea"), (change.Result.Family, change.Result.Name));
    }
}
