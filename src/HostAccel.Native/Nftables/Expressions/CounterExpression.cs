using HostAccel.Native.Netlink;

namespace HostAccel.Native.Nftables.Expressions;

/// <summary><c>counter packets P bytes B</c>: counts the packets that reach it in the rule.</summary>
public sealed record CounterExpression(ulong Packets = 0, ulong Bytes = 0) : Expression
{
    internal const string Kind = "counter";
    private const ushort NFTA_COUNTER_BYTES = 1;
    private const ushort NFTA_COUNTER_PACKETS = 2;

    public override string Name => Kind;

    /// <summary>A new counter starts at zero without saying so, as nft writes it.</summary>
    internal override void EncodeData(NetlinkWriter writer)
    {
        if (Packets == 0 && Bytes == 0)
        {
            return;
        }

        writer.WriteU64Be(NFTA_COUNTER_BYTES, Bytes);
        writer.WriteU64Be(NFTA_COUNTER_PACKETS, Packets);
    }

    internal static Expression Decode(AttributeReader data)
    {
        ulong packets = 0, bytes = 0;
        while (data.Next())
        {
            switch (data.Type)
            {
                case NFTA_COUNTER_BYTES:
                    bytes = data.GetU64Be();
                    break;
                case NFTA_COUNTER_PACKETS:
                    packets = data.GetU64Be();
                    break;
            }
        }

        return new CounterExpression(packets, bytes);
    }
}
