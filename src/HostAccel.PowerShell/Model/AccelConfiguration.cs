namespace HostAccel.PowerShell.Model;

/// <summary>
/// A desired state of acceleration on one host: what Sync-AccelConfiguration makes the kernel hold, and what
/// Get-AccelConfiguration reads back. Each family in <see cref="Family"/> (by default, those of the local Pod CIDRs)
/// gets a table — ip for IPv4, ip6 for IPv6 — with its peer Pod CIDR set and, when there is traffic to accelerate,
/// the flowtable, the forward chain and one rule per traffic type; a family not listed has no HostAccel table.
/// Names default to the design document's.
/// </summary>
/// <remarks>
/// Checked configurations are in a normal form: what has no effect in the kernel is left out (the local Pod CIDR
/// when no rule matches on it, an address for a traffic type that is not accelerated), so that a configuration
/// read back from the kernel equals the one that was synced.
/// </remarks>
public sealed record AccelConfiguration
{
    public string TableName { get; internal init; } = Engine.Design.TableName;

    public string SetName { get; internal init; } = Engine.Design.SetName;

    public string ExternalIPSetName { get; internal init; } = Engine.Design.ExternalIPSetName;

    public string PeerNodeSetName { get; internal init; } = Engine.Design.PeerNodeSetName;

    public string FlowtableName { get; internal init; } = Engine.Design.FlowtableName;

    public string ChainName { get; internal init; } = Engine.Design.ChainName;

    /// <summary>The Pods' gateway (antrea-gw0): in the flowtable, and the Pod side of every rule.</summary>
    public string GatewayInterface { get; internal init; } = Engine.Design.GatewayInterface;

    /// <summary>The interface to the other Nodes: in the flowtable, and the Node side of the Pod-to-Pod rules.</summary>
    public string? TransportInterface { get; internal init; }

    /// <summary>More flowtable devices: interfaces NodePort and external traffic arrive on.</summary>
    public IReadOnlyList<string> Devices { get; internal init; } = [];

    /// <summary>The families managed: ip, ip6 or both. Empty means those of <see cref="LocalPodCidr"/>.</summary>
    public IReadOnlyList<AccelFamily> Family { get; internal init; } = [];

    /// <summary>This Node's Pod CIDRs, at most one per family (PodToPod and FullPath traffic match on it).</summary>
    public IReadOnlyList<string> LocalPodCidr { get; internal init; } = [];

    /// <summary>The other Nodes' Pod CIDRs, both families mixed: the peer-pod-cidr sets.</summary>
    public IReadOnlyList<string> PeerPodCidr { get; internal init; } = [];

    public AccelTraffic Traffic { get; internal init; } = AccelTraffic.PodToPod;

    /// <summary>Flowtable, or TrafficControl: clsact and flower redirects, PodToPod traffic only (the table then holds only the peer set).</summary>
    public AccelMode Mode { get; internal init; }

    /// <summary>LoadBalancer ingress IPs and External IPs (ExternalIP traffic): the external-ip sets.</summary>
    public IReadOnlyList<string> ExternalIP { get; internal init; } = [];

    /// <summary>The other Nodes' transport IPs (FullPath traffic): the peer-node-ip sets.</summary>
    public IReadOnlyList<string> PeerNodeIP { get; internal init; } = [];

    /// <summary>The address external traffic to a Pod is SNATed to (ExternalToPod), one per family.</summary>
    public IReadOnlyList<string> ServiceSnatAddress { get; internal init; } = Engine.Design.ServiceSnatAddress;

    /// <summary>The address NodePort traffic is DNATed to (ExternalToNodePort), one per family.</summary>
    public IReadOnlyList<string> NodePortDnatAddress { get; internal init; } = Engine.Design.NodePortDnatAddress;

    /// <summary>The flowtable's ingress priority; 0 is nft's "filter".</summary>
    public int Priority { get; internal init; }

    /// <summary>The flowtable's counter flag: offloaded packets are counted on their conntrack entries.</summary>
    public bool Counter { get; internal init; }

    /// <summary>The flowtable's offload flag (hardware offload, where the NIC supports it).</summary>
    public bool HardwareOffload { get; internal init; }

    /// <summary>
    /// Every rule offloads a connection only once it has seen more than this many packets (<c>ct packets &gt; N</c>, as
    /// kindnet and the kube-proxy flowtable prototype do), so that short connections stay on the slow path; 0: at once.
    /// </summary>
    public int OffloadThreshold { get; internal init; }

    public string? NetworkNamespace { get; internal init; }

    /// <summary>
    /// The Node this configuration is for, as ConvertTo-AccelConfiguration computed it from a cluster; like
    /// NetworkNamespace, where it goes rather than what the kernel holds (Get-AccelConfiguration leaves it empty).
    /// </summary>
    public string? NodeName { get; internal init; }

    /// <summary>The Node's transport IPs (its InternalIPs), IPv4 first: where a runbook reaches it.</summary>
    public IReadOnlyList<string> NodeIP { get; internal init; } = [];

    /// <summary>One line: the families, the traffic, the devices and how many prefixes.</summary>
    public override string ToString()
    {
        var parts = new List<string>
        {
            Family.Count == 0 && LocalPodCidr.Count == 0 ? "no acceleration"
                : $"{string.Join("+", Family.Count > 0 ? Family.Select(f => f.ToString().ToLowerInvariant()) : ["(families of the local Pod CIDRs)"])}: accelerate {Traffic}{(LocalPodCidr.Count > 0 ? $" for {string.Join(", ", LocalPodCidr)}" : "")}",
        };
        if (Traffic != AccelTraffic.None && (Family.Count > 0 || LocalPodCidr.Count > 0))
        {
            IEnumerable<string> devices = new[] { GatewayInterface, TransportInterface ?? "" }.Concat(Devices).Where(d => d.Length > 0);
            parts[0] += $" via {{ {string.Join(", ", devices)} }}";
        }

        parts.Add($"{PeerPodCidr.Count} peer Pod CIDRs");
        if ((Traffic & AccelTraffic.ExternalIP) != 0)
        {
            parts.Add($"{ExternalIP.Count} external IPs");
        }

        if ((Traffic & AccelTraffic.FullPath) != 0)
        {
            parts.Add($"{PeerNodeIP.Count} peer Node IPs");
        }

        return string.Join("; ", parts);
    }
}
