using System.Net;
using HostAccel.Native.Conntrack;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// The offloaded part of a rule's counts: the flows in the flowtable the rule adds to, both directions summed, or
/// nothing when one of them is not accounted. (This kernel has no flowtable: the rule is written by hand.)
/// </summary>
public sealed class CounterOffloadTests : EngineTest
{
    private static readonly NftRule Offloading = new(NftFamily.Ip, "antrea", "forward",
        new Expression[] { new FlowOffloadExpression("fastpath"), new CounterExpression { Packets = 5, Bytes = 500 } }) { Handle = 3 };

    [Fact]
    public void TheOffloadedFlowsOfARuleAreCountedInBothDirections()
    {
        FlowtableCounter counter = Counters.ToModel(Session, Offloading, [Flow(2, 200, 3, 300), Flow(1, 10, 4, 40)]);

        Assert.Equal(("fastpath", 5UL, 500UL), (counter.FlowtableName, counter.Packets, counter.Bytes));
        Assert.Equal((2, 10UL, 550UL), (counter.OffloadedFlows, counter.OffloadedPackets, counter.OffloadedBytes));
    }

    [Fact]
    public void AFlowWithoutAccountingInOneDirectionLeavesThatSumUnknown()
    {
        FlowtableCounter counter = Counters.ToModel(Session, Offloading, [Flow(2, 200, 3, 300), Flow(1, null, 4, 40)]);
        Assert.Equal((2, (ulong?)10, (ulong?)null), (counter.OffloadedFlows, counter.OffloadedPackets, counter.OffloadedBytes));

        counter = Counters.ToModel(Session, Offloading, [Flow(2, 200, null, 300)]);
        Assert.Equal((1, (ulong?)null, (ulong?)500), (counter.OffloadedFlows, counter.OffloadedPackets, counter.OffloadedBytes));
    }

    [Fact]
    public void WithoutFlowsOrAFlowtableNothingIsOffloaded()
    {
        FlowtableCounter unread = Counters.ToModel(Session, Offloading, null);
        Assert.Equal(((int?)null, (ulong?)null, (ulong?)null), (unread.OffloadedFlows, unread.OffloadedPackets, unread.OffloadedBytes));

        FlowtableCounter plain = Counters.ToModel(Session, Offloading with { Expressions = new Expression[] { new CounterExpression() } }, [Flow(2, 200, 3, 300)]);
        Assert.Equal(((string?)null, (int?)null, (ulong?)null, (ulong?)null), (plain.FlowtableName, plain.OffloadedFlows, plain.OffloadedPackets, plain.OffloadedBytes));
    }

    private static ConntrackFlow Flow(ulong? originalPackets, ulong? originalBytes, ulong? replyPackets, ulong? replyBytes) => new(NftFamily.Ip,
        new ConntrackTuple(IPAddress.Parse("10.244.2.5"), IPAddress.Parse("10.244.1.5"), 6, 40000, 5201),
        new ConntrackTuple(IPAddress.Parse("10.244.1.5"), IPAddress.Parse("10.244.2.5"), 6, 5201, 40000),
        ConntrackStatus.Offload | ConntrackStatus.SeenReply)
    {
        OriginalPackets = originalPackets,
        OriginalBytes = originalBytes,
        ReplyPackets = replyPackets,
        ReplyBytes = replyBytes,
    };
}
