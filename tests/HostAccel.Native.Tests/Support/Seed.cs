using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;

namespace HostAccel.Native.Tests.Support;

/// <summary>The objects of seed 000 (Antrea's design), in both families; the forward rules without `flow add`
/// where the kernel has no flowtable.</summary>
public static class Seed
{
    public const string TableComment = "Rules for Antrea";
    public const string ChainComment = "Forward chain for storing rules";
    public const string LocalToRemote = "Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs";
    public const string RemoteToLocal = "Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR";

    public static NftTable Table(NftFamily family) => new(family, "antrea") { Comment = TableComment };

    public static NftSet PeerSet(NftFamily family) => family == NftFamily.Ip
        ? new(family, "antrea", "peer-pod-cidr", SetKeyType.Ipv4Address) { Flags = SetFlags.Interval, Comment = "Set for storing IPv4 peer Pods CIDRs" }
        : new(family, "antrea", "peer-pod-cidr", SetKeyType.Ipv6Address) { Flags = SetFlags.Interval, Comment = "Set for storing IPv6 peer Pods CIDRs" };

    public static IpPrefix[] PeerCidrs(NftFamily family) => family == NftFamily.Ip
        ? [IpPrefix.Parse("10.244.0.0/24"), IpPrefix.Parse("10.244.1.0/24")]
        : [IpPrefix.Parse("fd00:10:244::/64"), IpPrefix.Parse("fd00:10:244:1::/64")];

    public static NftChain Forward(NftFamily family) =>
        new(family, "antrea", "forward") { Base = new BaseChain("filter", ChainHook.Forward, 0, ChainPolicy.Accept), Comment = ChainComment };

    public static NftFlowtable Fastpath(NftFamily family) =>
        new(family, "antrea", "fastpath") { Priority = 0, Devices = new[] { "antrea-gw0", "eth0" } };

    public static NftRule[] ForwardRules(uint gw, uint eth, bool flowAdd)
    {
        IpPrefix local = IpPrefix.Parse("10.244.2.0/24");
        RuleBuilder out1 = new RuleBuilder(NftFamily.Ip, "antrea", "forward").Iif(gw).SourceAddress(local).Oif(eth).DestinationInSet("peer-pod-cidr", false);
        RuleBuilder in1 = new RuleBuilder(NftFamily.Ip, "antrea", "forward").Iif(eth).SourceInSet("peer-pod-cidr", false).Oif(gw).DestinationAddress(local);
        if (flowAdd)
        {
            out1.FlowAdd("fastpath");
            in1.FlowAdd("fastpath");
        }

        return [out1.Counter().Build(LocalToRemote), in1.Counter().Build(RemoteToLocal)];
    }

    /// <summary>The listing nft gives of the IPv4 table, flowtable left out.</summary>
    public const string Ipv4Listing = """
        table ip antrea {
            comment "Rules for Antrea"
            set peer-pod-cidr {
                type ipv4_addr
                flags interval
                comment "Set for storing IPv4 peer Pods CIDRs"
                elements = { 10.244.0.0/24, 10.244.1.0/24 }
            }
            chain forward {
                comment "Forward chain for storing rules"
                type filter hook forward priority filter; policy accept;
                iif "antrea-gw0" ip saddr 10.244.2.0/24 oif "eth0" ip daddr @peer-pod-cidr counter packets 0 bytes 0 comment "Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs"
                iif "eth0" ip saddr @peer-pod-cidr oif "antrea-gw0" ip daddr 10.244.2.0/24 counter packets 0 bytes 0 comment "Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR"
            }
        }
        """;

    public const string Ipv6Listing = """
        table ip6 antrea {
            comment "Rules for Antrea"
            set peer-pod-cidr {
                type ipv6_addr
                flags interval
                comment "Set for storing IPv6 peer Pods CIDRs"
                elements = { fd00:10:244::/64, fd00:10:244:1::/64 }
            }
            chain forward {
                comment "Forward chain for storing rules"
                type filter hook forward priority filter; policy accept;
            }
        }
        """;

    /// <summary>Whitespace folded, so nft's line wrapping of long element lists does not matter.</summary>
    public static string Fold(string text) => string.Join(' ', text.Split((char[])[' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
}
