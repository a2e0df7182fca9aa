using HostAccel.Native.Netlink;
using static HostAccel.Native.Nftables.NfTablesConstants;

namespace HostAccel.Native.Nftables.Expressions;

/// <summary>Netfilter verdicts (NF_DROP, NF_ACCEPT) and nf_tables' own (enum nft_verdicts).</summary>
public enum VerdictCode
{
    Drop = 0,
    Accept = 1,
    Continue = -1,
    Break = -2,
    Jump = -3,
    Goto = -4,
    Return = -5,
}

/// <summary>Sets the verdict register: <c>accept</c>, <c>drop</c>, <c>jump chain</c>.</summary>
public sealed record ImmediateExpression(VerdictCode Verdict, string? Chain = null) : Expression
{
    internal const string Kind = "immediate";
    private const ushort NFTA_IMMEDIATE_DREG = 1;
    private const ushort NFTA_IMMEDIATE_DATA = 2;

    public override string Name => Kind;

    internal override void EncodeData(NetlinkWriter writer)
    {
        writer.WriteU32Be(NFTA_IMMEDIATE_DREG, (uint)Register.Verdict);
        using (writer.Nested(NFTA_IMMEDIATE_DATA))
        using (writer.Nested(NFTA_DATA_VERDICT))
        {
            writer.WriteU32Be(NFTA_VERDICT_CODE, unchecked((uint)(int)Verdict));
            if (Chain is not null)
            {
                writer.WriteString(NFTA_VERDICT_CHAIN, Chain);
            }
        }
    }

    internal static Expression Decode(AttributeReader data)
    {
        ReadOnlySpan<byte> all = data.All;
        VerdictCode verdict = VerdictCode.Continue;
        string? chain = null;
        while (data.Next())
        {
            if (data.Type != NFTA_IMMEDIATE_DATA)
            {
                continue;
            }

            AttributeReader value = data.Nested();
            while (value.Next())
            {
                if (value.Type == NFTA_DATA_VALUE)
                {
                    // Loads of constants into data registers are kept verbatim: HostAccel writes none.
                    return new UnknownExpression(Kind, all.ToArray());
                }

                if (value.Type != NFTA_DATA_VERDICT)
                {
                    continue;
                }

                AttributeReader verdictAttributes = value.Nested();
                while (verdictAttributes.Next())
                {
                    switch (verdictAttributes.Type)
                    {
                        case NFTA_VERDICT_CODE:
                            verdict = (VerdictCode)(int)verdictAttributes.GetU32Be();
                            break;
                        case NFTA_VERDICT_CHAIN:
                            chain = verdictAttributes.GetString();
                            break;
                    }
                }
            }
        }

        return new ImmediateExpression(verdict, chain);
    }
}
