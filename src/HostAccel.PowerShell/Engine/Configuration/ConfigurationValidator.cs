using System.Text;
using HostAccel.Native.Interop;
using HostAccel.Native.Nftables;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine.Configuration;

/// <summary>
/// Checks a configuration before anything is read from or sent to the kernel, and puts it in its one normal form:
/// prefixes canonical and sorted, duplicates dropped, the gateway and transport interfaces out of the extra device
/// list. Two configurations with the same normal form describe the same kernel state, which is what lets
/// Get-AccelConfiguration's output sync back to the state it was read from.
/// </summary>
internal static class ConfigurationValidator
{
    /// <summary>nft's NFT_NAME_MAXLEN: 256 bytes with the terminating NUL.</summary>
    private const int MaxObjectName = 255;

    public static AccelConfiguration Validate(AccelConfiguration c)
    {
        ArgumentNullException.ThrowIfNull(c);
        foreach ((string key, string name) in new[]
        {
            (nameof(c.TableName), c.TableName), (nameof(c.SetName), c.SetName), (nameof(c.ExternalIPSetName), c.ExternalIPSetName),
            (nameof(c.PeerNodeSetName), c.PeerNodeSetName), (nameof(c.FlowtableName), c.FlowtableName), (nameof(c.ChainName), c.ChainName),
        })
        {
            if (string.IsNullOrWhiteSpace(name) || Encoding.UTF8.GetByteCount(name) > MaxObjectName)
            {
                throw ConfigurationReader.Invalid($"{key} must be a name of 1 to {MaxObjectName} bytes, not '{name}'", name);
            }
        }

        string[] setNames = [c.SetName, c.ExternalIPSetName, c.PeerNodeSetName];
        if (setNames.Distinct(StringComparer.Ordinal).Count() != setNames.Length)
        {
            throw ConfigurationReader.Invalid($"SetName, ExternalIPSetName and PeerNodeSetName must differ: {string.Join(", ", setNames)}", string.Join(", ", setNames));
        }

        if ((c.Traffic & ~AccelTraffic.All) != 0)
        {
            throw ConfigurationReader.Invalid($"{(int)c.Traffic} is not a combination of traffic types", c.Traffic);
        }

        if (c.Priority is < -400 or > 400)
        {
            throw ConfigurationReader.Invalid($"Priority must be from -400 to 400, not {c.Priority}", c.Priority);
        }

        List<IpPrefix> locals = Prefixes(c.LocalPodCidr, nameof(c.LocalPodCidr), wholeSpace: false);
        foreach (IGrouping<bool, IpPrefix> family in locals.GroupBy(p => p.IsIPv6).Where(g => g.Count() > 1))
        {
            throw ConfigurationReader.Invalid($"one local Pod CIDR per family: {string.Join(" and ", family)} are both {Version(family.Key)}", string.Join(", ", family));
        }

        Device(nameof(c.GatewayInterface), c.GatewayInterface);
        string transport = c.TransportInterface ?? "";
        bool needsTransport = locals.Count > 0 && (c.Traffic & (AccelTraffic.PodToPod | AccelTraffic.ExternalToPod)) != 0;
        if (transport.Length > 0 || needsTransport)
        {
            if (transport.Length == 0)
            {
                throw ConfigurationReader.Invalid($"TransportInterface is needed for {c.Traffic & (AccelTraffic.PodToPod | AccelTraffic.ExternalToPod)} traffic: the interface to the other Nodes", nameof(c.TransportInterface));
            }

            Device(nameof(c.TransportInterface), transport);
            if (transport == c.GatewayInterface)
            {
                throw ConfigurationReader.Invalid($"the gateway and transport interfaces must differ, both are '{transport}'", transport);
            }
        }

        foreach (string device in c.Devices)
        {
            Device(nameof(c.Devices), device);
        }

        if (locals.Count > 0 && c.Traffic == AccelTraffic.None)
        {
            throw ConfigurationReader.Invalid("Traffic is None: there is nothing to accelerate. Name the traffic types, or give no LocalPodCidr to remove acceleration", nameof(c.Traffic));
        }

        List<IpPrefix> peers = Disjoint(Prefixes(c.PeerPodCidr, nameof(c.PeerPodCidr), wholeSpace: false), nameof(c.PeerPodCidr));
        List<IpPrefix> externals = Disjoint(Prefixes(c.ExternalIP, nameof(c.ExternalIP), wholeSpace: false), nameof(c.ExternalIP));
        List<IpPrefix> nodes = Disjoint(Prefixes(c.PeerNodeIP, nameof(c.PeerNodeIP), wholeSpace: false), nameof(c.PeerNodeIP));
        RequireTraffic(c, externals, AccelTraffic.ExternalIP, nameof(c.ExternalIP));
        RequireTraffic(c, nodes, AccelTraffic.FullPath, nameof(c.PeerNodeIP));
        foreach ((List<IpPrefix> list, string key) in new[] { (peers, nameof(c.PeerPodCidr)), (externals, nameof(c.ExternalIP)), (nodes, nameof(c.PeerNodeIP)) })
        {
            IpPrefix? orphan = list.Where(p => !locals.Any(l => l.IsIPv6 == p.IsIPv6)).Cast<IpPrefix?>().FirstOrDefault();
            if (orphan is IpPrefix o)
            {
                throw ConfigurationReader.Invalid($"{key} holds the {Version(o.IsIPv6)} prefix {o}, but there is no {Version(o.IsIPv6)} local Pod CIDR: the {(o.IsIPv6 ? "ip6" : "ip")} table is not managed", o.ToString());
            }
        }

        List<IpPrefix> snat = Addresses(c.ServiceSnatAddress, nameof(c.ServiceSnatAddress));
        List<IpPrefix> dnat = Addresses(c.NodePortDnatAddress, nameof(c.NodePortDnatAddress));
        foreach ((List<IpPrefix> list, AccelTraffic traffic, string key) in new[] { (snat, AccelTraffic.ExternalToPod, nameof(c.ServiceSnatAddress)), (dnat, AccelTraffic.ExternalToNodePort, nameof(c.NodePortDnatAddress)) })
        {
            IpPrefix? uncovered = (c.Traffic & traffic) == 0 ? null : locals.Where(l => !list.Any(a => a.IsIPv6 == l.IsIPv6)).Cast<IpPrefix?>().FirstOrDefault();
            if (uncovered is IpPrefix l)
            {
                throw ConfigurationReader.Invalid($"{traffic} traffic needs an {Version(l.IsIPv6)} address in {key} for the local Pod CIDR {l}", key);
            }
        }

        return c with
        {
            TransportInterface = transport.Length == 0 ? null : transport,
            Devices = c.Devices.Where(d => d != c.GatewayInterface && d != transport).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
            LocalPodCidr = Texts(locals),
            PeerPodCidr = Texts(peers),
            ExternalIP = Texts(externals),
            PeerNodeIP = Texts(nodes),
            ServiceSnatAddress = Texts(snat),
            NodePortDnatAddress = Texts(dnat),
        };
    }

    /// <summary>The address of a family in a per-family list (ServiceSnatAddress, NodePortDnatAddress), or null.</summary>
    public static IpPrefix? ForFamily(IReadOnlyList<string> addresses, bool ipv6) =>
        addresses.Select(IpPrefix.Parse).Where(p => p.IsIPv6 == ipv6).Cast<IpPrefix?>().FirstOrDefault();

    private static void RequireTraffic(AccelConfiguration c, List<IpPrefix> values, AccelTraffic traffic, string key)
    {
        if (values.Count > 0 && (c.Traffic & traffic) == 0)
        {
            throw ConfigurationReader.Invalid($"{key} is given, but Traffic ({c.Traffic}) does not include {traffic}", key);
        }
    }

    private static void Device(string key, string name)
    {
        if (string.IsNullOrEmpty(name) || Encoding.UTF8.GetByteCount(name) > NetworkInterface.MaxNameLength || name.Any(ch => ch is '/' or ':' || char.IsWhiteSpace(ch)))
        {
            throw new HostAccelException(ErrorIds.InvalidArgument, FailureKind.InvalidArgument,
                $"{key}: '{name}' is not a device name: 1 to {NetworkInterface.MaxNameLength} bytes without '/', ':' or spaces", name);
        }
    }

    private static List<IpPrefix> Prefixes(IReadOnlyList<string> texts, string key, bool wholeSpace)
    {
        var result = new List<IpPrefix>(texts.Count);
        foreach (string text in texts)
        {
            IpPrefix prefix = Families.ParseCidr(text);
            if (prefix.Length == 0 && !wholeSpace)
            {
                throw new HostAccelException(ErrorIds.InvalidCidr, FailureKind.InvalidArgument,
                    $"{key}: {prefix} is the whole address space; HostAccel accelerates Pod CIDRs and addresses, not everything", text);
            }

            result.Add(prefix);
        }

        return result;
    }

    /// <summary>Sorted, exact duplicates dropped; two prefixes that overlap otherwise are an error, as Add-PeerPodCidr's.</summary>
    private static List<IpPrefix> Disjoint(List<IpPrefix> prefixes, string key)
    {
        prefixes.Sort();
        var result = new List<IpPrefix>(prefixes.Count);
        foreach (IpPrefix prefix in prefixes)
        {
            if (result.Count > 0 && result[^1] == prefix)
            {
                continue;
            }

            if (result.Count > 0 && result[^1].Overlaps(prefix))
            {
                throw new HostAccelException(ErrorIds.OverlappingCidr, FailureKind.InvalidArgument,
                    $"{key}: {prefix} overlaps {result[^1]}; an interval set holds disjoint prefixes", prefix.ToString());
            }

            result.Add(prefix);
        }

        return result;
    }

    private static List<IpPrefix> Addresses(IReadOnlyList<string> texts, string key)
    {
        List<IpPrefix> addresses = Prefixes(texts, key, wholeSpace: false);
        foreach (IpPrefix address in addresses.Where(a => a.Length != a.AddressBits))
        {
            throw ConfigurationReader.Invalid($"{key}: {address} is a prefix; give single addresses, one per family", address.ToString());
        }

        foreach (IGrouping<bool, IpPrefix> family in addresses.GroupBy(p => p.IsIPv6).Where(g => g.Count() > 1))
        {
            throw ConfigurationReader.Invalid($"{key}: one address per family, {string.Join(" and ", family)} are both {Version(family.Key)}", string.Join(", ", family));
        }

        return addresses.OrderBy(a => a.IsIPv6).ToList();
    }

    private static List<string> Texts(IEnumerable<IpPrefix> prefixes) =>
        prefixes.OrderBy(p => p.IsIPv6).ThenBy(p => p).Select(p => p.Length == p.AddressBits ? p.Address.ToString() : p.ToString()).ToList();

    private static string Version(bool ipv6) => ipv6 ? "IPv6" : "IPv4";
}
