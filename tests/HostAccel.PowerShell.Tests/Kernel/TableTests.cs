using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>New-, Get- and Remove-AccelTable's engine paths against the kernel, nft as the oracle.</summary>
public sealed class TableTests : EngineTest
{
    [Fact]
    public void NewTableCreatesSeedTablesInBothFamiliesInOneTransaction()
    {
        NewTablePlan plan = Tables.PlanNew(Session);
        var changes = new[] { AccelFamily.Ip, AccelFamily.Ip6 }.Select(f => plan.Prepare(f, "antrea", Design.TableComment)).ToList();
        Assert.Equal(["add table ip antrea { comment \"Rules for Antrea\"; }"], changes[0].Statements);
        Assert.Equal(["add table ip6 antrea { comment \"Rules for Antrea\"; }"], changes[1].Statements);
        changes.ForEach(plan.Accept);

        Assert.True(plan.Commit(CancellationToken.None));

        Assert.Equal("table ip antrea { comment \"Rules for Antrea\" }", Fold(Ns.Nft("list", "table", "ip", "antrea")));
        Assert.Equal("table ip6 antrea { comment \"Rules for Antrea\" }", Fold(Ns.Nft("list", "table", "ip6", "antrea")));
        IReadOnlyList<AccelTable> tables = Tables.Get(Session, null, null, includeForeign: false);
        Assert.Equal([AccelFamily.Ip, AccelFamily.Ip6], tables.Select(t => t.Family));
        Assert.All(tables, t => Assert.True(t.Owned));
        Assert.All(tables, t => Assert.NotEqual(0UL, t.Handle));
        Assert.All(tables, t => Assert.Equal(Ns.Name, t.NetworkNamespace));
        Assert.Equal("table ip antrea { comment \"Rules for Antrea\"; }", tables[0].ToString());
    }

    [Fact]
    public void NewTableThatExistsIsResourceExistsAndChangesNothing()
    {
        Ns.Nft("add", "table", "ip", "antrea");
        HostAccelException failure = FailsAndChangesNothing(
            () => Tables.PlanNew(Session).Prepare(AccelFamily.Ip, "antrea", Design.TableComment), ErrorIds.TableExists, FailureKind.ResourceExists);
        Assert.Equal("table ip antrea { comment \"Rules for Antrea\"; }", failure.TargetObject);
    }

    [Fact]
    public void TheSameTableTwiceInOneCallIsRejected()
    {
        NewTablePlan plan = Tables.PlanNew(Session);
        plan.Accept(plan.Prepare(AccelFamily.Ip, "antrea", Design.TableComment));
        Assert.Equal(ErrorIds.TableExists, Assert.Throws<HostAccelException>(() => plan.Prepare(AccelFamily.Ip, "antrea", Design.TableComment)).ErrorId);
    }

    [Fact]
    public void ARejectedInputMeansNothingIsCommitted()
    {
        NewTablePlan plan = Tables.PlanNew(Session);
        plan.Accept(plan.Prepare(AccelFamily.Ip, "antrea", Design.TableComment));
        plan.Reject();
        FailsAndChangesNothing(() => plan.Commit(CancellationToken.None), ErrorIds.NothingApplied, FailureKind.InvalidOperation);
        Assert.Equal("", Ruleset().Trim());
    }

    [Fact]
    public void ACancelledCommitChangesNothing()
    {
        NewTablePlan plan = Tables.PlanNew(Session);
        plan.Accept(plan.Prepare(AccelFamily.Ip, "antrea", Design.TableComment));
        FailsAndChangesNothing(() => plan.Commit(new CancellationToken(canceled: true)), ErrorIds.Stopped, FailureKind.OperationStopped);
    }

    [Fact]
    public void AConcurrentChangeAfterPlanningFailsTheCommitInsteadOfOverwritingIt()
    {
        NewTablePlan plan = Tables.PlanNew(Session);
        plan.Accept(plan.Prepare(AccelFamily.Ip, "antrea", Design.TableComment));
        Ns.Nft("add", "table", "inet", "someone-else");
        FailsAndChangesNothing(() => plan.Commit(CancellationToken.None), ErrorIds.RulesetChanged, FailureKind.ResourceBusy);
    }

    [Fact]
    public void GetListsHostAccelTablesOnlyUnlessAllOrAnExactName()
    {
        Ns.NftLoad("table inet filter { }");
        NftLoadOwned("""
            table ip antrea { comment "Rules for Antrea"; }
            table ip6 antrea { comment "Rules for Antrea"; set peer-pod-cidr { type ipv6_addr; flags interval; }; chain forward { type filter hook forward priority 0; }; }
            """);
        Assert.Equal(["table ip antrea", "table ip6 antrea"], Tables.Get(Session, null, null, false).Select(t => $"table {t.Family.ToString().ToLowerInvariant()} {t.Name}"));
        Assert.Equal(3, Tables.Get(Session, null, null, includeForeign: true).Count);
        Assert.Equal(3, Tables.Get(Session, null, "*", includeForeign: true).Count);
        AccelTable filter = Assert.Single(Tables.Get(Session, null, "filter", false));
        Assert.False(filter.Owned);
        Assert.Equal(AccelFamily.Inet, filter.Family);
        AccelTable v6 = Assert.Single(Tables.Get(Session, [AccelFamily.Ip6], "ant*", false));
        Assert.Equal(["peer-pod-cidr"], v6.Sets);
        Assert.Equal(["forward"], v6.Chains);

        HostAccelException missing = Assert.Throws<HostAccelException>(() => Tables.Get(Session, null, "nope", false));
        Assert.Equal((ErrorIds.TableNotFound, FailureKind.ObjectNotFound, (object?)"nope"), (missing.ErrorId, missing.Kind, missing.TargetObject));
    }

    /// <summary>
    /// Issue 19: `Get-AccelTable -Name antrea | Remove-AccelTable` took ANTREA too. Names are case-sensitive bytes,
    /// matched exactly, and wildcards are PowerShell's, case-sensitive; an invalid pattern is refused even when no
    /// table could match it.
    /// </summary>
    [Fact]
    public void NamesAreMatchedExactlyAndWildcardsCaseSensitively()
    {
        NftLoadOwned("table ip antrea { comment \"Rules for Antrea\"; }\ntable ip ANTREA { comment \"Rules for Antrea\"; }\ntable ip antrea2 { }");
        Assert.Equal(["antrea"], Tables.Get(Session, [AccelFamily.Ip], "antrea", false).Select(t => t.Name));
        Assert.Equal(["ANTREA"], Tables.Get(Session, [AccelFamily.Ip], "ANTREA", false).Select(t => t.Name));
        Assert.Equal(["antrea", "antrea2"], Tables.Get(Session, null, "ant*", false).Select(t => t.Name));
        Assert.Equal(["ANTREA"], Tables.Get(Session, null, "A*", false).Select(t => t.Name));
        Assert.Equal(ErrorIds.TableNotFound, Assert.Throws<HostAccelException>(() => Tables.Get(Session, null, "Antrea", false)).ErrorId);

        Ns.Nft("flush", "ruleset");
        HostAccelException invalid = Assert.Throws<HostAccelException>(() => Tables.Get(Session, null, "[", false));
        Assert.Equal((ErrorIds.InvalidArgument, FailureKind.InvalidArgument), (invalid.ErrorId, invalid.Kind));
        Assert.Equal("The specified wildcard character pattern is not valid: [", invalid.Message);
    }

    /// <summary>Issue 19: `New-AccelTable -Name '*' -PassThru` returned every table. A New- cmdlet takes no wildcards.</summary>
    [Theory]
    [InlineData("*")]
    [InlineData("ant?")]
    [InlineData("[ab]")]
    public void NewTableTakesNoWildcards(string name)
    {
        HostAccelException failure = FailsAndChangesNothing(() => Tables.PlanNew(Session).Prepare(AccelFamily.Ip, name, null), ErrorIds.InvalidArgument, FailureKind.InvalidArgument);
        Assert.Contains("takes no wildcards", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RemoveDeletesTheTableOfEveryFamilyWithThatName()
    {
        NftLoadOwned("""
            table ip antrea { comment "Rules for Antrea"; set peer-pod-cidr { type ipv4_addr; flags interval; elements = { 10.244.0.0/24 }; }; }
            table ip6 antrea { comment "Rules for Antrea"; }
            """);
        RemoveTablePlan plan = Tables.PlanRemove(Session);
        IReadOnlyList<PlannedChange<AccelTable>> changes = plan.Prepare(null, "antrea", force: false);
        Assert.Equal([["delete table ip antrea"], ["delete table ip6 antrea"]], changes.Select(c => c.Statements));
        foreach (PlannedChange<AccelTable> change in changes)
        {
            plan.Accept(change);
        }

        plan.Commit(CancellationToken.None);
        Assert.Equal("", Ruleset().Trim());
    }

    [Fact]
    public void RemovingATableHostAccelDidNotCreateNeedsForce()
    {
        Ns.NftLoad("table inet filter { chain input { type filter hook input priority 0; }; }");
        HostAccelException failure = FailsAndChangesNothing(() => Tables.PlanRemove(Session).Prepare(null, "filter", force: false), ErrorIds.TableNotOwned, FailureKind.InvalidOperation);
        Assert.Contains("-Force", failure.Message, StringComparison.Ordinal);

        RemoveTablePlan plan = Tables.PlanRemove(Session);
        plan.Accept(Assert.Single(plan.Prepare([AccelFamily.Inet], "filter", force: true)));
        plan.Commit(CancellationToken.None);
        Assert.Equal("", Ruleset().Trim());
    }

    [Fact]
    public void RemovingAMissingTableIsObjectNotFound()
    {
        Ns.Nft("add", "table", "ip", "antrea", "{ comment \"Rules for Antrea\"; }");
        FailsAndChangesNothing(() => Tables.PlanRemove(Session).Prepare(null, "other", false), ErrorIds.TableNotFound, FailureKind.ObjectNotFound);
        FailsAndChangesNothing(() => Tables.PlanRemove(Session).Prepare([AccelFamily.Ip6], "antrea", false), ErrorIds.TableNotFound, FailureKind.ObjectNotFound);
    }

    [Fact]
    public void ANetworkNamespaceThatDoesNotExistIsObjectNotFound()
    {
        HostAccelException failure = Assert.Throws<HostAccelException>(() => AccelSession.Open("ha-test-no-such-namespace"));
        Assert.Equal((ErrorIds.NetworkNamespaceNotFound, FailureKind.ObjectNotFound), (failure.ErrorId, failure.Kind));
        Assert.Equal("ha-test-no-such-namespace", failure.TargetObject);
    }
}
