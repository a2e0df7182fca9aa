using HostAccel.Native.Netlink;

namespace HostAccel.Native.Nftables.Expressions;

/// <summary>enum nft_byteorder_ops.</summary>
public enum ByteorderOp : uint
{
    Ntoh = 0,
    Hton = 1,
}

/// <summary>
/// Swaps the byte order of a register in place of <see cref="Size"/>-byte words: <c>byteorder reg 1 = hton(reg 1, 8, 8)</c>.
/// nft puts it before a greater/less compare of a host-order value (<c>ct packets &gt; 20</c>), since cmp compares
/// bytes from the first one up.
/// </summary>
public sealed record ByteorderExpression(Register Source, Register Destination, ByteorderOp Op, uint Length, uint Size) : Expression
{
    internal const string Kind = "byteorder";
    private const ushort NFTA_BYTEORDER_SREG = 1;
    private const ushort NFTA_BYTEORDER_DREG = 2;
    private const ushort NFTA_BYTEORDER_OP = 3;
    private const ushort NFTA_BYTEORDER_LEN = 4;
    private const ushort NFTA_BYTEORDER_SIZE = 5;

    public override string Name => Kind;

    internal override void EncodeData(NetlinkWriter writer)
    {
        writer.WriteU32Be(NFTA_BYTEORDER_SREG, (uint)Source);
        writer.WriteU32Be(NFTA_BYTEORDER_DREG, (uint)Destination);
        writer.WriteU32Be(NFTA_BYTEORDER_OP, (uint)Op);
        writer.WriteU32Be(NFTA_BYTEORDER_LEN, Length);
        writer.WriteU32Be(NFTA_BYTEORDER_SIZE, Size);
    }

    internal static Expression Decode(AttributeReader data)
    {
        Register source = Register.Verdict, destination = Register.Verdict;
        ByteorderOp op = ByteorderOp.Ntoh;
        uint length = 0, size = 0;
        while (data.Next())
        {
            switch (data.Type)
            {
                case NFTA_BYTEORDER_SREG:
                    source = (Register)data.GetU32Be();
                    break;
                case NFTA_BYTEORDER_DREG:
                    destination = (Register)data.GetU32Be();
                    break;
                case NFTA_BYTEORDER_OP:
                    op = (ByteorderOp)data.GetU32Be();
                    break;
                case NFTA_BYTEORDER_LEN:
                    length = data.GetU32Be();
                    break;
                case NFTA_BYTEORDER_SIZE:
                    size = data.GetU32Be();
                    break;
            }
        }

        return new ByteorderExpression(source, destination, op, length, size);
    }
}
