using HostAccel.Native.Netlink;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>The writer's capacity is a hint: any value, even none at all or a negative one, gives a writer that writes.</summary>
public class NetlinkWriterCapacityTests
{
    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4096)]
    public void AnyCapacityHintGivesAWriterThatWritesTheSameBytes(int capacity)
    {
        var writer = new NetlinkWriter(capacity);
        int start = writer.BeginMessage(16, 0x0005, 9);
        writer.WriteRaw(new byte[100]);
        writer.WriteString(3, "veth0");
        writer.EndMessage(start);

        Assert.Equal(128, writer.Length);
        Assert.Equal(Convert.FromHexString("80000000" + "1000" + "0500" + "09000000" + "00000000"), writer.WrittenSpan[..16].ToArray());
        Assert.Equal(Convert.FromHexString("0a000300" + "7665746830" + "00" + "0000"), writer.WrittenSpan[116..].ToArray());
    }
}
