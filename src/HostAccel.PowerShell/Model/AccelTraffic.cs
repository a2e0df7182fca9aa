using Newtonsoft.Json;
using Newtonsoft.Json.Converters;

namespace HostAccel.PowerShell.Model;

/// <summary>
/// The kinds of forwarded traffic HostAccel can accelerate, each with the rule the slides gives for it. PowerShell
/// binds a comma-separated list ("PodToPod, ExternalIP") or an array of names. ConvertTo-Json writes the names too.
/// </summary>
[Flags]
[JsonConverter(typeof(StringEnumConverter))]
public enum AccelTraffic
{
    None = 0,

    /// <summary>Pod-to-Pod and Pod-to-Service between this Node and the others (gateway ⇄ transport): two rules.</summary>
    PodToPod = 1,

    /// <summary>External-to-Pod, before SNAT: <c>iif gw ip saddr 169.254.0.253 oif transport ip daddr @peer-pod-cidr</c>.</summary>
    ExternalToPod = 2,

    /// <summary>External-to-NodePort, after DNAT: <c>oif gw ip daddr 169.254.0.252</c>.</summary>
    ExternalToNodePort = 4,

    /// <summary>External-to-LoadBalancer IP / External IP: <c>oif gw ip daddr @external-ip</c>.</summary>
    ExternalIP = 8,

    /// <summary>The full path: remote Nodes' transport IPs to the local Pod CIDR, <c>ip saddr @peer-node-ip ip daddr local</c>.</summary>
    FullPath = 16,

    All = PodToPod | ExternalToPod | ExternalToNodePort | ExternalIP | FullPath,
}
