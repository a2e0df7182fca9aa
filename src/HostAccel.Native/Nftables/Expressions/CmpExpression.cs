using HostAccel.Native.Netlink;

namespace HostAccel.Native.Nftables.Expressions;

/// <summary>enum nft_cmp_ops.</summary>
public enum CmpOp : uint
{
    Eq = 0,
    Neq = 1,
    Lt = 2,
    Lte = 3,
    Gt = 4,
    Gte = 5,
}

/// <summary>Compares a register with constant bytes; the rule stops when it fails: <c>cmp eq reg 1 0x0a</c>.</summary>
public sealed record CmpExpression(Register Source, CmpOp Op, EquatableArray<byte> Data) : Expression
{
    internal const string Kind = "cmp";
    private const ushort NFTA_CMP_SREG = 1;
    private const ushort NFTA_CMP_OP = 2;
    private const ushort NFTA_CMP_DATA = 3;

    public override string Name => Kind;

    internal override void EncodeData(NetlinkWriter writer)
    {
        writer.WriteU32Be(NFTA_CMP_SREG, (uint)Source);
        writer.WriteU32Be(NFTA_CMP_OP, (uint)Op);
        ExpressionCodec.EncodeDataValue(writer, NFTA_CMP_DATA, Data.AsSpan());
    }

    internal static Expression Decode(AttributeReader data)
    {
        Register source = Register.Verdict;
        CmpOp op = CmpOp.Eq;
        byte[] value = [];
        while (data.Next())
        {
            switch (data.Type)
            {
                case NFTA_CMP_SREG:
                    source = (Register)data.GetU32Be();
                    break;
                case NFTA_CMP_OP:
                    op = (CmpOp)data.GetU32Be();
                    break;
                case NFTA_CMP_DATA:
                    value = ExpressionCodec.DecodeDataValue(data.Nested());
                    break;
            }
        }

        return new CmpExpression(source, op, value);
    }
}
