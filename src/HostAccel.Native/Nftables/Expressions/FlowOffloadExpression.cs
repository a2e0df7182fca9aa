using HostAccel.Native.Netlink;

namespace HostAccel.Native.Nftables.Expressions;

/// <summary><c>flow add @fastpath</c>: offloads the packet's connection into a flowtable of the same table.</summary>
public sealed record FlowOffloadExpression(string Flowtable) : Expression
{
    internal const string Kind = "flow_offload";
    private const ushort NFTA_FLOW_TABLE_NAME = 1;

    public override string Name => Kind;

    internal override void EncodeData(NetlinkWriter writer) => writer.WriteString(NFTA_FLOW_TABLE_NAME, Flowtable);

    internal static Expression Decode(AttributeReader data)
    {
        string flowtable = "";
        while (data.Next())
        {
            if (data.Type == NFTA_FLOW_TABLE_NAME)
            {
                flowtable = data.GetString();
            }
        }

        return new FlowOffloadExpression(flowtable);
    }
}
