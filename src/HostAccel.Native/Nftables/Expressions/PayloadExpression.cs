using HostAccel.Native.Netlink;

namespace HostAccel.Native.Nftables.Expressions;

/// <summary>enum nft_payload_bases.</summary>
public enum PayloadBase : uint
{
    LinkLayer = 0,
    Network = 1,
    Transport = 2,
}

/// <summary>Loads packet bytes into a register: <c>payload load 4b @ network header + 12 => reg 1</c>.</summary>
public sealed record PayloadExpression(PayloadBase Base, uint Offset, uint Length, Register Destination = Register.R1) : Expression
{
    internal const string Kind = "payload";
    private const ushort NFTA_PAYLOAD_DREG = 1;
    private const ushort NFTA_PAYLOAD_BASE = 2;
    private const ushort NFTA_PAYLOAD_OFFSET = 3;
    private const ushort NFTA_PAYLOAD_LEN = 4;

    public override string Name => Kind;

    internal override void EncodeData(NetlinkWriter writer)
    {
        writer.WriteU32Be(NFTA_PAYLOAD_DREG, (uint)Destination);
        writer.WriteU32Be(NFTA_PAYLOAD_BASE, (uint)Base);
        writer.WriteU32Be(NFTA_PAYLOAD_OFFSET, Offset);
        writer.WriteU32Be(NFTA_PAYLOAD_LEN, Length);
    }

    internal static Expression Decode(AttributeReader data)
    {
        PayloadBase payloadBase = 0;
        uint offset = 0, length = 0;
        Register destination = Register.Verdict;
        while (data.Next())
        {
            switch (data.Type)
            {
                case NFTA_PAYLOAD_DREG:
                    destination = (Register)data.GetU32Be();
                    break;
                case NFTA_PAYLOAD_BASE:
                    payloadBase = (PayloadBase)data.GetU32Be();
                    break;
                case NFTA_PAYLOAD_OFFSET:
                    offset = data.GetU32Be();
                    break;
                case NFTA_PAYLOAD_LEN:
                    length = data.GetU32Be();
                    break;
            }
        }

        return new PayloadExpression(payloadBase, offset, length, destination);
    }
}
