using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using Xunit;
using static HostAccel.Native.Nftables.NfTablesConstants;

namespace HostAccel.Native.Tests.Unit;

/// <summary>Set elements read from a dump: keys of the set's address length, or a decode error that says why not.</summary>
public class SetElementDecoderTests
{
    /// <summary>A NEWSETELEM message with one element per key (null: an element without a key), flagged as given.</summary>
    private static List<SetElement> Decode(int keyLength, params (string? Hex, bool End)[] elements)
    {
        var writer = new NetlinkWriter();
        writer.WriteNfGenMsg((byte)NftFamily.Ip);
        writer.WriteString(NFTA_SET_ELEM_LIST_TABLE, "t");
        writer.WriteString(NFTA_SET_ELEM_LIST_SET, "s");
        using (writer.Nested(NFTA_SET_ELEM_LIST_ELEMENTS))
        {
            foreach ((string? hex, bool end) in elements)
            {
                using (writer.Nested(NFTA_LIST_ELEM))
                {
                    if (end)
                    {
                        writer.WriteU32Be(NFTA_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
                    }

                    if (hex is not null)
                    {
                        using (writer.Nested(NFTA_SET_ELEM_KEY))
                        {
                            writer.WriteBytes(NFTA_DATA_VALUE, Convert.FromHexString(hex));
                        }
                    }
                }
            }
        }

        var decoded = new List<SetElement>();
        SetElementDecoder.Decode(new NetlinkMessage(MessageType(NFT_MSG_NEWSETELEM), 0, 0, 0, writer.WrittenSpan), decoded, keyLength);
        return decoded;
    }

    [Fact]
    public void KeysOfTheSetsLengthDecodeWithTheirIntervalEnds()
    {
        Assert.Equal(
            [new SetElement(0x0af40000, false), new SetElement(0x0af40100, true)],
            Decode(4, ("0af40000", false), ("0af40100", true)));
        Assert.Equal(
            [new SetElement(IpPrefix.Parse("fd00:10:244::").Value, false)],
            Decode(16, ("fd000010024400000000000000000000", false)));
        Assert.Equal([new SetElement(0x0a000001, false)], Decode(0, ("0a000001", false)));
    }

    [Theory]
    [InlineData(16, "0a000001", "set element key of 4 bytes in a set of 16-byte addresses")]
    [InlineData(4, "fd000000000000000000000000000001", "set element key of 16 bytes in a set of 4-byte addresses")]
    [InlineData(4, "0a00000100", "set element key of 5 bytes in a set of 4-byte addresses")]
    [InlineData(0, "0a0000", "set element key of 3 bytes in a set of 0-byte addresses")]
    public void AKeyOfAnotherLengthIsADecodeError(int keyLength, string key, string message)
    {
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() => Decode(keyLength, (key, false)));
        Assert.Equal($"malformed netlink reply: {message}", error.Message);
    }

    [Fact]
    public void AnElementWithoutAKeyIsADecodeError()
    {
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() => Decode(4, ("0a000001", false), (null, true)));
        Assert.Equal("malformed netlink reply: set element without a key", error.Message);
    }
}
