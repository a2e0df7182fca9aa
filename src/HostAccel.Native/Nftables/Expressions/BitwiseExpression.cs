using HostAccel.Native.Netlink;

namespace HostAccel.Native.Nftables.Expressions;

/// <summary>
/// <c>reg = (reg &amp; mask) ^ xor</c>: how nft matches a prefix that does not end on a byte boundary, and flag sets
/// such as <c>ct state established,related</c>.
/// </summary>
public sealed record BitwiseExpression(Register Source, Register Destination, EquatableArray<byte> Mask, EquatableArray<byte> Xor) : Expression
{
    internal const string Kind = "bitwise";
    private const ushort NFTA_BITWISE_SREG = 1;
    private const ushort NFTA_BITWISE_DREG = 2;
    private const ushort NFTA_BITWISE_LEN = 3;
    private const ushort NFTA_BITWISE_MASK = 4;
    private const ushort NFTA_BITWISE_XOR = 5;

    public override string Name => Kind;

    public uint Length => (uint)Mask.Count;

    internal override void EncodeData(NetlinkWriter writer)
    {
        writer.WriteU32Be(NFTA_BITWISE_SREG, (uint)Source);
        writer.WriteU32Be(NFTA_BITWISE_DREG, (uint)Destination);
        writer.WriteU32Be(NFTA_BITWISE_LEN, Length);
        ExpressionCodec.EncodeDataValue(writer, NFTA_BITWISE_MASK, Mask.AsSpan());
        ExpressionCodec.EncodeDataValue(writer, NFTA_BITWISE_XOR, Xor.AsSpan());
    }

    internal static Expression Decode(AttributeReader data)
    {
        Register source = Register.Verdict, destination = Register.Verdict;
        byte[] mask = [], xor = [];
        while (data.Next())
        {
            switch (data.Type)
            {
                case NFTA_BITWISE_SREG:
                    source = (Register)data.GetU32Be();
                    break;
                case NFTA_BITWISE_DREG:
                    destination = (Register)data.GetU32Be();
                    break;
                case NFTA_BITWISE_MASK:
                    mask = ExpressionCodec.DecodeDataValue(data.Nested());
                    break;
                case NFTA_BITWISE_XOR:
                    xor = ExpressionCodec.DecodeDataValue(data.Nested());
                    break;
            }
        }

        return new BitwiseExpression(source, destination, mask, xor);
    }
}
