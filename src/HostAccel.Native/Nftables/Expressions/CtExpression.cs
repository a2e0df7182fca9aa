using HostAccel.Native.Netlink;

namespace HostAccel.Native.Nftables.Expressions;

/// <summary>enum nft_ct_keys (the ones HostAccel reads).</summary>
public enum CtKey : uint
{
    State = 0,
    Direction = 1,
    Status = 2,
    Mark = 3,

    /// <summary>NFT_CT_PKTS: packets of the connection, both directions, a 64-bit host-order count (needs nf_conntrack_acct, which nft_ct turns on).</summary>
    Packets = 14,
}

/// <summary>The conntrack state bits <c>ct state</c> compares (NF_CT_STATE_* of nf_conntrack_common.h).</summary>
[Flags]
public enum CtState : uint
{
    None = 0,
    Invalid = 1,
    Established = 2,
    Related = 4,
    New = 8,
    Untracked = 64,
}

/// <summary>Loads connection tracking data into a register: <c>ct load state => reg 1</c>.</summary>
public sealed record CtExpression(CtKey Key, Register Destination = Register.R1) : Expression
{
    internal const string Kind = "ct";
    private const ushort NFTA_CT_DREG = 1;
    private const ushort NFTA_CT_KEY = 2;

    public override string Name => Kind;

    internal override void EncodeData(NetlinkWriter writer)
    {
        writer.WriteU32Be(NFTA_CT_KEY, (uint)Key);
        writer.WriteU32Be(NFTA_CT_DREG, (uint)Destination);
    }

    internal static Expression Decode(AttributeReader data)
    {
        CtKey key = 0;
        Register destination = Register.Verdict;
        while (data.Next())
        {
            switch (data.Type)
            {
                case NFTA_CT_KEY:
                    key = (CtKey)data.GetU32Be();
                    break;
                case NFTA_CT_DREG:
                    destination = (Register)data.GetU32Be();
                    break;
            }
        }

        return new CtExpression(key, destination);
    }
}
