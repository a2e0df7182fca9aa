using HostAccel.Native.Netlink;

namespace HostAccel.Native.Nftables.Expressions;

/// <summary>
/// Matches a register against a named set: <c>ip daddr @peer-pod-cidr</c>. <see cref="SetId"/> names a set created
/// in the same transaction, which has no handle yet.
/// </summary>
public sealed record LookupExpression(string Set, Register Source = Register.R1, uint? SetId = null, bool Invert = false) : Expression
{
    internal const string Kind = "lookup";
    private const ushort NFTA_LOOKUP_SET = 1;
    private const ushort NFTA_LOOKUP_SREG = 2;
    private const ushort NFTA_LOOKUP_SET_ID = 4;
    private const ushort NFTA_LOOKUP_FLAGS = 5;
    private const uint NFT_LOOKUP_F_INV = 1;

    public override string Name => Kind;

    internal override void EncodeData(NetlinkWriter writer)
    {
        writer.WriteU32Be(NFTA_LOOKUP_SREG, (uint)Source);
        writer.WriteString(NFTA_LOOKUP_SET, Set);
        if (SetId is uint id)
        {
            writer.WriteU32Be(NFTA_LOOKUP_SET_ID, id);
        }

        if (Invert)
        {
            writer.WriteU32Be(NFTA_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
        }
    }

    internal static Expression Decode(AttributeReader data)
    {
        string set = "";
        Register source = Register.Verdict;
        uint? setId = null;
        bool invert = false;
        while (data.Next())
        {
            switch (data.Type)
            {
                case NFTA_LOOKUP_SET:
                    set = data.GetString();
                    break;
                case NFTA_LOOKUP_SREG:
                    source = (Register)data.GetU32Be();
                    break;
                case NFTA_LOOKUP_SET_ID:
                    setId = data.GetU32Be();
                    break;
                case NFTA_LOOKUP_FLAGS:
                    invert = (data.GetU32Be() & NFT_LOOKUP_F_INV) != 0;
                    break;
            }
        }

        return new LookupExpression(set, source, setId, invert);
    }
}
