using HostAccel.Native.Netlink;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>Splitting a datagram into messages, and the nfgenmsg accessors, at the edges of their lengths.</summary>
public class NetlinkMessageParseTests
{
    [Fact]
    public void AMessageOfOnlyItsHeaderIsParsed()
    {
        byte[] datagram = Convert.FromHexString("10000000" + "0300" + "0200" + "07000000" + "00000000");
        var types = new List<(ushort, ushort, uint, int)>();
        foreach (NetlinkMessage message in NetlinkMessage.Parse(datagram))
        {
            types.Add((message.Type, message.Flags, message.Sequence, message.Payload.Length));
        }

        Assert.Equal([((ushort)3, (ushort)2, 7u, 0)], types);
    }

    [Theory]
    // A header-only message, then 10 bytes: too few for the next header.
    [InlineData("10000000030002000700000000000000" + "0a000000030000000000", "message header truncated: 10 bytes left at offset 16")]
    // A header claiming 40 bytes of a 20-byte datagram.
    [InlineData("28000000030002000700000000000000" + "01020304", "message at offset 0 claims 40 bytes, 20 are left")]
    // A header claiming fewer bytes than the header itself.
    [InlineData("0f000000030002000700000000000000", "message at offset 0 claims 15 bytes, 16 are left")]
    public void MalformedDatagramsAreDescribedByOffsetAndLength(string hex, string message)
    {
        byte[] datagram = Convert.FromHexString(hex);
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() =>
        {
            foreach (NetlinkMessage unused in NetlinkMessage.Parse(datagram))
            {
            }
        });
        Assert.Equal("malformed netlink reply: " + message, error.Message);
    }

    [Fact]
    public void AnNfgenmsgOfFourBytesGivesTheFamilyAndNoAttributes()
    {
        var message = new NetlinkMessage(0x0a00, 0, 1, 0, [10, 0, 0, 0]);
        Assert.Equal(10, message.Family);
        AttributeReader attributes = message.Attributes;
        Assert.False(attributes.Next());
    }

    [Fact]
    public void APayloadShorterThanItsNfgenmsgHasNeitherFamilyNorAttributes()
    {
        byte[] payload = [10, 0, 0];
        NetlinkDecodeException family = Assert.Throws<NetlinkDecodeException>(() => new NetlinkMessage(0x0a00, 0, 1, 0, payload).Family);
        NetlinkDecodeException attributes = Assert.Throws<NetlinkDecodeException>(() =>
        {
            AttributeReader reader = new NetlinkMessage(0x0a00, 0, 1, 0, payload).Attributes;
            return reader.Next();
        });
        Assert.Equal("malformed netlink reply: message shorter than its nfgenmsg", family.Message);
        Assert.Equal("malformed netlink reply: message shorter than its nfgenmsg", attributes.Message);
    }
}
