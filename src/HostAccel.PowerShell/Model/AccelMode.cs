using Newtonsoft.Json;
using Newtonsoft.Json.Converters;

namespace HostAccel.PowerShell.Model;

/// <summary>How forwarded traffic between the gateway and the transport device is accelerated (a name in JSON).</summary>
[JsonConverter(typeof(StringEnumConverter))]
public enum AccelMode
{
    /// <summary>An nftables flowtable: established connections skip the forwarding path, conntrack and NAT still apply.</summary>
    Flowtable,

    /// <summary>
    /// clsact and flower filters that rewrite the frame and redirect it to the other device: the Node's stack is
    /// skipped entirely. Stateless: Pod-to-Pod and Pod-to-Service traffic only.
    /// </summary>
    TrafficControl,
}
