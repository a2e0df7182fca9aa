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

    /// <summary>The statements of a rule as nft lists them (<see cref="RuleStatements"/>), with its comment.</summary>
    public static string Body(NftRule rule, Func<uint, string?>? interfaceName)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var parts = new List<string>();
        foreach (RuleStatement statement in RuleStatements.Parse(rule))
        {
            parts.Add(statement switch
            {
                MetaStatement meta => Meta(meta, interfaceName),
                AddressStatement address => Address(address),
                CtStateStatement { Masked: true } ct => $"ct state {CtStates(ct.States)}",
                CtStateStatement ct => $"ct state {Op(ct.Op)}{CtStates(ct.States)}",
                CtPacketsStatement ct => $"ct packets {Op(ct.Op)}{ct.Packets.ToString(CultureInfo.InvariantCulture)}",
                FlowAddStatement flow => $"flow add @{NftText.Name(flow.Flowtable)}",
                CounterStatement counter => $"counter packets {counter.Packets} bytes {counter.Bytes}",
                VerdictStatement verdict => Verdict(verdict.Immediate),
                OtherStatement other => $"[{other.Expression.Name}]",
                _ => $"[{statement}]",
            });
        }

        if (rule.Comment is not null)
        {
            parts.Add($"comment {NftText.Quote(rule.Comment)}");
        }

        return string.Join(" ", parts);
    }

    private static string Meta(MetaStatement meta, Func<uint, string?>? interfaceName)
    {
        ReadOnlySpan<byte> data = meta.Data.AsSpan();
        string op = Op(meta.Op);
        switch (meta.Key)
        {
            case MetaKey.Iif or MetaKey.Oif when meta.InterfaceIndex is uint index:
                string? name = interfaceName?.Invoke(index);
                string keyword = meta.Key == MetaKey.Iif ? "iif" : "oif";
                return name is null ? $"{keyword} {op}{index}" : $"{keyword} {op}{NftText.Quote(name)}";
            case MetaKey.IifName or MetaKey.OifName:
                int nul = data.IndexOf((byte)0);
                string device = Encoding.UTF8.GetString(nul < 0 ? data : data[..nul]);
                return $"{(meta.Key == MetaKey.IifName ? "iifname" : "oifname")} {op}{NftText.Quote(device)}";
            case MetaKey.NfProto when data.Length == 1:
                return $"meta nfproto {op}{data[0] switch { 2 => "ipv4", 10 => "ipv6", byte b => b.ToString(CultureInfo.InvariantCulture) }}";
            case MetaKey.L4Proto when data.Length == 1:
                return $"meta l4proto {op}{data[0] switch { 6 => "tcp", 17 => "udp", 1 => "icmp", 58 => "ipv6-icmp", 132 => "sctp", byte b => b.ToString(CultureInfo.InvariantCulture) }}";
            default:
                return $"meta {meta.Key.ToString().ToLowerInvariant()} {op}0x{Convert.ToHexString(data).ToLowerInvariant()}";
        }
    }

    private static string Address(AddressStatement address)
    {
        string field = $"{(address.L3 == NftFamily.Ip6 ? "ip6" : "ip")} {(address.Source ? "saddr" : "daddr")}";
        if (address.Set is not null)
        {
            return $"{field} {(address.Invert ? "!= " : "")}@{NftText.Name(address.Set)}";
        }

        return address.Address.Count == 0
            ? $"{field} [payload {address.PayloadLength}b]"
            : $"{field} {Op(address.Op)}{Prefix(address.Address.AsSpan(), address.L3 == NftFamily.Ip6 ? 16 : 4, address.Bits)}";
    }

    private static string Prefix(ReadOnlySpan<byte> data, int fullLength, int bits)
    {
        Span<byte> address = stackalloc byte[fullLength];
        data[..Math.Min(data.Length, fullLength)].CopyTo(address);
        string text = new IPAddress(address).ToString();
        return bits == fullLength * 8 ? text : $"{text}/{bits}";
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
}
