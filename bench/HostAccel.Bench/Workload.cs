using System.Text;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;

namespace HostAccel.Bench;

/// <summary>
/// Seed 000's IPv4 objects with N peer Pod CIDRs (table, interval set, forward chain, its two counted rules; no
/// flowtable and no <c>flow add</c>, which this host's kernel lacks), and the one-element changes measured on them.
/// </summary>
internal sealed class Workload
{
    public const string TableName = "antrea";
    public const string SetName = "peer-pod-cidr";

    public Workload(int count)
    {
        // /28s 32 addresses apart from 10.0.0.0: no two intervals touch, 100 000 of them stay below 10.49.0.0.
        Peers = Enumerable.Range(0, count).Select(i => IpPrefix.Create(false, 0x0A000000u + (uint)i * 32, 28)).ToArray();
        Replaced = Peers[count / 2];
        SwappedPeers = Peers.Select(p => p == Replaced ? Replacement : p).ToArray();
    }

    public IpPrefix[] Peers { get; }

    /// <summary>The element added then removed by the add/remove measures; never in the set otherwise.</summary>
    public IpPrefix Extra { get; } = IpPrefix.Parse("11.0.0.0/28");

    /// <summary>The sync's one change: <see cref="Replaced"/> gives way to <see cref="Replacement"/> and back.</summary>
    public IpPrefix Replaced { get; }

    public IpPrefix Replacement { get; } = IpPrefix.Parse("11.0.1.0/28");

    public IpPrefix[] SwappedPeers { get; }

    /// <summary>With HostAccel's manager mark, as its own tables have it: the sync measure acts on it without -Force.</summary>
    public static NftTable Table { get; } = new(NftFamily.Ip, TableName) { Comment = "Rules for Antrea", Manager = PowerShell.Engine.Design.Manager };

    public static NftSet Set { get; } = new(NftFamily.Ip, TableName, SetName, SetKeyType.Ipv4Address)
    {
        Flags = SetFlags.Interval,
        Comment = "Set for storing IPv4 peer Pods CIDRs",
    };

    public static NftChain Forward { get; } = new(NftFamily.Ip, TableName, "forward")
    {
        Base = new BaseChain("filter", ChainHook.Forward, 0, ChainPolicy.Accept),
        Comment = "Forward chain for storing rules",
    };

    private static readonly IpPrefix Local = IpPrefix.Parse("10.244.2.0/24");
    private const string LocalToRemote = "Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs";
    private const string RemoteToLocal = "Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR";

    /// <summary>The whole seed as one transaction, as HostAccel applies it.</summary>
    public NftTransaction Apply(uint gw, uint eth)
    {
        var tx = new NftTransaction();
        tx.AddTable(Table);
        tx.AddSet(Set);
        tx.AddElements(Set, Peers);
        tx.AddChain(Forward);
        tx.AddRule(new RuleBuilder(NftFamily.Ip, TableName, "forward").Iif(gw).SourceAddress(Local).Oif(eth).DestinationInSet(SetName, false).Counter().Build(LocalToRemote));
        tx.AddRule(new RuleBuilder(NftFamily.Ip, TableName, "forward").Iif(eth).SourceInSet(SetName, false).Oif(gw).DestinationAddress(Local).Counter().Build(RemoteToLocal));
        return tx;
    }

    /// <summary>The same objects as an nft script, for <c>nft -f</c>.</summary>
    public string NftScript()
    {
        var text = new StringBuilder(64 * Peers.Length + 1024);
        text.Append("table ip antrea {\n")
            .Append("  comment \"Rules for Antrea\"\n")
            .Append("  set peer-pod-cidr {\n    type ipv4_addr\n    flags interval\n    comment \"Set for storing IPv4 peer Pods CIDRs\"\n    elements = { ")
            .AppendJoin(", ", Peers)
            .Append(" }\n  }\n")
            .Append("  chain forward {\n    comment \"Forward chain for storing rules\"\n    type filter hook forward priority filter; policy accept;\n")
            .Append($"    iif \"antrea-gw0\" ip saddr {Local} oif \"eth0\" ip daddr @peer-pod-cidr counter comment \"{LocalToRemote}\"\n")
            .Append($"    iif \"eth0\" ip saddr @peer-pod-cidr oif \"antrea-gw0\" ip daddr {Local} counter comment \"{RemoteToLocal}\"\n")
            .Append("  }\n}\n");
        return text.ToString();
    }

    /// <summary>The one-change sync as an nft script: nft is handed the diff, it does not compute it.</summary>
    public static string NftSwapScript(IpPrefix remove, IpPrefix add) =>
        $"delete element ip antrea peer-pod-cidr {{ {remove} }}\nadd element ip antrea peer-pod-cidr {{ {add} }}\n";
}
