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
    public static AccelConfiguration Validate(AccelConfiguration c)
    {
        ArgumentNullException.ThrowIfNull(c);
        Names.Objects(
            (nameof(c.TableName), c.TableName), (nameof(c.SetName), c.SetName), (nameof(c.ExternalIPSetName), c.ExternalIPSetName),
            (nameof(c.PeerNodeSetName), c.PeerNodeSetName), (nameof(c.FlowtableName), c.FlowtableName), (nameof(c.ChainName), c.ChainName));

        string[] setNames = [c.SetName, c.ExternalIPSetName, c.PeerNodeSetName];
        if (setNames.Distinct(StringComparer.Ordinal).Count() != setNames.Length)
        {
            throw ConfigurationReader.Invalid($"SetName, ExternalIPSetName and PeerNodeSetName must differ: {string.Join(", ", setNames)}", string.Join(", ", setNames));
        }

        if ((c.Traffic & ~AccelTraffic.All) != 0)
        {
            throw ConfigurationReader.Invalid($"{(int)c.Traffic} is not a combination of traffic types", c.Traffic);
        }

        TrafficControlConfiguration.Check(c);
        if (c.Priority is < -400 or > 400)
        {
            throw ConfigurationReader.Invalid($"Priority must be from -400 to 400, not {c.Priority}", c.Priority);
        }

        if (c.OffloadThreshold < 0)
        {
            throw ConfigurationReader.Invalid($"OffloadThreshold is a number of packets, 0 or more, not {c.OffloadThreshold}", c.OffloadThreshold);
        }

        List<IpPrefix> locals = Prefixes(c.LocalPodCidr, nameof(c.LocalPodCidr), wholeSpace: false);
        foreach (IGrouping<bool, IpPrefix> family in locals.GroupBy(p => p.IsIPv6).Where(g => g.Count() > 1))
        {
            throw ConfigurationReader.Invalid($"one local Pod CIDR per family: {string.Join(" and ", family)} are both {Version(family.Key)}", string.Join(", ", family));
        }

        // The families: as given, or those of the local Pod CIDRs.
        foreach (AccelFamily family in c.Family.Where(f => f is not (AccelFamily.Ip or AccelFamily.Ip6)))
        {
            throw ConfigurationReader.Invalid($"Family: HostAccel keeps Pod CIDRs in ip and ip6 tables, not {family.ToString().ToLowerInvariant()}", family);
        }

        bool[] families = (c.Family.Count > 0 ? c.Family.Select(f => f == AccelFamily.Ip6) : locals.Select(l => l.IsIPv6)).Distinct().Order().ToArray();
        foreach (IpPrefix local in locals.Where(l => !families.Contains(l.IsIPv6)))
        {
            throw ConfigurationReader.Invalid($"LocalPodCidr {local} is {Version(local.IsIPv6)}, but Family is {string.Join(", ", c.Family)}", local.ToString());
        }

        if (families.Length == 0)
        {
            // Nothing to manage: HostAccel's tables of this name go. What else was set has no effect and is dropped.
            foreach ((IReadOnlyList<string> list, string key) in new[] { (c.PeerPodCidr, nameof(c.PeerPodCidr)), (c.ExternalIP, nameof(c.ExternalIP)), (c.PeerNodeIP, nameof(c.PeerNodeIP)) })
            {
                if (list.Count > 0)
                {
                    throw ConfigurationReader.Invalid($"{key} is given, but no family is managed: give LocalPodCidr or Family", key);
                }
            }

            return new AccelConfiguration
            {
                TableName = c.TableName, SetName = c.SetName, ExternalIPSetName = c.ExternalIPSetName, PeerNodeSetName = c.PeerNodeSetName,
                FlowtableName = c.FlowtableName, ChainName = c.ChainName,
                Traffic = AccelTraffic.None, ServiceSnatAddress = [], NodePortDnatAddress = [], NetworkNamespace = c.NetworkNamespace, NodeName = c.NodeName, NodeIP = c.NodeIP,
            };
        }

        // The local Pod CIDR is in the Pod-to-Pod and full-path rules only; the transport interface in the Pod-to-Pod
        // and External-to-Pod rules only. Elsewhere they leave no trace in the kernel, so the normal form drops the
        // CIDR and counts the transport interface among the other flowtable devices.
        bool usesLocal = (c.Traffic & (AccelTraffic.PodToPod | AccelTraffic.FullPath)) != 0;
        bool usesTransport = (c.Traffic & (AccelTraffic.PodToPod | AccelTraffic.ExternalToPod)) != 0;
        foreach (bool v6 in families.Where(v6 => usesLocal && !locals.Any(l => l.IsIPv6 == v6)))
        {
            throw ConfigurationReader.Invalid($"{c.Traffic & (AccelTraffic.PodToPod | AccelTraffic.FullPath)} traffic needs an {Version(v6)} LocalPodCidr", nameof(c.LocalPodCidr));
        }

        Device(nameof(c.GatewayInterface), c.GatewayInterface);
        string transport = c.TransportInterface ?? "";
        if (transport.Length > 0)
        {
            Device(nameof(c.TransportInterface), transport);
            if (transport == c.GatewayInterface)
            {
                throw ConfigurationReader.Invalid($"the gateway and transport interfaces must differ, both are '{transport}'", transport);
            }
        }
        else if (usesTransport)
        {
            throw ConfigurationReader.Invalid($"TransportInterface is needed for {c.Traffic & (AccelTraffic.PodToPod | AccelTraffic.ExternalToPod)} traffic: the interface to the other Nodes", nameof(c.TransportInterface));
        }

        foreach (string device in c.Devices)
        {
            Device(nameof(c.Devices), device);
        }

        // Likewise the gateway, which every rule but the full path's names: without such a rule it is one more device.
        bool usesGateway = (c.Traffic & ~AccelTraffic.FullPath) != 0;
        IEnumerable<string> devices = c.Devices.Concat(!usesTransport && transport.Length > 0 ? [transport] : []).Concat(usesGateway ? [] : [c.GatewayInterface]);

        List<IpPrefix> peers = Disjoint(Prefixes(c.PeerPodCidr, nameof(c.PeerPodCidr), wholeSpace: false), nameof(c.PeerPodCidr));
        List<IpPrefix> externals = Disjoint(Prefixes(c.ExternalIP, nameof(c.ExternalIP), wholeSpace: false), nameof(c.ExternalIP));
        List<IpPrefix> nodes = Disjoint(Prefixes(c.PeerNodeIP, nameof(c.PeerNodeIP), wholeSpace: false), nameof(c.PeerNodeIP));
        RequireTraffic(c, externals, AccelTraffic.ExternalIP, nameof(c.ExternalIP));
        RequireTraffic(c, nodes, AccelTraffic.FullPath, nameof(c.PeerNodeIP));
        foreach ((List<IpPrefix> list, string key) in new[] { (peers, nameof(c.PeerPodCidr)), (externals, nameof(c.ExternalIP)), (nodes, nameof(c.PeerNodeIP)) })
        {
            IpPrefix? orphan = list.Where(p => !families.Contains(p.IsIPv6)).Cast<IpPrefix?>().FirstOrDefault();
            if (orphan is IpPrefix o)
            {
                throw ConfigurationReader.Invalid($"{key} holds the {Version(o.IsIPv6)} prefix {o}, but the {(o.IsIPv6 ? "ip6" : "ip")} family is not managed: give a LocalPodCidr or Family for it", o.ToString());
            }
        }

        if (c.Traffic == AccelTraffic.None)
        {
            // Prepared tables: no flowtable, no rules, so no device or flag of them is in the kernel either.
            return c with
            {
                Family = families.Select(v6 => v6 ? AccelFamily.Ip6 : AccelFamily.Ip).ToList(),
                GatewayInterface = Design.GatewayInterface, TransportInterface = null, Devices = [], LocalPodCidr = [],
                PeerPodCidr = Texts(peers), ExternalIP = [], PeerNodeIP = [], ServiceSnatAddress = [], NodePortDnatAddress = [],
                Counter = false, HardwareOffload = false, Priority = 0, OffloadThreshold = 0, Mode = AccelMode.Flowtable,
            };
        }

        return c with
        {
            Family = families.Select(v6 => v6 ? AccelFamily.Ip6 : AccelFamily.Ip).ToList(),
            GatewayInterface = usesGateway ? c.GatewayInterface : Design.GatewayInterface,
            TransportInterface = usesTransport ? transport : null,
            Devices = devices.Where(d => (!usesGateway || d != c.GatewayInterface) && (!usesTransport || d != transport)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
            LocalPodCidr = usesLocal ? Texts(locals) : [],
            PeerPodCidr = Texts(peers),
            ExternalIP = Texts(externals),
            PeerNodeIP = Texts(nodes),
            ServiceSnatAddress = PerFamily(c.ServiceSnatAddress, nameof(c.ServiceSnatAddress), families, (c.Traffic & AccelTraffic.ExternalToPod) != 0, Design.ServiceSnatAddress),
            NodePortDnatAddress = PerFamily(c.NodePortDnatAddress, nameof(c.NodePortDnatAddress), families, (c.Traffic & AccelTraffic.ExternalToNodePort) != 0, Design.NodePortDnatAddress),
        };
    }

    /// <summary>
    /// The address of each managed family for a traffic type that uses one: the one given for the family, or the
    /// default (Antrea's virtual IPs). Without the traffic type the addresses have no effect and are dropped.
    /// </summary>
    private static List<string> PerFamily(IReadOnlyList<string> given, string key, bool[] families, bool used, IReadOnlyList<string> defaults)
    {
        List<IpPrefix> addresses = Addresses(given, key);
        if (!used)
        {
            return [];
        }

        return families.Select(v6 => addresses.Where(a => a.IsIPv6 == v6).Cast<IpPrefix?>().FirstOrDefault() ?? ForFamily(defaults, v6)!.Value)
            .Select(a => a.Address.ToString()).ToList();
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

    private static void Device(string key, string name) => Names.Device(key, name);

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
