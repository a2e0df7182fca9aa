using System.Text.Json;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>Seed 000's objects through the real kernel, with `nft` as the independent reader and writer.</summary>
public sealed class SeedRoundTripTests : NamespaceTest
{

    public SeedRoundTripTests()
    {
        Ns.AddDevice("antrea-gw0", "gw-peer");
        Ns.AddDevice("eth0", "eth0-peer");
    }

    [Fact]
    public void WhatTheLibraryWritesNftListsExactlyAsTheSeed()
    {
        var tx = new NftTransaction();
        foreach (NftFamily family in new[] { NftFamily.Ip, NftFamily.Ip6 })
        {
            tx.AddTable(Seed.Table(family));
            tx.AddSet(Seed.PeerSet(family));
            tx.AddElements(Seed.PeerSet(family), Seed.PeerCidrs(family));
            tx.AddChain(Seed.Forward(family));
        }

        foreach (NftRule rule in Seed.ForwardRules(Ns.IfIndex("antrea-gw0"), Ns.IfIndex("eth0"), flowAdd: false))
        {
            tx.AddRule(rule);
        }

        Nft.Commit(tx);

        Assert.Equal(Seed.Fold(Seed.Ipv4Listing), Seed.Fold(Ns.Nft("list", "table", "ip", "antrea")));
        Assert.Equal(Seed.Fold(Seed.Ipv6Listing), Seed.Fold(Ns.Nft("list", "table", "ip6", "antrea")));

        JsonElement json = Ns.NftJson("list", "ruleset");
        JsonElement set = json.EnumerateArray().Single(e => e.TryGetProperty("set", out JsonElement s) && s.GetProperty("family").GetString() == "ip").GetProperty("set");
        Assert.Equal("Set for storing IPv4 peer Pods CIDRs", set.GetProperty("comment").GetString());
        Assert.Equal(["10.244.0.0/24", "10.244.1.0/24"], set.GetProperty("elem").EnumerateArray()
            .Select(e => $"{e.GetProperty("prefix").GetProperty("addr").GetString()}/{e.GetProperty("prefix").GetProperty("len").GetInt32()}"));
        string[] ruleComments = json.EnumerateArray().Where(e => e.TryGetProperty("rule", out _))
            .Select(e => e.GetProperty("rule").GetProperty("comment").GetString()!).ToArray();
        Assert.Equal([Seed.LocalToRemote, Seed.RemoteToLocal], ruleComments);
    }

    [Fact]
    public void WhatNftWritesTheLibraryDecodesIntoTheSameObjects()
    {
        Ns.NftLoad(Seed.Ipv4Listing + "\n" + Seed.Ipv6Listing);
        uint gw = Ns.IfIndex("antrea-gw0"), eth = Ns.IfIndex("eth0");

        foreach (NftFamily family in new[] { NftFamily.Ip, NftFamily.Ip6 })
        {
            NftTable table = Assert.Single(Nft.ListTables(family));
            Assert.Equal(Seed.Table(family), table with { Handle = 0 });
            Assert.NotEqual(0UL, table.Handle);

            NftSet set = Assert.Single(Nft.ListSets(family, "antrea"));
            Assert.Equal(Seed.PeerSet(family), set with { Handle = 0 });
            Assert.Equal(Seed.PeerCidrs(family), Nft.ListPrefixes(set));

            NftChain chain = Assert.Single(Nft.ListChains(family, "antrea"));
            Assert.Equal(Seed.Forward(family), chain with { Handle = 0 });
        }

        IReadOnlyList<NftRule> rules = Nft.ListRules(NftFamily.Ip, "antrea", "forward");
        Assert.Equal(Seed.ForwardRules(gw, eth, flowAdd: false), rules.Select(r => r with { Handle = 0 }));
        Assert.Empty(Nft.ListRules(NftFamily.Ip6, "antrea", "forward"));
        IReadOnlyDictionary<uint, string> devices = Nft.Interfaces();
        Assert.Equal(
            "iif \"antrea-gw0\" ip saddr 10.244.2.0/24 oif \"eth0\" ip daddr @peer-pod-cidr counter packets 0 bytes 0 comment \"" + Seed.LocalToRemote + "\"",
            RuleText.Body(rules[0], i => devices.GetValueOrDefault(i)));
    }

    [Fact]
    public void TheRulesOfSeed001DecodeAndRenderAsNftWroteThem()
    {
        Ns.NftLoad("""
            table ip antrea {
                set lb-ips { type ipv4_addr; elements = { 172.18.0.151 } }
                chain forward {
                    type filter hook forward priority filter; policy accept;
                    iif "antrea-gw0" ip saddr 10.10.0.0/24 oif "eth0" ip daddr 10.10.1.0/24 counter
                    iif "antrea-gw0" ip saddr 169.254.0.253 oif "eth0" ip daddr 10.10.1.0/24 counter
                    oif "antrea-gw0" ip daddr 169.254.0.252 counter
                    oif "antrea-gw0" ip daddr 172.18.0.151 counter
                    oif "antrea-gw0" ip daddr @lb-ips counter
                    ip saddr 172.18.0.2 ip daddr 10.10.1.0/24 counter
                    iifname "eth0" ip saddr 10.0.0.0/9 ct state established,related accept
                    meta l4proto tcp counter drop
                }
            }
            """);
        IReadOnlyDictionary<uint, string> devices = Nft.Interfaces();
        string[] rendered = Nft.ListRules(NftFamily.Ip, "antrea", "forward").Select(r => RuleText.Body(r, i => devices.GetValueOrDefault(i))).ToArray();
        Assert.Equal(
            [
                "iif \"antrea-gw0\" ip saddr 10.10.0.0/24 oif \"eth0\" ip daddr 10.10.1.0/24 counter packets 0 bytes 0",
                "iif \"antrea-gw0\" ip saddr 169.254.0.253 oif \"eth0\" ip daddr 10.10.1.0/24 counter packets 0 bytes 0",
                "oif \"antrea-gw0\" ip daddr 169.254.0.252 counter packets 0 bytes 0",
                "oif \"antrea-gw0\" ip daddr 172.18.0.151 counter packets 0 bytes 0",
                "oif \"antrea-gw0\" ip daddr @lb-ips counter packets 0 bytes 0",
                "ip saddr 172.18.0.2 ip daddr 10.10.1.0/24 counter packets 0 bytes 0",
                "iifname \"eth0\" ip saddr 10.0.0.0/9 ct state established,related accept",
                "meta l4proto tcp counter packets 0 bytes 0 drop",
            ],
            rendered);

        // The builder emits what nft emitted for the same statements.
        uint gw = Ns.IfIndex("antrea-gw0"), eth = Ns.IfIndex("eth0");
        IReadOnlyList<NftRule> rules = Nft.ListRules(NftFamily.Ip, "antrea", "forward");
        Assert.Equal(
            new RuleBuilder(NftFamily.Ip, "antrea", "forward").Iif(gw).SourceAddress(IpPrefix.Parse("169.254.0.253")).Oif(eth).DestinationAddress(IpPrefix.Parse("10.10.1.0/24")).Counter().Build(),
            rules[1] with { Handle = 0 });
        Assert.Equal(
            new RuleBuilder(NftFamily.Ip, "antrea", "forward").IifName("eth0").SourceAddress(IpPrefix.Parse("10.0.0.0/9")).CtState(CtState.Established | CtState.Related).Accept().Build(),
            rules[6] with { Handle = 0 });
        Assert.Equal(
            new RuleBuilder(NftFamily.Ip, "antrea", "forward").L4Proto(6).Counter().Drop().Build(),
            rules[7] with { Handle = 0 });

        NftSet lbIps = Nft.ListSets(NftFamily.Ip, "antrea").Single(s => s.Name == "lb-ips");
        Assert.False(lbIps.IsInterval);
        Assert.Equal([IpPrefix.Parse("172.18.0.151/32")], Nft.ListPrefixes(lbIps));
    }
}
