using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables.Expressions;
using static HostAccel.Native.Nftables.NfTablesConstants;

namespace HostAccel.Native.Nftables.Objects;

/// <summary>A rule: its expressions, in kernel order, and the comment nft shows after them.</summary>
public sealed record NftRule(NftFamily Family, string Table, string Chain, EquatableArray<Expression> Expressions)
{
    public string? Comment { get; init; }

    public ulong Handle { get; init; }

    /// <summary>The counter of the rule, when it has exactly one (nft accepts <c>counter counter</c>: see <see cref="Counters"/>).</summary>
    public CounterExpression? Counter => Expressions.OfType<CounterExpression>().Take(2).ToList() is [var only] ? only : null;

    /// <summary>Every counter of the rule, in the rule's order: none, one, or several (each counts the packets that reach it).</summary>
    public IReadOnlyList<CounterExpression> Counters => Expressions.OfType<CounterExpression>().ToList();

    /// <summary>The rule in nft syntax, devices shown by index (see <see cref="RuleText"/> for names).</summary>
    public override string ToString() => RuleText.Render(this, null);

    internal void Encode(NetlinkWriter writer) => Encode(writer, 0);

    /// <summary>With a <paramref name="position"/>, the kernel places the rule before (or, appending, after) that handle.</summary>
    internal void Encode(NetlinkWriter writer, ulong position)
    {
        writer.WriteString(NFTA_RULE_TABLE, Table);
        writer.WriteString(NFTA_RULE_CHAIN, Chain);
        if (Handle != 0)
        {
            writer.WriteU64Be(NFTA_RULE_HANDLE, Handle);
        }

        // After the expressions, where nft (libnftnl 1.2) puts it.
        ExpressionCodec.EncodeList(writer, NFTA_RULE_EXPRESSIONS, Expressions);
        if (position != 0)
        {
            writer.WriteU64Be(NFTA_RULE_POSITION, position);
        }

        if (Comment is not null)
        {
            UserData.WriteComment(NFTA_RULE_USERDATA, NFTNL_UDATA_RULE_COMMENT, Comment, writer);
        }
    }

    internal static NftRule Decode(in NetlinkMessage message)
    {
        string table = "", chain = "";
        string? comment = null;
        ulong handle = 0;
        EquatableArray<Expression> expressions = Array.Empty<Expression>();
        AttributeReader reader = message.Attributes;
        while (reader.Next())
        {
            switch (reader.Type)
            {
                case NFTA_RULE_TABLE:
                    table = reader.GetString();
                    break;
                case NFTA_RULE_CHAIN:
                    chain = reader.GetString();
                    break;
                case NFTA_RULE_HANDLE:
                    handle = reader.GetU64Be();
                    break;
                case NFTA_RULE_EXPRESSIONS:
                    expressions = ExpressionCodec.DecodeList(reader.Nested());
                    break;
                case NFTA_RULE_USERDATA:
                    comment = UserData.FindString(reader.Payload, NFTNL_UDATA_RULE_COMMENT);
                    break;
            }
        }

        return new NftRule((NftFamily)message.Family, table, chain, expressions) { Comment = comment, Handle = handle };
    }
}
