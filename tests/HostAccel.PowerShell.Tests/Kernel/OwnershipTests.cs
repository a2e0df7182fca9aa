using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>Which tables are HostAccel's: the manager mark first, the seed's comment only for unmarked tables.</summary>
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
        tx.AddTable(new NftTable(NftFamily.Ip, "antrea") { Comment = Defaults.TableComment, Manager = "someone-else" });
        Session.Nft.Commit(tx);

        AccelTable table = Assert.Single(Tables.Get(Session, [AccelFamily.Ip], "antrea", includeForeign: true));
        Assert.False(table.Owned);
        FailsAndChangesNothing(() => Tables.PlanRemove(Session).Prepare(null, "antrea", force: false), ErrorIds.TableNotOwned, FailureKind.InvalidOperation);
    }

    [Fact]
    public void TablesHostAccelCreatesCarryItsMark()
    {
        NewTablePlan plan = Tables.PlanNew(Session);
        plan.Accept(plan.Prepare(AccelFamily.Ip6, "antrea", Defaults.TableComment));
        plan.Commit(CancellationToken.None);
        Assert.Equal(Defaults.Manager, Session.Nft.GetTable(NftFamily.Ip6, "antrea")?.Manager);
    }
}
