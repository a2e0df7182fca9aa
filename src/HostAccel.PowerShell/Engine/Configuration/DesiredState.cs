using System.Runtime.CompilerServices;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine.Configuration;

/// <summary>A set and the prefixes it should hold.</summary>
internal sealed record DesiredSet(NftSet Set, IReadOnlyList<IpPrefix> Elements);

/// <summary>
/// Everything one family's table should hold: the table, its sets with their elements, the flowtable, the forward
/// chain and its rules in their canonical order (the order of <see cref="AccelTraffic"/>'s members). With no traffic
/// to accelerate there is no flowtable and no chain: the table and its peer Pod CIDR set are prepared.
/// </summary>
internal sealed record FamilyState(NftFamily Family, NftTable Table, IReadOnlyList<DesiredSet> Sets, NftFlowtable? Flowtable, NftChain? Chain, IReadOnlyList<NftRule> Rules);

/// <summary>
/// A configuration as nftables objects: the design's table, set, flowtable and chain, and the rule of each traffic
/// type (<see cref="Design"/>), in each family that has a local Pod CIDR. Each rule says in its comment what it accelerates.
/// </summary>
internal static class DesiredState
{
    /// <summary>
    /// The state of each family, null for a family HostAccel should have no table in. Devices in rules are
    /// indexes, resolved through <paramref name="interfaceIndex"/> in the namespace being synced. With
    /// <paramref name="pending"/>, a device that does not exist (yet) is no error: it is left out of the flowtable,
    /// and the rules that name it are left out, so that the rest applies (a missing device would otherwise fail the
    /// whole transaction, as firewalld and Calico users found); each is listed in <paramref name="pending"/>.
    /// </summary>
    public static IReadOnlyDictionary<NftFamily, FamilyState?> Build(AccelConfiguration c, Func<string, uint> interfaceIndex, ICollection<PendingDevice>? pending = null)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(interfaceIndex);
        var result = new Dictionary<NftFamily, FamilyState?> { [NftFamily.Ip] = null, [NftFamily.Ip6] = null };
        if (c.Family.Count == 0)
        {
            return result;
        }

        var missing = new HashSet<string>(StringComparer.Ordinal);
        uint Resolve(string name)
        {
            try
            {
                return interfaceIndex(name);
            }
            catch (HostAccelException ex) when (pending is not null && ex.ErrorId == ErrorIds.UnknownInterface)
            {
                missing.Add(name);
                return 0;
            }
        }

        bool usesGateway = (c.Traffic & ~AccelTraffic.FullPath) != 0;
        uint gateway = usesGateway ? Resolve(c.GatewayInterface) : 0;
        uint transport = c.TransportInterface is null ? 0 : Resolve(c.TransportInterface);
        string[] devices = c.Devices.Where(d => Resolve(d) != 0).ToArray();
        if (pending is not null && missing.Count > 0 && c.Traffic != AccelTraffic.None)
        {
            foreach (string name in missing)
            {
                pending.Add(PendingDevice.Of(c, name, name == c.GatewayInterface, name == c.TransportInterface));
            }
        }

        IpPrefix[] locals = c.LocalPodCidr.Select(IpPrefix.Parse).ToArray();
        foreach (AccelFamily family in c.Family)
        {
            bool v6 = family == AccelFamily.Ip6;
            result[family.ToNft()] = Family(c, family.ToNft(), locals.Where(l => l.IsIPv6 == v6).Cast<IpPrefix?>().FirstOrDefault(), gateway, transport, devices,
                usesGateway && gateway == 0, c.TransportInterface is not null && transport == 0);
        }

        return result;
    }

    private static FamilyState Family(AccelConfiguration c, NftFamily family, IpPrefix? localPrefix, uint gateway, uint transport, string[] devices,
        bool gatewayMissing, bool transportMissing)
    {
        bool v6 = family == NftFamily.Ip6;
        var sets = new List<DesiredSet> { new(Design.AddressSet(family, c.TableName, c.SetName), OfFamily(c.PeerPodCidr, v6)) };
        if ((c.Traffic & AccelTraffic.ExternalIP) != 0)
        {
            sets.Add(new(Design.AddressSet(family, c.TableName, c.ExternalIPSetName, Design.ExternalIPSetComment(family)), OfFamily(c.ExternalIP, v6)));
        }

        if ((c.Traffic & AccelTraffic.FullPath) != 0)
        {
            sets.Add(new(Design.AddressSet(family, c.TableName, c.PeerNodeSetName, Design.PeerNodeSetComment(family)), OfFamily(c.PeerNodeIP, v6)));
        }

        NftTable table = Design.Table(family, c.TableName);
        if (c.Traffic == AccelTraffic.None)
        {
            return new FamilyState(family, table, sets, null, null, []);
        }

        // The validator made sure the traffic types that match on the local Pod CIDR have one.
        IpPrefix local = localPrefix ?? default;
        var flowtable = new NftFlowtable(family, c.TableName, c.FlowtableName)
        {
            Priority = c.Priority,
            // In the normal form the gateway is among the devices when no rule names it (full path only).
            Devices = new[] { gateway == 0 ? "" : c.GatewayInterface, transport == 0 ? "" : c.TransportInterface ?? "" }.Concat(devices).Where(d => d.Length > 0).ToArray(),
            Flags = (c.HardwareOffload ? FlowtableFlags.HardwareOffload : 0) | (c.Counter ? FlowtableFlags.Counter : 0),
        };

        // In the canonical order: the order of AccelTraffic's members.
        var names = new Design.Names(family, c.TableName, c.ChainName, c.FlowtableName, c.SetName, c.ExternalIPSetName, c.PeerNodeSetName, c.OffloadThreshold);
        var rules = new List<NftRule>();
        // A rule that names a missing device is left out until it appears (PendingDevice).
        if ((c.Traffic & AccelTraffic.PodToPod) != 0 && !gatewayMissing && !transportMissing)
        {
            rules.AddRange(Design.PodToPod(names, gateway, transport, local));
        }

        if ((c.Traffic & AccelTraffic.ExternalToPod) != 0 && !gatewayMissing && !transportMissing && ConfigurationValidator.ForFamily(c.ServiceSnatAddress, v6) is IpPrefix snat)
        {
            rules.Add(Design.ExternalToPod(names, gateway, transport, snat));
        }

        if ((c.Traffic & AccelTraffic.ExternalToNodePort) != 0 && !gatewayMissing && ConfigurationValidator.ForFamily(c.NodePortDnatAddress, v6) is IpPrefix dnat)
        {
            rules.Add(Design.ExternalToNodePort(names, gateway, dnat));
        }

        if ((c.Traffic & AccelTraffic.ExternalIP) != 0 && !gatewayMissing)
        {
            rules.Add(Design.ExternalIP(names, gateway));
        }

        if ((c.Traffic & AccelTraffic.FullPath) != 0)
        {
            rules.Add(Design.FullPath(names, local));
        }

        return new FamilyState(family, table, sets, flowtable, Design.ForwardChain(family, c.TableName, c.ChainName), rules);
    }

    /// <summary>
    /// A checked configuration's prefix lists never change (they are built once, read-only), so their parsed form is
    /// kept with them: a runbook that syncs the same 100 000-prefix configuration again parses it once.
    /// </summary>
    private static readonly ConditionalWeakTable<IReadOnlyList<string>, IpPrefix[]> Parsed = new();

    private static List<IpPrefix> OfFamily(IReadOnlyList<string> prefixes, bool v6) =>
        Parsed.GetValue(prefixes, list => list.Select(IpPrefix.Parse).ToArray()).Where(p => p.IsIPv6 == v6).ToList();
}
