using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Nftables;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Planning;
using Xunit;

namespace HostAccel.PowerShell.Tests.Unit;

/// <summary>
/// <see cref="FlowEviction"/>: every change of a replacement carries the subject it serves, an appended rule too; and
/// only rules that look the set up count as feeding a flowtable (a rule with no lookup at all feeds none).
/// </summary>
public sealed class FlowEvictionSubjectAndFeedTests
{
    private static readonly NftFlowtable Fastpath = new(NftFamily.Ip, "antrea", "fastpath") { Handle = 9, Priority = 0, Devices = new[] { "antrea-gw0", "eth0" } };

    private static NftRule Offload(ulong handle, string flowtable, params Expression[] before) =>
        new(NftFamily.Ip, "antrea", "forward", before.Append(new FlowOffloadExpression(flowtable)).ToArray()) { Handle = handle };

    [Fact]
    public void EveryChangeOfAReplacementCarriesItsSubjectAnAppendedRuleToo()
    {
        NftRule[] rules = [Offload(2, "fastpath"), new(NftFamily.Ip, "antrea", "forward", new Expression[] { new ImmediateExpression(VerdictCode.Accept) }) { Handle = 3 }, Offload(4, "fastpath")];

        IReadOnlyList<Change> changes = FlowEviction.Replace(Fastpath, rules, "10.244.1.0/24");

        Assert.Equal(
        [
            "delete rule ip antrea forward handle 2",
            "delete rule ip antrea forward handle 4",
            "delete flowtable ip antrea fastpath",
            "add flowtable ip antrea fastpath { hook ingress priority filter; devices = { antrea-gw0, eth0 }; }",
            "insert rule ip antrea forward position 3 flow add @fastpath",
            "add rule ip antrea forward flow add @fastpath",
        ], changes.Select(c => PlanText.Statement(c)));
        Assert.Equal(ChangeAction.Add, changes[^1].Action);
        Assert.All(changes, c => Assert.Equal("10.244.1.0/24", c.Subject));
    }

    [Fact]
    public void ARuleWithoutALookupOfTheSetFeedsNoFlowtableOfIt()
    {
        NftFlowtable other = Fastpath with { Name = "other" };
        NftRule[] rules = [Offload(2, "fastpath", new LookupExpression("peer-pod-cidr")), Offload(3, "other")];

        Assert.Equal([Fastpath], FlowEviction.FedBy("peer-pod-cidr", [Fastpath, other], rules));
        Assert.Empty(FlowEviction.FedBy("peer-node-ip", [Fastpath, other], rules));
    }
}
