using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Planning;
using Xunit;

namespace HostAccel.PowerShell.Tests.Unit;

/// <summary>
/// <see cref="PlanText.Summary"/>, the words of a prompt: an element list of more than three prefixes by its count
/// and direction, anything else as its statement, cut at the length asked for.
/// </summary>
public sealed class PlanSummaryTests
{
    private static readonly NftSet PeerSet = Design.AddressSet(NftFamily.Ip, "antrea", "peer-pod-cidr");

    private static IpPrefix[] Prefixes(int count) => Enumerable.Range(1, count).Select(n => IpPrefix.Parse($"10.244.{n}.0/24")).ToArray();

    [Theory]
    [InlineData(true, 4, "add 4 elements to set ip antrea peer-pod-cidr")]
    [InlineData(false, 4, "delete 4 elements from set ip antrea peer-pod-cidr")]
    [InlineData(false, 200, "delete 200 elements from set ip antrea peer-pod-cidr")]
    [InlineData(true, 3, "add element ip antrea peer-pod-cidr { 10.244.1.0/24, 10.244.2.0/24, 10.244.3.0/24 }")]
    [InlineData(false, 3, "delete element ip antrea peer-pod-cidr { 10.244.1.0/24, 10.244.2.0/24, 10.244.3.0/24 }")]
    public void MoreThanThreeElementsAreSummedUpByTheirCountAndFewerAreTheirStatement(bool add, int count, string expected)
    {
        Assert.Equal(expected, PlanText.Summary(new ElementsChange(add ? ChangeAction.Add : ChangeAction.Delete, PeerSet, Prefixes(count))));
    }

    [Fact]
    public void AnyOtherChangeIsItsStatementCutAtTheLengthAsked()
    {
        var table = new TableChange(ChangeAction.Delete, Design.Table(NftFamily.Ip, "antrea"));
        Assert.Equal("delete table ip antrea", PlanText.Summary(table));
        Assert.Equal("delete table ip antrea", PlanText.Summary(table, null, 100));
        Assert.Equal("delete tab…", PlanText.Summary(table, null, 10));

        var three = new ElementsChange(ChangeAction.Add, PeerSet, Prefixes(3));
        Assert.Equal("add element ip antrea peer-pod-cidr { 10.244.1.0/24, 10.244.2.0/24, 10.244.3.0/24 }", PlanText.Summary(three, null, 100));
        Assert.Equal("add element ip antrea peer-pod-cidr { 10.244.1.0/24, 10.244.2.0/24, 10.244.3.0/2… (3 elements)", PlanText.Summary(three, null, 80));
    }
}
