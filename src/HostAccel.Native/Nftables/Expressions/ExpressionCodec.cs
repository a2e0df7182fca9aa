using HostAccel.Native.Netlink;
using static HostAccel.Native.Nftables.NfTablesConstants;

namespace HostAccel.Native.Nftables.Expressions;

/// <summary>Encodes a rule's expression list (NFTA_RULE_EXPRESSIONS) and decodes it, dispatching on each name.</summary>
internal static class ExpressionCodec
{
    internal delegate Expression Decoder(AttributeReader data);

    private static readonly Dictionary<string, Decoder> Decoders = new(StringComparer.Ordinal)
    {
        [MetaExpression.Kind] = MetaExpression.Decode,
        [PayloadExpression.Kind] = PayloadExpression.Decode,
        [CmpExpression.Kind] = CmpExpression.Decode,
        [BitwiseExpression.Kind] = BitwiseExpression.Decode,
        [LookupExpression.Kind] = LookupExpression.Decode,
        [FlowOffloadExpression.Kind] = FlowOffloadExpression.Decode,
        [CounterExpression.Kind] = CounterExpression.Decode,
        [ImmediateExpression.Kind] = ImmediateExpression.Decode,
        [CtExpression.Kind] = CtExpression.Decode,
        [ByteorderExpression.Kind] = ByteorderExpression.Decode,
    };

    internal static void EncodeList(NetlinkWriter writer, ushort attribute, IEnumerable<Expression> expressions)
    {
        using (writer.Nested(attribute))
        {
            foreach (Expression expression in expressions)
            {
                using (writer.Nested(NFTA_LIST_ELEM))
                {
                    writer.WriteString(NFTA_EXPR_NAME, expression.Name);
                    using (writer.Nested(NFTA_EXPR_DATA))
                    {
                        expression.EncodeData(writer);
                    }
                }
            }
        }
    }

    internal static EquatableArray<Expression> DecodeList(AttributeReader list)
    {
        var expressions = new List<Expression>();
        while (list.Next())
        {
            if (list.Type == NFTA_LIST_ELEM)
            {
                expressions.Add(DecodeElement(list.Nested()));
            }
        }

        return new EquatableArray<Expression>(expressions);
    }

    private static Expression DecodeElement(AttributeReader element)
    {
        string? name = null;
        byte[] data = [];
        while (element.Next())
        {
            switch (element.Type)
            {
                case NFTA_EXPR_NAME:
                    name = element.GetString();
                    break;
                case NFTA_EXPR_DATA:
                    data = element.Payload.ToArray();
                    break;
            }
        }

        if (name is null)
        {
            throw new NetlinkDecodeException("expression without NFTA_EXPR_NAME");
        }

        return Decoders.TryGetValue(name, out Decoder? decode)
            ? decode(new AttributeReader(data))
            : new UnknownExpression(name, data);
    }

    /// <summary>Reads a nested nft_data value (NFTA_DATA_VALUE) as bytes.</summary>
    internal static byte[] DecodeDataValue(AttributeReader data)
    {
        while (data.Next())
        {
            if (data.Type == NFTA_DATA_VALUE)
            {
                return data.Payload.ToArray();
            }
        }

        throw new NetlinkDecodeException("nft_data without NFTA_DATA_VALUE");
    }

    internal static void EncodeDataValue(NetlinkWriter writer, ushort attribute, ReadOnlySpan<byte> value)
    {
        using (writer.Nested(attribute))
        {
            writer.WriteBytes(NFTA_DATA_VALUE, value);
        }
    }
}
