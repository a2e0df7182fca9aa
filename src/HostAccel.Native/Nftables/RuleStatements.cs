using System.Buffers.Binary;
using System.Numerics;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;

namespace HostAccel.Native.Nftables;

/// <summary>A statement of a rule as nft writes it, recognised from the expressions the kernel holds.</summary>
public abstract record RuleStatement;

/// <summary><c>iif</c>/<c>oif</c> (a device index), <c>iifname</c>/<c>oifname</c>, <c>meta nfproto</c>, <c>meta l4proto</c> and other meta compares.</summary>
public sealed record MetaStatement(MetaKey Key, CmpOp Op, EquatableArray<byte> Data) : RuleStatement
{
    /// <summary>The device index of an <c>iif</c>/<c>oif</c> compare, or null.</summary>
    public uint? InterfaceIndex => Key is MetaKey.Iif or MetaKey.Oif && Data.Count == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(Data.AsSpan()) : null;
}

/// <summary>
/// <c>ip saddr …</c> / <c>ip6 daddr …</c>: a set lookup, or an address and prefix length (the address as the kernel
/// holds it, host bits and all), or — neither known — a load of <see cref="PayloadLength"/> bytes compared some other way.
/// </summary>
public sealed record AddressStatement(bool Source, NftFamily L3, CmpOp Op, string? Set, EquatableArray<byte> Address, int Bits, uint PayloadLength) : RuleStatement
{
    public bool Invert { get; init; }

    /// <summary>The prefix compared with, or null for a set, an unrecognised compare or an address with host bits set.</summary>
    public IpPrefix? Prefix
    {
        get
        {
            if (Set is not null || Address.Count == 0)
            {
                return null;
            }

            Span<byte> full = stackalloc byte[L3 == NftFamily.Ip6 ? 16 : 4];
            Address.AsSpan()[..Math.Min(Address.Count, full.Length)].CopyTo(full);
            UInt128 value = full.Length == 16 ? BinaryPrimitives.ReadUInt128BigEndian(full) : BinaryPrimitives.ReadUInt32BigEndian(full);
            return IpPrefix.TryCreate(full.Length == 16, value, Bits, out IpPrefix prefix) ? prefix : null;
        }
    }
}

/// <summary><c>ct state …</c>, as a mask test (<c>ct state established,related</c>) or a compare.</summary>
public sealed record CtStateStatement(CmpOp Op, EquatableArray<byte> States, bool Masked) : RuleStatement;

/// <summary><c>ct packets &gt; N</c> (or another compare): the connection's packet count, both directions.</summary>
public sealed record CtPacketsStatement(CmpOp Op, ulong Packets) : RuleStatement;

public sealed record FlowAddStatement(string Flowtable) : RuleStatement;

public sealed record CounterStatement(ulong Packets, ulong Bytes) : RuleStatement;

public sealed record VerdictStatement(ImmediateExpression Immediate) : RuleStatement;

/// <summary>An expression outside the shapes recognised: shown, never dropped.</summary>
public sealed record OtherStatement(Expression Expression) : RuleStatement;

/// <summary>
/// The one reader of rule shapes: a rule's expressions as the statements nft itself emits them for (a load
/// followed by a compare or lookup, a ct state mask …). <see cref="RuleText"/> prints these; the engine reads which
/// traffic a rule accelerates from them.
/// </summary>
public static class RuleStatements
{
    public static IReadOnlyList<RuleStatement> Parse(NftRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var statements = new List<RuleStatement>();
        ReadOnlySpan<Expression> e = rule.Expressions.AsSpan();
        NftFamily l3 = rule.Family;
        for (int i = 0; i < e.Length; i++)
        {
            Expression? next = i + 1 < e.Length ? e[i + 1] : null;
            Expression? afterNext = i + 2 < e.Length ? e[i + 2] : null;
            switch (e[i])
            {
                case MetaExpression meta when next is CmpExpression cmp && cmp.Source == meta.Destination:
                    if (meta.Key == MetaKey.NfProto && cmp.Op == CmpOp.Eq && cmp.Data.Count == 1)
                    {
                        l3 = cmp.Data[0] == (byte)NftFamily.Ip6 ? NftFamily.Ip6 : cmp.Data[0] == (byte)NftFamily.Ip ? NftFamily.Ip : l3;
                    }

                    statements.Add(new MetaStatement(meta.Key, cmp.Op, cmp.Data));
                    i++;
                    break;
                case PayloadExpression payload when payload.Base == PayloadBase.Network && IsSource(l3, payload) is bool source:
                    statements.Add(Address(source, l3, payload, next, afterNext, ref i));
                    break;
                case CtExpression { Key: CtKey.State } ct when next is BitwiseExpression mask && afterNext is CmpExpression { Op: CmpOp.Neq } zero
                    && mask.Source == ct.Destination && zero.Source == mask.Destination && IsZero(zero.Data) && IsZero(mask.Xor):
                    statements.Add(new CtStateStatement(CmpOp.Eq, mask.Mask, Masked: true));
                    i += 2;
                    break;
                case CtExpression { Key: CtKey.State } ct when next is CmpExpression cmp && cmp.Source == ct.Destination:
                    statements.Add(new CtStateStatement(cmp.Op, cmp.Data, Masked: false));
                    i++;
                    break;
                case CtExpression { Key: CtKey.Packets } ct when next is ByteorderExpression { Op: ByteorderOp.Hton, Length: 8, Size: 8 } swap
                    && afterNext is CmpExpression { Data.Count: 8 } cmp && swap.Source == ct.Destination && cmp.Source == swap.Destination:
                    statements.Add(new CtPacketsStatement(cmp.Op, BinaryPrimitives.ReadUInt64BigEndian(cmp.Data.AsSpan())));
                    i += 2;
                    break;
                case FlowOffloadExpression flow:
                    statements.Add(new FlowAddStatement(flow.Flowtable));
                    break;
                case CounterExpression counter:
                    statements.Add(new CounterStatement(counter.Packets, counter.Bytes));
                    break;
                case ImmediateExpression immediate:
                    statements.Add(new VerdictStatement(immediate));
                    break;
                default:
                    statements.Add(new OtherStatement(e[i]));
                    break;
            }
        }

        return statements;
    }

    /// <summary>True for the source address field of the family, false for the destination, null for another field.</summary>
    private static bool? IsSource(NftFamily l3, PayloadExpression payload) => (l3, payload.Offset) switch
    {
        (NftFamily.Ip, 12) when payload.Length <= 4 => true,
        (NftFamily.Ip, 16) when payload.Length <= 4 => false,
        (NftFamily.Ip6, 8) when payload.Length <= 16 => true,
        (NftFamily.Ip6, 24) when payload.Length <= 16 => false,
        _ => null,
    };

    private static AddressStatement Address(bool source, NftFamily l3, PayloadExpression payload, Expression? next, Expression? afterNext, ref int i)
    {
        int fullLength = l3 == NftFamily.Ip6 ? 16 : 4;
        switch (next)
        {
            case LookupExpression lookup when lookup.Source == payload.Destination && payload.Length == fullLength:
                i++;
                return new AddressStatement(source, l3, CmpOp.Eq, lookup.Set, default, fullLength * 8, payload.Length) { Invert = lookup.Invert };
            case CmpExpression cmp when cmp.Source == payload.Destination && cmp.Data.Count == payload.Length:
                i++;
                return new AddressStatement(source, l3, cmp.Op, null, cmp.Data, (int)payload.Length * 8, payload.Length);
            case BitwiseExpression mask when afterNext is CmpExpression cmp && mask.Source == payload.Destination
                && cmp.Source == mask.Destination && IsZero(mask.Xor) && PrefixLength(mask.Mask.AsSpan()) is int bits:
                i += 2;
                return new AddressStatement(source, l3, cmp.Op, null, cmp.Data, bits, payload.Length);
            default:
                return new AddressStatement(source, l3, CmpOp.Eq, null, default, 0, payload.Length);
        }
    }

    /// <summary>The prefix length of a mask of leading ones, or null when the ones are not contiguous.</summary>
    private static int? PrefixLength(ReadOnlySpan<byte> mask)
    {
        int bits = 0;
        bool ended = false;
        foreach (byte b in mask)
        {
            int ones = BitOperations.LeadingZeroCount((uint)(byte)~b) - 24;
            if (ended && b != 0 || ones < 8 && (byte)(0xff << (8 - ones)) != b)
            {
                return null;
            }

            bits += ones;
            ended |= ones < 8;
        }

        return bits;
    }

    private static bool IsZero(EquatableArray<byte> data)
    {
        foreach (byte b in data)
        {
            if (b != 0)
            {
                return false;
            }
        }

        return true;
    }
}
