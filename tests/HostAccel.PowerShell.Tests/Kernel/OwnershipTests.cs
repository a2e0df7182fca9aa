using System.Collections;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>Which tables are HostAccel's: those with its manager mark, and no others — whatever their comment.</summary>
public sealed class OwnershipTests : EngineTest
{
    [Fact]
    public void ATableCreatedWithACustomCommentStaysHostAccelsInLaterCalls()
    {
        NewTablePlan plan = Tables.PlanNew(Session);
        plan.Accept(plan.Prepare(AccelFamily.Ip, "edge", "edge router acceleration"));
        Assert.True(plan.Commit(CancellationToken.None));

        AccelTable table = Assert.Single(Tables.Get(Session, [AccelFamily.Ip], "edge", includeForeign: false));
        Assert.True(table.Owned);

        RemoveTablePlan remove = Tables.PlanRemove(Session);
        foreach (PlannedChange<AccelTable> change in remove.Prepare(null, "edge", force: false))
        {
            remove.Accept(change);
        }

        Assert.True(remove.Commit(CancellationToken.None));
        Assert.Equal("", Ns.Nft("list", "ruleset").Trim());
    }

    [Fact]
    public void ATableMarkedByAnotherManagerIsForeignEvenWithTheSeedsComment()
    {
        var tx = new NftTransaction();
        tx.AddTable(new NftTable(NftFamily.Ip, "antrea") { Comment = Design.TableComment, Manager = "someone-else" });
        Session.Nft.Commit(tx);

        AccelTable table = Assert.Single(Tables.Get(Session, [AccelFamily.Ip], "antrea", includeForeign: true));
        Assert.False(table.Owned);
        FailsAndChangesNothing(() => Tables.PlanRemove(Session).Prepare(null, "antrea", force: false), ErrorIds.TableNotOwned, FailureKind.InvalidOperation);
    }

    [Fact]
    public void TablesHostAccelCreatesCarryItsMark()
    {
        NewTablePlan plan = Tables.PlanNew(Session);
        plan.Accept(plan.Prepare(AccelFamily.Ip6, "antrea", Design.TableComment));
        plan.Commit(CancellationToken.None);
        Assert.Equal(Design.Manager, Session.Nft.GetTable(NftFamily.Ip6, "antrea")?.Manager);
    }

    /// <summary>
    /// Issue 19: a table nft made (or Antrea's agent) with the seed's comment, holding someone's firewall — a set and a
    /// filter chain on the input hook with policy drop — is not HostAccel's. Sync, Remove-AccelTable and
    /// Add-PeerPodCidr refuse it without -Force, and `nft -j list ruleset` stays byte-identical.
    /// </summary>
    [Fact]
    public void ATableWithTheSeedsCommentButNoMarkIsNotTouchedWithoutForce()
    {
        Ns.NftLoad("""
            table ip antrea {
                comment "Rules for Antrea"
                set blocklist { type ipv4_addr; flags interval; elements = { 192.0.2.0/24 }; }
                chain guard { type filter hook input priority 0; policy drop; ip saddr @blocklist drop; }
            }
            """);
        string before = Ns.Nft("-j", "list", "ruleset");

        AccelConfiguration prepared = ConfigurationReader.Read(new Hashtable { ["Family"] = "ip", ["Traffic"] = "None" }, "test");
        HostAccelException sync = Assert.Throws<HostAccelException>(() => Synchronizer.Sync(Session, prepared, new SyncOptions(), CancellationToken.None));
        Assert.Equal((ErrorIds.TableNotOwned, FailureKind.InvalidOperation), (sync.ErrorId, sync.Kind));
        Assert.Contains("its comment does not make it HostAccel's", sync.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorIds.TableNotOwned, Assert.Throws<HostAccelException>(() => Synchronizer.Test(Session, prepared, force: false)).ErrorId);

        HostAccelException remove = Assert.Throws<HostAccelException>(() => Tables.PlanRemove(Session).Prepare(null, "antrea", force: false));
        Assert.Equal(ErrorIds.TableNotOwned, remove.ErrorId);

        HostAccelException add = Assert.Throws<HostAccelException>(() => new AddPeerPodCidrPlan(Session).Prepare("10.244.0.0/16", null, "antrea", Design.SetName, null, force: false));
        Assert.Equal(ErrorIds.TableNotOwned, add.ErrorId);

        // A configuration without families removes HostAccel's tables; this one is not HostAccel's, so it stays.
        AccelConfiguration none = ConfigurationReader.Read(new Hashtable(), "test");
        Assert.False(Synchronizer.Sync(Session, none, new SyncOptions(), CancellationToken.None).Applied);

        Assert.Empty(Tables.Get(Session, null, null, includeForeign: false));
        Assert.False(Assert.Single(Tables.Get(Session, null, "antrea", includeForeign: false)).Owned);
        Assert.Equal(before, Ns.Nft("-j", "list", "ruleset"));
    }

    /// <summary>With -Force the same sync does act: the table is then treated as HostAccel's, drift and all.</summary>
    [Fact]
    public void ForceActsOnATableWithoutTheMarkAndSaysWhatGoes()
    {
        Ns.NftLoad("table ip antrea { comment \"Rules for Antrea\"; set blocklist { type ipv4_addr; }; }");
        AccelConfiguration prepared = ConfigurationReader.Read(new Hashtable { ["Family"] = "ip", ["Traffic"] = "None" }, "test");
        SyncPlan plan = Synchronizer.Plan(Session, prepared, force: true);
        Assert.Contains("delete set ip antrea blocklist", plan.Statements);
    }
}
