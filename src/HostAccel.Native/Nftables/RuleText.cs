using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Numerics;
using System.Text;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;

namespace HostAccel.Native.Nftables;

/// <summary>
/// Renders a rule's expressions in nft syntax by recognising the shapes nft itself emits (a load followed by a
/// compare or lookup, a ct state mask …). An expression outside those shapes is shown in brackets, never dropped.
/// </summary>
public static class RuleText
{
    /// <summary><c>rule ip antrea forward iif "antrea-gw0" … comment "…"</c>.</summary>
    public static string Render(NftRule rule, Func<uint, string?>? interfaceName)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return $"rule {rule.Family.ToNftName()} {NftText.Name(rule.Table)} {NftText.Name(rule.Chain)} {Body(rule, interfaceName)}";
    }

    /// <summary>The statements of a rule as nft lists them, with its comment.</summary>
    public static string Body(NftRule rule, Func<uint, string?>? interfaceName)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var parts = new List<string>();
        ReadOnlySpan<Expression> e = rule.Expressions.AsSpan();
        NftFamily l3 = rule.Family;
        for (int i = 0; i < e.Length; i++)
        {
            Expression? next = i + 1 < e.Length ? e[i + 1] : null;
            Expression? afterNext = i + 2 < e.Length ? e[i + 2] : null;
            switch (e[i])
            {
                case MetaExpression meta when next is CmpExpression cmp && cmp.Source == meta.Destination:
                    parts.Add(Meta(meta.Key, cmp, interfaceName, ref l3));
                    i++;
                    break;
                case PayloadExpression payload when payload.Base == PayloadBase.Network && AddressField(l3, payload) is string field:
                    parts.Add(Address(field, l3, payload, next, afterNext, ref i));
                    break;
                case CtExpression { Key: CtKey.State } ct when next is BitwiseExpression mask && afterNext is CmpExpression { Op: CmpOp.Neq } zero
                    && mask.Source == ct.Destination && zero.Source == mask.Destination && IsZero(zero.Data) && IsZero(mask.Xor):
                    parts.Add($"ct state {CtStates(mask.Mask)}");
                    i += 2;
                    break;
                case CtExpression { Key: CtKey.State } ct when next is CmpExpression cmp && cmp.Source == ct.Destination:
                    parts.Add($"ct state {Op(cmp.Op)}{CtStates(cmp.Data)}");
                    i++;
                    break;
                case FlowOffloadExpression flow:
                    parts.Add($"flow add @{NftText.Name(flow.Flowtable)}");
                    break;
                case CounterExpression counter:
                    parts.Add($"counter packets {counter.Packets} bytes {counter.Bytes}");
                    break;
                case ImmediateExpression immediate:
                    parts.Add(Verdict(immediate));
                    break;
                default:
                    parts.Add($"[{e[i].Name}]");
                    break;
            }
        }

        if (rule.Comment is not null)
        {
            parts.Add($"comment {NftText.Quote(rule.Comment)}");
        }

        return string.Join(" ", parts);
    }

    private static string Meta(MetaKey key, CmpExpression cmp, Func<uint, string?>? interfaceName, ref NftFamily l3)
    {
        ReadOnlySpan<byte> data = cmp.Data.AsSpan();
        string op = Op(cmp.Op);
        switch (key)
        {
            case MetaKey.Iif or MetaKey.Oif when data.Length == 4:
                uint index = BinaryPrimitives.ReadUInt32LittleEndian(data);
                string? name = interfaceName?.Invoke(index);
                string keyword = key == MetaKey.Iif ? "iif" : "oif";
                return name is null ? $"{keyword} {op}{index}" : $"{keyword} {op}{NftText.Quote(name)}";
            case MetaKey.IifName or MetaKey.OifName:
                int nul = data.IndexOf((byte)0);
                string device = Encoding.UTF8.GetString(nul < 0 ? data : data[..nul]);
                return $"{(key == MetaKey.IifName ? "iifname" : "oifname")} {op}{NftText.Quote(device)}";
            case MetaKey.NfProto when data.Length == 1:
                if (cmp.Op == CmpOp.Eq)
                {
                    l3 = data[0] == (byte)NftFamily.Ip6 ? NftFamily.Ip6 : data[0] == (byte)NftFamily.Ip ? NftFamily.Ip : l3;
                }

                return $"meta nfproto {op}{data[0] switch { 2 => "ipv4", 10 => "ipv6", byte b => b.ToString(CultureInfo.InvariantCulture) }}";
            case MetaKey.L4Proto when data.Length == 1:
                return $"meta l4proto {op}{data[0] switch { 6 => "tcp", 17 => "udp", 1 => "icmp", 58 => "ipv6-icmp", 132 => "sctp", byte b => b.ToString(CultureInfo.InvariantCulture) }}";
            default:
                return $"meta {key.ToString().ToLowerInvariant()} {op}0x{Convert.ToHexString(data).ToLowerInvariant()}";
        }
    }

    private static string? AddressField(NftFamily l3, PayloadExpression payload) => (l3, payload.Offset) switch
    {
        (NftFamily.Ip, 12) when payload.Length <= 4 => "ip saddr",
        (NftFamily.Ip, 16) when payload.Length <= 4 => "ip daddr",
        (NftFamily.Ip6, 8) when payload.Length <= 16 => "ip6 saddr",
        (NftFamily.Ip6, 24) when payload.Length <= 16 => "ip6 daddr",
        _ => null,
    };

    private static string Address(string field, NftFamily l3, PayloadExpression payload, Expression? next, Expression? afterNext, ref int i)
    {
        int fullLength = l3 == NftFamily.Ip6 ? 16 : 4;
        switch (next)
        {
            case LookupExpression lookup when lookup.Source == payload.Destination && payload.Length == fullLength:
                i++;
                return $"{field} {(lookup.Invert ? "!= " : "")}@{NftText.Name(lookup.Set)}";
            case CmpExpression cmp when cmp.Source == payload.Destination && cmp.Data.Count == payload.Length:
                i++;
                return $"{field} {Op(cmp.Op)}{Prefix(cmp.Data.AsSpan(), fullLength, (int)payload.Length * 8)}";
            case BitwiseExpression mask when afterNext is CmpExpression cmp && mask.Source == payload.Destination
                && cmp.Source == mask.Destination && IsZero(mask.Xor) && PrefixLength(mask.Mask.AsSpan()) is int bits:
                i += 2;
                return $"{field} {Op(cmp.Op)}{Prefix(cmp.Data.AsSpan(), fullLength, bits)}";
            default:
                return $"{field} [payload {payload.Length}b]";
        }
    }

    private static string Prefix(ReadOnlySpan<byte> data, int fullLength, int bits)
    {
        Span<byte> address = stackalloc byte[fullLength];
        data[..Math.Min(data.Length, fullLength)].CopyTo(address);
        string text = new IPAddress(address).ToString();
        return bits == fullLength * 8 ? text : $"{text}/{bits}";
    }

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

    private static string CtStates(EquatableArray<byte> data)
    {
        uint bits = data.Count == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan()) : 0;
        var names = new List<string>();
        foreach ((CtState state, string name) in new[] { (CtState.Invalid, "invalid"), (CtState.Established, "established"), (CtState.Related, "related"), (CtState.New, "new"), (CtState.Untracked, "untracked") })
        {
            if ((bits & (uint)state) != 0)
            {
                names.Add(name);
            }
        }

        return names.Count == 0 ? "0x0" : string.Join(",", names);
    }

    private static string Verdict(ImmediateExpression immediate) => immediate.Verdict switch
    {
        VerdictCode.Accept => "accept",
        VerdictCode.Drop => "drop",
        VerdictCode.Continue => "continue",
        VerdictCode.Return => "return",
        VerdictCode.Jump => $"jump {NftText.Name(immediate.Chain ?? "")}",
        VerdictCode.Goto => $"goto {NftText.Name(immediate.Chain ?? "")}",
        _ => $"[verdict {(int)immediate.Verdict}]",
    };

    private static string Op(CmpOp op) => op switch
    {
        CmpOp.Eq => "",
        CmpOp.Neq => "!= ",
        CmpOp.Lt => "< ",
        CmpOp.Lte => "<= ",
        CmpOp.Gt => "> ",
        CmpOp.Gte => ">= ",
        _ => "? ",
    };

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
