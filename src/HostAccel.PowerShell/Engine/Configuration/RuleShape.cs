using System.Buffers.Binary;
using System.Numerics;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;

namespace HostAccel.PowerShell.Engine.Configuration;

/// <summary>An address match of a rule: a prefix (<c>ip saddr 10.0.0.0/24</c>) or a set (<c>ip saddr @peer</c>).</summary>
internal readonly record struct AddressMatch(IpPrefix? Prefix, string? Set);

/// <summary>
/// A rule read back as the statements HostAccel writes — <c>iif</c>, <c>oif</c>, address matches, <c>flow add</c>,
/// <c>counter</c> — or null when it holds anything else. This is how Get-AccelConfiguration tells which traffic
/// type a rule accelerates from the expressions the kernel holds, not from its comment.
/// </summary>
internal sealed record RuleShape(uint? Iif, uint? Oif, AddressMatch? Source, AddressMatch? Destination, string Flowtable)
{
    public static RuleShape? Of(NftRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        bool v6 = rule.Family == NftFamily.Ip6;
        uint? iif = null, oif = null;
        AddressMatch? source = null, destination = null;
        string? flowtable = null;
        int counters = 0;
        Expression[] e = rule.Expressions.AsSpan().ToArray();
        for (int i = 0; i < e.Length; i++)
        {
            Expression? next = i + 1 < e.Length ? e[i + 1] : null;
            Expression? third = i + 2 < e.Length ? e[i + 2] : null;
            switch (e[i])
            {
                case MetaExpression { Key: MetaKey.Iif or MetaKey.Oif } meta when next is CmpExpression { Op: CmpOp.Eq, Data.Count: 4 } cmp && cmp.Source == meta.Destination:
                    uint index = BinaryPrimitives.ReadUInt32LittleEndian(cmp.Data.AsSpan());
                    if (meta.Key == MetaKey.Iif)
                    {
                        iif = index;
                    }
                    else
                    {
                        oif = index;
                    }

                    i++;
                    break;
                case PayloadExpression { Base: PayloadBase.Network } load when Side(load, v6) is bool isSource:
                    AddressMatch? match = null;
                    if (next is LookupExpression { Invert: false } lookup && lookup.Source == load.Destination && load.Length == (v6 ? 16u : 4u))
                    {
                        match = new AddressMatch(null, lookup.Set);
                        i++;
                    }
                    else if (next is CmpExpression { Op: CmpOp.Eq } eq && eq.Source == load.Destination && eq.Data.Count == load.Length && load.Length > 0)
                    {
                        match = Prefix(v6, eq.Data.AsSpan(), (int)load.Length * 8);
                        i++;
                    }
                    else if (next is BitwiseExpression mask && third is CmpExpression { Op: CmpOp.Eq } masked && load.Length == (v6 ? 16u : 4u)
                             && mask.Source == load.Destination && masked.Source == mask.Destination && mask.Xor.AsSpan().IndexOfAnyExcept((byte)0) < 0
                             && Contiguous(mask.Mask.AsSpan()) is int length && masked.Data.Count == load.Length)
                    {
                        match = Prefix(v6, masked.Data.AsSpan(), length);
                        i += 2;
                    }

                    if (match is null || (isSource ? source : destination) is not null)
                    {
                        return null;
                    }

                    if (isSource)
                    {
                        source = match;
                    }
                    else
                    {
                        destination = match;
                    }

                    break;
                case FlowOffloadExpression flow when flowtable is null:
                    flowtable = flow.Flowtable;
                    break;
                case CounterExpression:
                    counters++;
                    break;
                default:
                    return null;
            }
        }

        return flowtable is null || counters != 1 ? null : new RuleShape(iif, oif, source, destination, flowtable);
    }

    /// <summary>True for the source address, false for the destination, null for another field.</summary>
    private static bool? Side(PayloadExpression load, bool v6) => (v6, load.Offset) switch
    {
        (false, 12) or (true, 8) => true,
        (false, 16) or (true, 24) => false,
        _ => null,
    };

    private static AddressMatch? Prefix(bool v6, ReadOnlySpan<byte> data, int length)
    {
        Span<byte> address = stackalloc byte[v6 ? 16 : 4];
        if (data.Length > address.Length)
        {
            return null;
        }

        data.CopyTo(address);
        UInt128 value = v6 ? BinaryPrimitives.ReadUInt128BigEndian(address) : BinaryPrimitives.ReadUInt32BigEndian(address);
        try
        {
            return new AddressMatch(IpPrefix.Create(v6, value, length), null);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The prefix length of a mask of leading ones, or null when the ones are not contiguous.</summary>
    private static int? Contiguous(ReadOnlySpan<byte> mask)
    {
        int ones = 0;
        bool ended = false;
        foreach (byte b in mask)
        {
            int leading = BitOperations.LeadingZeroCount((uint)(byte)~b) - 24;
            if (ended && b != 0 || (b != 0 && (byte)(b << leading) != 0))
            {
                return null;
            }

            ones += leading;
            ended |= leading < 8;
        }

        return ones;
    }
}
