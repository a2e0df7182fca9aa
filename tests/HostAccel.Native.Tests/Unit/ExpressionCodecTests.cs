using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Expressions;
using Xunit;
using static HostAccel.Native.Nftables.NfTablesConstants;

namespace HostAccel.Native.Tests.Unit;

/// <summary>
/// Expressions through NFTA_RULE_EXPRESSIONS and back, and the expression lists the decoder refuses or keeps
/// verbatim. The shapes nft itself writes are pinned byte for byte by Golden/; these are the cases it does not write.
/// </summary>
public class ExpressionCodecTests
{
    private static EquatableArray<Expression> RoundTrip(params Expression[] expressions)
    {
        var writer = new NetlinkWriter();
        ExpressionCodec.EncodeList(writer, NFTA_RULE_EXPRESSIONS, expressions);
        var reader = new AttributeReader(writer.WrittenSpan);
        Assert.True(reader.Next());
        return ExpressionCodec.DecodeList(reader.Nested());
    }

    /// <summary>The NFTA_EXPR_DATA payload the encoder writes for one expression.</summary>
    private static byte[] DataOf(Expression expression)
    {
        var writer = new NetlinkWriter();
        ExpressionCodec.EncodeList(writer, NFTA_RULE_EXPRESSIONS, [expression]);
        var list = new AttributeReader(writer.WrittenSpan);
        list.Next();
        AttributeReader element = list.Nested();
        element.Next();
        AttributeReader fields = element.Nested();
        while (fields.Next())
        {
            if (fields.Type == NFTA_EXPR_DATA)
            {
                return fields.Payload.ToArray();
            }
        }

        throw new InvalidOperationException("no NFTA_EXPR_DATA");
    }

    private delegate void Write(NetlinkWriter writer);

    /// <summary>One list element with the given name (none when null) and data, decoded.</summary>
    private static EquatableArray<Expression> DecodeOne(string? name, Write data)
    {
        var writer = new NetlinkWriter();
        using (writer.Nested(NFTA_LIST_ELEM))
        {
            if (name is not null)
            {
                writer.WriteString(NFTA_EXPR_NAME, name);
            }

            using (writer.Nested(NFTA_EXPR_DATA))
            {
                data(writer);
            }
        }

        return ExpressionCodec.DecodeList(new AttributeReader(writer.WrittenSpan));
    }

    [Theory]
    [InlineData(7UL, 1500UL)]
    [InlineData(3UL, 0UL)]
    [InlineData(0UL, 64UL)]
    [InlineData(ulong.MaxValue, 1UL)]
    public void ACounterWithValuesKeepsThemBoth(ulong packets, ulong bytes) =>
        Assert.Equal([new CounterExpression(packets, bytes)], RoundTrip(new CounterExpression(packets, bytes)));

    [Fact]
    public void ACounterWithValuesWritesBytesThenPacketsAsBigEndianU64()
    {
        Assert.Equal(
            Convert.FromHexString("0c000100" + "00000000000005dc" + "0c000200" + "0000000000000007"),
            DataOf(new CounterExpression(Packets: 7, Bytes: 1500)));
        Assert.Empty(DataOf(new CounterExpression()));
    }

    [Fact]
    public void AnInvertedLookupWritesTheInvertFlagAndReadsBackInverted()
    {
        var inverted = new LookupExpression("blocked", Register.R1, SetId: 3, Invert: true);
        Assert.Equal(
            Convert.FromHexString("08000200" + "00000001" + "0c000100" + "626c6f636b656400" + "08000400" + "00000003" + "08000500" + "00000001"),
            DataOf(inverted));
        Assert.Equal([inverted], RoundTrip(inverted));
    }

    [Fact]
    public void ALookupWithoutFlagsIsNotInverted()
    {
        // What the encoder writes for a plain lookup: no NFTA_LOOKUP_FLAGS at all.
        Assert.Equal([new LookupExpression("peer-pod-cidr")], RoundTrip(new LookupExpression("peer-pod-cidr")));
    }

    [Fact]
    public void ALookupBySetIdAloneHasAnEmptySetName()
    {
        Assert.Equal(
            [new LookupExpression("", Register.R1, SetId: 9)],
            DecodeOne("lookup", w =>
            {
                w.WriteU32Be(2, 1);
                w.WriteU32Be(4, 9);
            }));
    }

    [Fact]
    public void FlowOffloadKeepsItsFlowtableAndAnUnnamedOneIsEmpty()
    {
        Assert.Equal([new FlowOffloadExpression("fastpath")], RoundTrip(new FlowOffloadExpression("fastpath")));
        Assert.Equal([new FlowOffloadExpression("")], DecodeOne("flow_offload", _ => { }));
        Assert.Equal([new FlowOffloadExpression("ft")], DecodeOne("flow_offload", w =>
        {
            w.WriteU32Be(2, 5);
            w.WriteString(1, "ft");
        }));
    }

    [Fact]
    public void AnImmediateLoadingADataRegisterIsKeptVerbatim()
    {
        var writer = new NetlinkWriter();
        writer.WriteU32Be(1, 1); // NFTA_IMMEDIATE_DREG: NFT_REG_1
        using (writer.Nested(2)) // NFTA_IMMEDIATE_DATA
        {
            writer.WriteBytes(NFTA_DATA_VALUE, [10, 0, 0, 1]);
        }

        byte[] data = writer.WrittenSpan.ToArray();
        Assert.Equal([new UnknownExpression("immediate", data)], DecodeOne("immediate", w => w.WriteRaw(data)));
    }

    [Fact]
    public void AnImmediateIgnoresDataAttributesThatAreNoVerdict()
    {
        // An attribute of another type after the verdict, shaped like one: read as a verdict it would say drop.
        EquatableArray<Expression> decoded = DecodeOne("immediate", w =>
        {
            w.WriteU32Be(1, 0);
            using (w.Nested(2))
            {
                using (w.Nested(NFTA_DATA_VERDICT))
                {
                    w.WriteU32Be(NFTA_VERDICT_CODE, (uint)VerdictCode.Accept);
                }

                using (w.Nested(3))
                {
                    w.WriteU32Be(NFTA_VERDICT_CODE, (uint)VerdictCode.Drop);
                    w.WriteString(NFTA_VERDICT_CHAIN, "elsewhere");
                }
            }
        });
        Assert.Equal([new ImmediateExpression(VerdictCode.Accept)], decoded);
    }

    [Fact]
    public void AJumpKeepsItsChain() =>
        Assert.Equal([new ImmediateExpression(VerdictCode.Jump, "next")], RoundTrip(new ImmediateExpression(VerdictCode.Jump, "next")));

    [Fact]
    public void AnExpressionWithoutANameIsADecodeError()
    {
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() => DecodeOne(null, w => w.WriteU32Be(1, 1)));
        Assert.Equal("malformed netlink reply: expression without NFTA_EXPR_NAME", error.Message);
    }

    [Fact]
    public void DataWithoutAValueIsADecodeError()
    {
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() => DecodeOne("cmp", w =>
        {
            w.WriteU32Be(1, 1);
            w.WriteU32Be(2, 0);
            using (w.Nested(3)) // NFTA_CMP_DATA holding a verdict, not a value
            {
                using (w.Nested(NFTA_DATA_VERDICT))
                {
                    w.WriteU32Be(NFTA_VERDICT_CODE, 1);
                }
            }
        }));
        Assert.Equal("malformed netlink reply: nft_data without NFTA_DATA_VALUE", error.Message);
    }

    [Fact]
    public void AnExpressionOfAnotherKindIsKeptWithItsData()
    {
        EquatableArray<Expression> decoded = DecodeOne("limit", w => w.WriteU64Be(1, 10));
        Assert.Equal([new UnknownExpression("limit", Convert.FromHexString("0c000100000000000000000a"))], decoded);
        Assert.Equal(decoded, RoundTrip([.. decoded]));
    }
}
