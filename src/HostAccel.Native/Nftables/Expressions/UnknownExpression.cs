using HostAccel.Native.Netlink;

namespace HostAccel.Native.Nftables.Expressions;

/// <summary>An expression this library has no type for; kept as raw attributes so the rule still round-trips.</summary>
public sealed record UnknownExpression(string Kind, EquatableArray<byte> Data) : Expression
{
    public override string Name => Kind;

    internal override void EncodeData(NetlinkWriter writer) => writer.WriteRaw(Data.AsSpan());
}
