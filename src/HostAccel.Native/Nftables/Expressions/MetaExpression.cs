using HostAccel.Native.Netlink;

namespace HostAccel.Native.Nftables.Expressions;

/// <summary>enum nft_meta_keys (the ones HostAccel matches on).</summary>
public enum MetaKey : uint
{
    Len = 0,
    Protocol = 1,
    Mark = 3,
    Iif = 4,
    Oif = 5,
    IifName = 6,
    OifName = 7,
    IifType = 8,
    OifType = 9,
    NfProto = 15,
    L4Proto = 16,
}

/// <summary>Loads packet metadata into a register: <c>meta load iif => reg 1</c>.</summary>
public sealed record MetaExpression(MetaKey Key, Register Destination = Register.R1) : Expression
{
    internal const string Kind = "meta";
    private const ushort NFTA_META_DREG = 1;
    private const ushort NFTA_META_KEY = 2;

    public override string Name => Kind;

    internal override void EncodeData(NetlinkWriter writer)
    {
        writer.WriteU32Be(NFTA_META_KEY, (uint)Key);
        writer.WriteU32Be(NFTA_META_DREG, (uint)Destination);
    }

    internal static Expression Decode(AttributeReader data)
    {
        MetaKey key = 0;
        Register destination = Register.Verdict;
        while (data.Next())
        {
            switch (data.Type)
            {
                case NFTA_META_KEY:
                    key = (MetaKey)data.GetU32Be();
                    break;
                case NFTA_META_DREG:
                    destination = (Register)data.GetU32Be();
                    break;
            }
        }

        return new MetaExpression(key, destination);
    }
}
