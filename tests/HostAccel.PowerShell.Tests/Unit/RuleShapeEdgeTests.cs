using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine.Configuration;
using Xunit;

namespace HostAccel.PowerShell.Tests.Unit;

/// <summary>
/// The offload threshold a rule's shape is read with: <c>ct packets &gt; N</c> for N from 1 to int.MaxValue; a
/// count of 0 or beyond int.MaxValue is no HostAccel threshold, so the rule has no shape HostAccel writes.
/// </summary>
public sealed class RuleShapeEdgeTests
{
    private static NftRule WithThreshold(ulong packets) =>
        new RuleBuilder(NftFamily.Ip, "antrea", "forward").DestinationInSet("peer", ipv6: false).CtPacketsGreaterThan(packets).FlowAdd("fastpath").Counter().Build();

    [Theory]
    [InlineData(1UL)]
    [InlineData((ulong)int.MaxValue)]
    public void AThresholdInRangeIsTheShapes(ulong packets) =>
        Assert.Equal((int)packets, RuleShape.Of(WithThreshold(packets))!.OffloadThreshold);

    [Theory]
    [InlineData(0UL)]
    [InlineData((ulong)int.MaxValue + 1)]
    public void AThresholdOutOfRangeIsNoShape(ulong packets) => Assert.Null(RuleShape.Of(WithThreshold(packets)));

    [Fact]
    public void ReadingATableNeedsAConnection() =>
        Assert.Throws<ArgumentNullException>(() => KernelTable.Read(null!, NftFamily.Ip, "antrea"));
}
