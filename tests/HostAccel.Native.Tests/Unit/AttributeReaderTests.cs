using HostAccel.Native.Netlink;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>What the attribute reader reports of each attribute: the nested flag as written, and strings with or without their NUL.</summary>
public class AttributeReaderTests
{
    [Fact]
    public void IsNestedFollowsTheNlaFNestedBitOfEachAttribute()
    {
        var writer = new NetlinkWriter();
        writer.WriteU32Be(1, 7);
        using (writer.Nested(2))
        {
            writer.WriteU8(1, 1);
        }

        using (writer.NestedWithoutFlag(3))
        {
            writer.WriteU8(1, 1);
        }

        var reader = new AttributeReader(writer.WrittenSpan);
        var seen = new List<(ushort Type, bool Nested)>();
        while (reader.Next())
        {
            seen.Add((reader.Type, reader.IsNested));
        }

        Assert.Equal([(1, false), (2, true), (3, false)], seen);
    }

    [Fact]
    public void AStringWithoutItsNulIsTheWholePayload()
    {
        var writer = new NetlinkWriter();
        writer.WriteBytes(1, "eth0"u8);
        writer.WriteBytes(2, "lo\0junk"u8);

        var reader = new AttributeReader(writer.WrittenSpan);
        Assert.True(reader.Next());
        Assert.Equal("eth0", reader.GetString());
        Assert.True(reader.Next());
        Assert.Equal("lo", reader.GetString());
        Assert.False(reader.Next());
    }
}
