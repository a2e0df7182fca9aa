using System.Text;
using HostAccel.Native.Interop;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine.Planning;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine;

/// <summary>What Enable-Fastpath asks for; names and comments default to the design document's.</summary>
internal sealed class EnableFastpathRequest
{
    public string GatewayInterface { get; init; } = Design.GatewayInterface;

    public string TransportInterface { get; init; } = "";

    /// <summary>One local Pod CIDR per family: an IPv4 one enables the ip table, an IPv6 one the ip6 table.</summary>
    public IReadOnlyList<string> LocalPodCidr { get; init; } = [];

    /// <summary>Restricts the families; each local Pod CIDR must then belong to one of them.</summary>
    public IReadOnlyCollection<AccelFamily>? Family { get; init; }

    public string TableName { get; init; } = Design.TableName;

    public string SetName { get; init; } = Design.SetName;

    public string FlowtableName { get; init; } = Design.FlowtableName;

    public string ChainName { get; init; } = Design.ChainName;

    public string TableComment { get; init; } = Design.TableComment;

    public string ChainComment { get; init; } = Design.ChainComment;

    /// <summary>Null: the design document's per family ("Set for storing IPv4 peer Pods CIDRs").</summary>
    public string? SetComment { get; init; }

    public string? OutboundRuleComment { get; init; }

    public string? InboundRuleComment { get; init; }

    /// <summary>The flowtable's ingress priority; 0 is nft's "filter", the design document's.</summary>
    public int Priority { get; init; }

    public bool HardwareOffload { get; init; }

    public bool Counter { get; init; }

    /// <summary>Offload a connection only once it has seen more than this many packets (<c>ct packets &gt; N</c>); 0: at once.</summary>
    public int OffloadThreshold { get; init; }

    /// <summary>Act on a table HostAccel did not create, and replace a flowtable or rules that differ.</summary>
    public bool Force { get; init; }
}
