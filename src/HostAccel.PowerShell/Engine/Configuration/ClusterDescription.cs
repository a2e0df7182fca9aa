using System.Collections;
using System.Globalization;
using System.Net;
using HostAccel.Native.Nftables;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine.Configuration;

/// <summary>One Node of a cluster as ConvertTo-AccelConfiguration reads it.</summary>
/// <param name="Name">metadata.name, or the description's Name.</param>
/// <param name="PodCidr">spec.podCIDRs (spec.podCIDR when the list is absent): at most one per family.</param>
/// <param name="NodeIP">The InternalIP addresses of status.addresses: the transport IPs, IPv4 first.</param>
/// <param name="TransportInterface">The description's own interface for this Node; Node objects do not name one.</param>
/// <param name="Deleting">metadata.deletionTimestamp, when the Node is being deleted.</param>
internal sealed record ClusterNode(string Name, IReadOnlyList<IpPrefix> PodCidr, IReadOnlyList<IPAddress> NodeIP, string? TransportInterface, string? Deleting);

/// <summary>
/// Reads a cluster's Nodes — Kubernetes Node objects as <c>kubectl get nodes -o json</c> writes them, or the entries
/// of a cluster description — and computes each Node's configuration: its own Pod CIDRs local, every other Node's
/// peer, per family, as Antrea's agent fills its peer-pod-cidr sets from the Node objects it watches. Input arrives
/// as dictionaries with keys in any case (the cmdlet turns PowerShell's objects into them), so nothing here knows
/// PowerShell.
/// </summary>
internal static class ClusterDescription
{
    /// <summary>The keys of a cluster description file.</summary>
    private static readonly string[] FileKeys = ["Template", "Nodes"];

    /// <summary>The keys of a Node entry in a cluster description.</summary>
    private static readonly string[] EntryKeys = ["Name", "PodCidr", "NodeIP", "TransportInterface"];

    /// <summary>Settings the cluster decides: a template that gave them would be overwritten for every Node.</summary>
    private static readonly string[] Computed =
        [nameof(AccelConfiguration.LocalPodCidr), nameof(AccelConfiguration.PeerPodCidr), nameof(AccelConfiguration.PeerNodeIP),
         nameof(AccelConfiguration.NodeName), nameof(AccelConfiguration.NodeIP)];

    /// <summary>
    /// The Nodes of one input: a Node object, a List or NodeList of them (its items), or a description entry;
    /// <paramref name="source"/> names the input in errors.
    /// </summary>
    public static IEnumerable<ClusterNode> Nodes(IDictionary input, string source)
    {
        if (Get(input, "items") is { } items && Get(input, "kind") is string kind && kind is "List" or "NodeList")
        {
            int index = 0;
            foreach (object? item in Items(items, $"{source}: items"))
            {
                yield return Node(item as IDictionary ?? throw NotANode(item, $"{source}: items[{index}]"), $"{source}: items[{index}]");
                index++;
            }

            yield break;
        }

        yield return Node(input, source);
    }

    /// <summary>A cluster description file's settings: its Template (or an empty one) and its Nodes.</summary>
    public static (IDictionary Template, List<ClusterNode> Nodes) File(IDictionary file, string source)
    {
        // A saved `kubectl get nodes -o json` is a cluster description too.
        if (Get(file, "kind") is string)
        {
            return (new Hashtable(), Nodes(file, source).ToList());
        }

        foreach (DictionaryEntry entry in file)
        {
            string key = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "";
            if (!FileKeys.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                throw ConfigurationReader.Invalid($"{source}: '{key}' is not a key of a cluster description; the keys are {string.Join(", ", FileKeys)} (or the kind and items of kubectl get nodes -o json)", key);
            }
        }

        IDictionary template = Get(file, "Template") switch
        {
            null => new Hashtable(),
            IDictionary t => t,
            object other => throw ConfigurationReader.Invalid($"{source}: Template must hold settings, @{{ Setting = value; … }}, not {ConfigurationReader.Describe(other)}", other),
        };
        object nodes = Get(file, "Nodes") ?? throw ConfigurationReader.Invalid($"{source} names no Nodes: give Nodes = @( @{{ Name = …; PodCidr = … }}, … )", source);
        int index = 0;
        var result = new List<ClusterNode>();
        foreach (object? node in Items(nodes, $"{source}: Nodes"))
        {
            string where = $"{source}: Nodes[{index++}]";
            result.AddRange(Nodes(node as IDictionary ?? throw NotANode(node, where), where));
        }

        return (template, result);
    }

    /// <summary>What <see cref="Plan"/> makes of a cluster: the configurations, and what the caller should hear.</summary>
    public sealed record Result(List<AccelConfiguration> Configurations, List<string> Warnings, List<string> Notes);

    /// <summary>
    /// One configuration per Node that has Pod CIDRs and is not being deleted; those that have none, or are being
    /// deleted, are no one's peer and get no configuration (a warning says so). Two Nodes of one name, or Pod CIDRs
    /// that overlap between Nodes, fail the whole call: every Node's peers depend on every other Node.
    /// </summary>
    /// <param name="nodes">The cluster's Nodes.</param>
    /// <param name="template">Settings every configuration starts from; parameters given to the cmdlet are in it.</param>
    /// <param name="transportInterface">The transport interface of Nodes that do not name their own, or null.</param>
    public static Result Plan(IReadOnlyList<ClusterNode> nodes, IDictionary template, string? transportInterface)
    {
        foreach (DictionaryEntry entry in template)
        {
            string key = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "";
            if (Computed.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                throw ConfigurationReader.Invalid($"the template gives {key}, which ConvertTo-AccelConfiguration computes for each Node from the cluster", key);
            }
        }

        foreach (IGrouping<string, ClusterNode> twice in nodes.GroupBy(n => n.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            throw new HostAccelException(ClusterErrorIds.DuplicateNode, FailureKind.InvalidArgument,
                $"the Node {twice.Key} is given {twice.Count()} times; each Node of a cluster has a name of its own", twice.Key);
        }

        var warnings = new List<string>();
        var notes = new List<string>();
        var members = new List<ClusterNode>();
        foreach (ClusterNode node in nodes)
        {
            if (node.Deleting is string since)
            {
                // A deleted Node's Pod CIDR goes back to the pool and may already be another Node's: not a peer.
                warnings.Add($"the Node {node.Name} is being deleted (deletionTimestamp {since}): it is no other Node's peer, and gets no configuration");
            }
            else if (node.PodCidr.Count == 0)
            {
                warnings.Add($"the Node {node.Name} has no Pod CIDR yet (spec.podCIDRs is empty): it is no other Node's peer, and gets no configuration until it has one");
            }
            else
            {
                members.Add(node);
            }
        }

        // Overlaps between Nodes, found in one sorted pass; within a Node, the reader's check (one per family) applies.
        var owned = members.SelectMany(n => n.PodCidr.Select(p => (Prefix: p, Node: n.Name))).OrderBy(o => o.Prefix).ToList();
        for (int i = 1; i < owned.Count; i++)
        {
            if (owned[i - 1].Prefix.Overlaps(owned[i].Prefix))
            {
                (IpPrefix prefix, string node) = owned[i];
                (IpPrefix other, string otherNode) = owned[i - 1];
                string message = otherNode == node ? $"the Node {node} has the Pod CIDRs {other} and {prefix}, which overlap"
                    : prefix == other ? $"the Nodes {otherNode} and {node} both have the Pod CIDR {prefix}: each Node's Pods have addresses of their own"
                    : $"the Pod CIDR {prefix} of the Node {node} overlaps {other} of the Node {otherNode}: each Node's Pods have addresses of their own";
                throw new HostAccelException(ErrorIds.OverlappingCidr, FailureKind.InvalidArgument, message,
                    prefix.ToString());
            }
        }

        bool fullPath = (TrafficOf(template) & AccelTraffic.FullPath) != 0;
        if (fullPath)
        {
            foreach (ClusterNode node in members.Where(n => n.NodeIP.Count == 0))
            {
                warnings.Add($"the Node {node.Name} has no InternalIP in status.addresses: the other Nodes' peer-node-ip sets leave it out, so FullPath traffic from it is not accelerated");
            }
        }

        var configurations = new List<AccelConfiguration>(members.Count);
        foreach (ClusterNode node in members)
        {
            bool[] families = node.PodCidr.Select(p => p.IsIPv6).Distinct().ToArray();
            List<ClusterNode> peers = members.Where(m => !ReferenceEquals(m, node)).ToList();
            var settings = new Hashtable(StringComparer.OrdinalIgnoreCase);
            foreach (DictionaryEntry entry in template)
            {
                settings[entry.Key] = entry.Value;
            }

            if ((node.TransportInterface ?? transportInterface) is string transport)
            {
                settings[nameof(AccelConfiguration.TransportInterface)] = transport;
            }

            settings[nameof(AccelConfiguration.LocalPodCidr)] = node.PodCidr.Select(p => p.ToString()).ToArray();
            settings[nameof(AccelConfiguration.PeerPodCidr)] = peers.SelectMany(p => p.PodCidr).Where(p => families.Contains(p.IsIPv6)).Select(p => p.ToString()).ToArray();
            if (fullPath)
            {
                settings[nameof(AccelConfiguration.PeerNodeIP)] = peers.SelectMany(p => p.NodeIP)
                    .Where(a => families.Contains(a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)).Select(a => a.ToString()).ToArray();
            }

            AccelConfiguration configuration;
            try
            {
                configuration = ConfigurationReader.Read(settings, $"the Node {node.Name}");
            }
            catch (HostAccelException ex)
            {
                throw new HostAccelException(ex.ErrorId, ex.Kind, ex.Message.StartsWith("the Node ", StringComparison.Ordinal) ? ex.Message : $"the Node {node.Name}: {ex.Message}", ex.TargetObject, ex)
                {
                    RecommendedAction = ex.RecommendedAction,
                };
            }

            configurations.Add(configuration with { NodeName = node.Name, NodeIP = node.NodeIP.Select(a => a.ToString()).ToList() });
            notes.Add($"the Node {node.Name}: {node.PodCidr.Count} Pod CIDR{(node.PodCidr.Count == 1 ? "" : "s")}, {configuration.PeerPodCidr.Count} peer Pod CIDRs from {peers.Count} other Node{(peers.Count == 1 ? "" : "s")}");
        }

        return new Result(configurations, warnings, notes);
    }

    /// <summary>A Kubernetes Node object (it has metadata) or a description entry (it has Name).</summary>
    private static ClusterNode Node(IDictionary input, string source)
    {
        if (Get(input, "metadata") is { } metadata)
        {
            return KubernetesNode(input, metadata as IDictionary ?? throw NotANode(input, source), source);
        }

        foreach (DictionaryEntry entry in input)
        {
            string key = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "";
            if (!EntryKeys.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                throw new HostAccelException(ClusterErrorIds.InvalidNode, FailureKind.InvalidArgument,
                    $"{source}: '{key}' is not a key of a Node; a Node is a Kubernetes Node object (kubectl get nodes -o json) or has the keys {string.Join(", ", EntryKeys)}", key);
            }
        }

        string name = Get(input, "Name") as string is { Length: > 0 } n ? n
            : throw new HostAccelException(ClusterErrorIds.InvalidNode, FailureKind.InvalidArgument, $"{source}: a Node needs a Name", source);
        return new ClusterNode(name, PodCidrs(Get(input, "PodCidr"), name), Addresses(Get(input, "NodeIP"), name),
            Get(input, "TransportInterface") is { } transport ? transport as string ?? throw ConfigurationReader.Invalid($"the Node {name}: TransportInterface takes one name, not {ConfigurationReader.Describe(transport)}", transport) : null,
            Deleting: null);
    }

    private static ClusterNode KubernetesNode(IDictionary node, IDictionary metadata, string source)
    {
        if (Get(node, "kind") is string kind && kind != "Node")
        {
            throw new HostAccelException(ClusterErrorIds.InvalidNode, FailureKind.InvalidArgument, $"{source} is a {kind}, not a Node", kind);
        }

        string name = Get(metadata, "name") as string is { Length: > 0 } n ? n
            : throw new HostAccelException(ClusterErrorIds.InvalidNode, FailureKind.InvalidArgument, $"{source}: the Node has no metadata.name", source);
        IDictionary? spec = Get(node, "spec") as IDictionary;
        // podCIDRs holds both families and, when set, its first entry equals podCIDR, the field of single-stack days.
        object? cidrs = spec is null ? null : Get(spec, "podCIDRs") ?? Get(spec, "podCIDR");
        var addresses = new List<object?>();
        if (Get(node, "status") is IDictionary status && Get(status, "addresses") is { } listed)
        {
            foreach (object? address in Items(listed, $"the Node {name}: status.addresses"))
            {
                if (address is IDictionary a && Get(a, "type") is "InternalIP")
                {
                    addresses.Add(Get(a, "address"));
                }
            }
        }

        object? deleting = Get(metadata, "deletionTimestamp");
        return new ClusterNode(name, PodCidrs(cidrs, name), Addresses(addresses, name), TransportInterface: null,
            deleting is null ? null : deleting is DateTime time ? time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : Convert.ToString(deleting, CultureInfo.InvariantCulture));
    }

    private static List<IpPrefix> PodCidrs(object? value, string node)
    {
        var prefixes = new List<IpPrefix>();
        foreach (object? item in Items(value, $"the Node {node}: PodCidr"))
        {
            string text = item as string ?? throw ConfigurationReader.Invalid($"the Node {node}: a Pod CIDR is a string, not {(item is null ? "null" : ConfigurationReader.Describe(item))}", item);
            IpPrefix prefix;
            try
            {
                prefix = Families.ParsePodCidr(text, "Pod CIDR");
            }
            catch (HostAccelException ex)
            {
                throw new HostAccelException(ex.ErrorId, ex.Kind, $"the Node {node}: {ex.Message}", text, ex);
            }

            if (prefixes.Where(p => p.IsIPv6 == prefix.IsIPv6).Cast<IpPrefix?>().FirstOrDefault() is IpPrefix same)
            {
                throw ConfigurationReader.Invalid($"the Node {node} has two {(prefix.IsIPv6 ? "IPv6" : "IPv4")} Pod CIDRs, {same} and {prefix}: a Node has at most one per family", text);
            }

            prefixes.Add(prefix);
        }

        return [.. prefixes.OrderBy(p => p.IsIPv6)];
    }

    private static List<IPAddress> Addresses(object? value, string node)
    {
        var addresses = new List<IPAddress>();
        foreach (object? item in Items(value, $"the Node {node}: NodeIP"))
        {
            string text = item as string ?? item?.ToString() ?? "";
            if (!IPAddress.TryParse(text, out IPAddress? address) || text.Contains('/', StringComparison.Ordinal))
            {
                throw new HostAccelException(ErrorIds.InvalidArgument, FailureKind.InvalidArgument, $"the Node {node}: '{text}' is not an IP address (an InternalIP, a transport IP)", text);
            }

            addresses.Add(address);
        }

        return [.. addresses.Distinct().OrderBy(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)];
    }

    private static AccelTraffic TrafficOf(IDictionary template) =>
        Get(template, nameof(AccelConfiguration.Traffic)) is { } value ? ConfigurationReader.Traffic(value) : new AccelConfiguration().Traffic;

    private static IEnumerable<object?> Items(object? value, string what) => value switch
    {
        null => [],
        string s => [s],
        IDictionary => throw ConfigurationReader.Invalid($"{what} is a list, not a set of keys", what),
        IEnumerable list => list.Cast<object?>(),
        _ => [value],
    };

    /// <summary>
    /// A key in any case: JSON keeps the case it was written in, a .psd1 hashtable may not. A dictionary that holds one
    /// key in two cases (a case-sensitive one, built by hand) is refused, as the configuration reader refuses it: which
    /// of the two should win is not for the reader to guess.
    /// </summary>
    private static object? Get(IDictionary dictionary, string key)
    {
        string? found = null;
        object? value = null;
        foreach (DictionaryEntry entry in dictionary)
        {
            string? name = Convert.ToString(entry.Key, CultureInfo.InvariantCulture);
            if (!string.Equals(name, key, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (found is not null)
            {
                throw SameKey(found, name);
            }

            (found, value) = (name, entry.Value);
        }

        return value;
    }

    /// <summary>One key given twice, in two cases: which of the two should win is not for the reader to guess.</summary>
    internal static HostAccelException SameKey(string? first, string? second) =>
        ConfigurationReader.Invalid($"'{first}' and '{second}' are the same key (keys are read in any case), given twice", second);

    private static HostAccelException NotANode(object? value, string source) =>
        new(ClusterErrorIds.InvalidNode, FailureKind.InvalidArgument,
            $"{source} is not a Node: give a Kubernetes Node object (kubectl get nodes -o json | ConvertFrom-Json), a List of them, or a description entry @{{ Name = …; PodCidr = …; NodeIP = … }}, not {(value is null ? "null" : ConfigurationReader.Describe(value))}",
            value);
}

/// <summary>The cluster description's own failures (to join ErrorIds).</summary>
internal static class ClusterErrorIds
{
    public const string DuplicateNode = nameof(DuplicateNode);
    public const string InvalidNode = nameof(InvalidNode);
}
