using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;

namespace HostAccel.VmChecks;

/// <summary>Seed 000's IPv4 objects for a router whose devices are antrea-gw0 and eth0.</summary>
internal static class SeedObjects
{
    public static readonly NftTable Table = new(NftFamily.Ip, "antrea") { Comment = "Rules for Antrea" };

    public static readonly NftSet PeerSet = new(NftFamily.Ip, "antrea", "peer-pod-cidr", SetKeyType.Ipv4Address)
    {
        Flags = SetFlags.Interval,
        Comment = "Set for storing IPv4 peer Pods CIDRs",
    };

    public static readonly NftFlowtable Fastpath = new(NftFamily.Ip, "antrea", "fastpath") { Devices = new[] { "antrea-gw0", "eth0" } };

    public static readonly NftChain Forward = new(NftFamily.Ip, "antrea", "forward")
    {
        Base = new BaseChain("filter", ChainHook.Forward, 0),
        Comment = "Forward chain for storing rules",
    };

    public static NftRule[] Rules(NftConnection nft, string local, bool flowAdd, bool trackConnections = false)
    {
        uint gw = nft.InterfaceIndex("antrea-gw0") ?? throw new InvalidOperationException("no antrea-gw0");
        uint eth = nft.InterfaceIndex("eth0") ?? throw new InvalidOperationException("no eth0");
        IpPrefix localCidr = IpPrefix.Parse(local);
        RuleBuilder outbound = new RuleBuilder(NftFamily.Ip, "antrea", "forward").Iif(gw).SourceAddress(localCidr).Oif(eth).DestinationInSet("peer-pod-cidr", false);
        RuleBuilder inbound = new RuleBuilder(NftFamily.Ip, "antrea", "forward").Iif(eth).SourceInSet("peer-pod-cidr", false).Oif(gw).DestinationAddress(localCidr);
        if (flowAdd)
        {
            outbound.FlowAdd("fastpath");
            inbound.FlowAdd("fastpath");
        }

        var rules = new List<NftRule>
        {
            outbound.Counter().Build("Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs"),
            inbound.Counter().Build("Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR"),
        };
        if (trackConnections)
        {
            // Without acceleration a node's forward path still runs conntrack: keep the baseline honest.
            rules.Add(new RuleBuilder(NftFamily.Ip, "antrea", "forward").CtState(HostAccel.Native.Nftables.Expressions.CtState.Established | HostAccel.Native.Nftables.Expressions.CtState.New).Counter().Build());
        }

        return rules.ToArray();
    }

    /// <summary>The whole configuration, in one transaction.</summary>
    public static void Apply(NftConnection nft, string local, string peer, bool accelerate)
    {
        var tx = new NftTransaction();
        tx.AddTable(Table);
        tx.AddSet(PeerSet);
        tx.AddElements(PeerSet, [IpPrefix.Parse(peer)]);
        if (accelerate)
        {
            tx.AddFlowtable(Fastpath);
        }

        tx.AddChain(Forward);
        foreach (NftRule rule in Rules(nft, local, flowAdd: accelerate, trackConnections: !accelerate))
        {
            tx.AddRule(rule);
        }

        nft.Commit(tx, nft.GetGeneration());
    }

    public static void Remove(NftConnection nft)
    {
        var tx = new NftTransaction();
        tx.DeleteTable(Table);
        nft.Commit(tx);
    }
}
