using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;

namespace HostAccel.PowerShell.Engine.Configuration;

/// <summary>An address match of a rule: a prefix (<c>ip saddr 10.0.0.0/24</c>) or a set (<c>ip saddr @peer</c>).</summary>
internal readonly record struct AddressMatch(IpPrefix? Prefix, string? Set);

/// <summary>
/// A rule read back as the statements HostAccel writes — <c>iif</c>, <c>oif</c>, address matches, <c>flow add</c>,
/// <c>counter</c> — or null when it holds anything else. This is how Get-AccelConfiguration tells which traffic
/// type a rule accelerates from the expressions the kernel holds, not from its comment. The statements come from the
/// one reader of rule shapes, <see cref="RuleStatements"/>.
/// </summary>
internal sealed record RuleShape(uint? Iif, uint? Oif, AddressMatch? Source, AddressMatch? Destination, string Flowtable, int OffloadThreshold = 0)
{
    public static RuleShape? Of(NftRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        uint? iif = null, oif = null;
        AddressMatch? source = null, destination = null;
        string? flowtable = null;
        int counters = 0;
        int? threshold = null;
        foreach (RuleStatement statement in RuleStatements.Parse(rule))
        {
            switch (statement)
            {
                case MetaStatement { Key: MetaKey.Iif, Op: CmpOp.Eq, InterfaceIndex: uint index }:
                    iif = index;
                    break;
                case MetaStatement { Key: MetaKey.Oif, Op: CmpOp.Eq, InterfaceIndex: uint index }:
                    oif = index;
                    break;
                case AddressStatement { Op: CmpOp.Eq, Invert: false } address when address.L3 == rule.Family && Match(address) is AddressMatch match:
                    if ((address.Source ? source : destination) is not null)
                    {
                        return null;
                    }

                    if (address.Source)
                    {
                        source = match;
                    }
                    else
                    {
                        destination = match;
                    }

                    break;
                case CtPacketsStatement { Op: CmpOp.Gt, Packets: > 0 and <= int.MaxValue } ct when threshold is null && flowtable is null:
                    threshold = (int)ct.Packets;
                    break;
                case FlowAddStatement flow when flowtable is null:
                    flowtable = flow.Flowtable;
                    break;
                case CounterStatement:
                    counters++;
                    break;
                default:
                    return null;
            }
        }

        return flowtable is null || counters != 1 ? null : new RuleShape(iif, oif, source, destination, flowtable, threshold ?? 0);
    }

    private static AddressMatch? Match(AddressStatement address) =>
        address.Set is string set ? new AddressMatch(null, set) : address.Prefix is IpPrefix prefix ? new AddressMatch(prefix, null) : null;
}
