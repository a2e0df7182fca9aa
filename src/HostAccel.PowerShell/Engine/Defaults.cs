using HostAccel.Native.Nftables;

namespace HostAccel.PowerShell.Engine;

/// <summary>The names and comments of seed 000 (Antrea's hostNetworkAcceleration), HostAccel's defaults.</summary>
internal static class Defaults
{
    public const string TableName = "antrea";
    public const string TableComment = "Rules for Antrea";

    /// <summary>The manager mark HostAccel writes in the userdata of the tables it creates.</summary>
    public const string Manager = "hostaccel";
    public const string SetName = "peer-pod-cidr";
    public const string FlowtableName = "fastpath";
    public const string ChainName = "forward";
    public const string ChainComment = "Forward chain for storing rules";
    public const string GatewayInterface = "antrea-gw0";

    /// <summary>Antrea's virtual IPs: the SNAT source of external traffic to Pods, per family.</summary>
    public static readonly IReadOnlyList<string> ServiceSnatAddress = ["169.254.0.253", "fc01::aabb:ccdd:eeff"];

    /// <summary>Antrea's virtual IPs: the DNAT destination of NodePort traffic, per family.</summary>
    public static readonly IReadOnlyList<string> NodePortDnatAddress = ["169.254.0.252", "fc01::aabb:ccdd:eefe"];

    public static string SetComment(NftFamily family) => $"Set for storing {Version(family)} peer Pods CIDRs";

    public static string OutboundRuleComment(NftFamily family) => $"Accelerate {Version(family)} connections: local Pod CIDR to remote Pod CIDRs";

    public static string InboundRuleComment(NftFamily family) => $"Accelerate {Version(family)} connections: remote Pod CIDRs to local Pod CIDR";

    private static string Version(NftFamily family) => family == NftFamily.Ip6 ? "IPv6" : "IPv4";
}
