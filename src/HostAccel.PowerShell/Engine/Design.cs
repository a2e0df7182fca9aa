using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;

namespace HostAccel.PowerShell.Engine;

/// <summary>
/// Antrea's host network acceleration, written once: the names and comments of its design document (tables ip/ip6
/// antrea, set peer-pod-cidr, flowtable fastpath, chain forward) and the rule of each traffic type of its
/// "Accelerate Host Network Traffic" slides. The imperative cmdlets, the desired state and the reading back of a
/// configuration all take them from here. They are HostAccel's defaults: every name and comment can be changed by
/// the caller.
/// </summary>
internal static class Design
{
    public const string TableName = "antrea";
    public const string TableComment = "Rules for Antrea";

    /// <summary>The manager mark HostAccel writes in the userdata of the tables it creates (see <see cref="Ownership"/>).</summary>
    public const string Manager = "hostaccel";
    public const string SetName = "peer-pod-cidr";
    public const string ExternalIPSetName = "external-ip";
    public const string PeerNodeSetName = "peer-node-ip";
    public const string FlowtableName = "fastpath";
    public const string ChainName = "forward";
    public const string ChainComment = "Forward chain for storing rules";
    public const string GatewayInterface = "antrea-gw0";

    /// <summary>Antrea's virtual IPs: the SNAT source of external traffic to Pods, per family.</summary>
    public static readonly IReadOnlyList<string> ServiceSnatAddress = ["169.254.0.253", "fc01::aabb:ccdd:eeff"];

    /// <summary>Antrea's virtual IPs: the DNAT destination of NodePort traffic, per family.</summary>
    public static readonly IReadOnlyList<string> NodePortDnatAddress = ["169.254.0.252", "fc01::aabb:ccdd:eefe"];

    public static string SetComment(NftFamily family) => $"Set for storing {Version(family)} peer Pods CIDRs";

    public static string ExternalIPSetComment(NftFamily family) => $"Set for storing {Version(family)} LoadBalancer and External IPs";

    public static string PeerNodeSetComment(NftFamily family) => $"Set for storing {Version(family)} peer Node transport IPs";

    public static string OutboundRuleComment(NftFamily family) => RuleComment(family, "local Pod CIDR to remote Pod CIDRs");

    public static string InboundRuleComment(NftFamily family) => RuleComment(family, "remote Pod CIDRs to local Pod CIDR");

    /// <summary>A table HostAccel writes: the caller's comment and HostAccel's mark.</summary>
    public static NftTable Table(NftFamily family, string name, string comment = TableComment) =>
        new(family, name) { Comment = comment, Manager = Manager };

    /// <summary>An interval set of the family's addresses: the peer Pod CIDRs, or the external or peer Node IPs.</summary>
    public static NftSet AddressSet(NftFamily family, string table, string name, string? comment = null) =>
        new(family, table, name, family == NftFamily.Ip6 ? SetKeyType.Ipv6Address : SetKeyType.Ipv4Address)
        {
            Flags = SetFlags.Interval,
            Comment = comment ?? SetComment(family),
        };

    /// <summary>The forward base chain the rules live in: filter type, forward hook, priority filter, policy accept.</summary>
    public static NftChain ForwardChain(NftFamily family, string table, string name = ChainName, string comment = ChainComment) =>
        new(family, table, name) { Base = new BaseChain("filter", ChainHook.Forward, 0, ChainPolicy.Accept), Comment = comment };

    /// <summary>
    /// Where the rules of one family go and what they name: table, chain, flowtable and sets; and after how many packets
    /// a connection is offloaded (0: at once, the design document's rules).
    /// </summary>
    internal sealed record Names(NftFamily Family, string Table = TableName, string Chain = ChainName, string Flowtable = FlowtableName,
        string PeerSet = SetName, string ExternalSet = ExternalIPSetName, string NodeSet = PeerNodeSetName, int OffloadThreshold = 0);

    /// <summary>
    /// Pod-to-Pod (and Pod-to-Service after DNAT), the design document's two rules: from the gateway's local Pod CIDR
    /// out of the transport device to the peers, and back. <c>flow add</c> before <c>counter</c>, as there.
    /// </summary>
    public static NftRule[] PodToPod(Names n, uint gateway, uint transport, IpPrefix local, string? outboundComment = null, string? inboundComment = null) =>
    [
        Offload(n, Rule(n).Iif(gateway).SourceAddress(local).Oif(transport).DestinationInSet(n.PeerSet, V6(n)), outboundComment ?? OutboundRuleComment(n.Family)),
        Offload(n, Rule(n).Iif(transport).SourceInSet(n.PeerSet, V6(n)).Oif(gateway).DestinationAddress(local), inboundComment ?? InboundRuleComment(n.Family)),
    ];

    /// <summary>External-to-Pod, before SNAT: from Antrea's SNAT address on the gateway to the peers.</summary>
    public static NftRule ExternalToPod(Names n, uint gateway, uint transport, IpPrefix snat) =>
        Offload(n, Rule(n).Iif(gateway).SourceAddress(snat).Oif(transport).DestinationInSet(n.PeerSet, V6(n)), RuleComment(n.Family, "External-to-Pod before SNAT"));

    /// <summary>External-to-NodePort, after DNAT to Antrea's NodePort address, out of the gateway.</summary>
    public static NftRule ExternalToNodePort(Names n, uint gateway, IpPrefix dnat) =>
        Offload(n, Rule(n).Oif(gateway).DestinationAddress(dnat), RuleComment(n.Family, "External-to-NodePort after DNAT"));

    /// <summary>External-to-LoadBalancer IP and External IP: to the addresses of the external IP set, out of the gateway.</summary>
    public static NftRule ExternalIP(Names n, uint gateway) =>
        Offload(n, Rule(n).Oif(gateway).DestinationInSet(n.ExternalSet, V6(n)), RuleComment(n.Family, "External-to-LoadBalancer IP and External IP"));

    /// <summary>The slides' full-path rule: from the peer Nodes' transport IPs to the local Pod CIDR, on any device.</summary>
    public static NftRule FullPath(Names n, IpPrefix local) =>
        Offload(n, Rule(n).SourceInSet(n.NodeSet, V6(n)).DestinationAddress(local), RuleComment(n.Family, "remote Node transport IPs to local Pod CIDR (full path)"));

    private static RuleBuilder Rule(Names n) => new(n.Family, n.Table, n.Chain);

    /// <summary>
    /// <c>flow add @fastpath counter</c>; with an offload threshold, <c>ct packets &gt; N</c> before it, as kindnet and the
    /// kube-proxy flowtable prototype (KEP-4963) write it: a short connection ends on the slow path instead of paying
    /// for a flow entry it would hardly use.
    /// </summary>
    private static NftRule Offload(Names n, RuleBuilder rule, string comment) =>
        (n.OffloadThreshold > 0 ? rule.CtPacketsGreaterThan((ulong)n.OffloadThreshold) : rule).FlowAdd(n.Flowtable).Counter().Build(comment);

    private static string RuleComment(NftFamily family, string what) => $"Accelerate {Version(family)} connections: {what}";

    private static bool V6(Names n) => n.Family == NftFamily.Ip6;

    private static string Version(NftFamily family) => family == NftFamily.Ip6 ? "IPv6" : "IPv4";
}
