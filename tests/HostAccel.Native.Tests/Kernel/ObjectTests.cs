using System.Text.Json;
using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>
/// Objects changed one at a time through the library, each step checked with `nft -j`: deletes by name and handle,
/// single elements in and out of interval and plain sets (the ends of the address space included), flushes, inet
/// rules, drop policies and priorities.
/// </summary>
public sealed class ObjectTests : NamespaceTest
{

    [Fact]
    public void DeletingATableAChainAndASetByNameRemovesExactlyThem()
    {
        Ns.NftLoad("""
            table ip keep {
                set s1 { type ipv4_addr; elements = { 10.0.0.1 }; }
                set s2 { type ipv4_addr; flags interval; elements = { 10.1.0.0/16 }; }
                chain c1 { type filter hook forward priority filter; policy accept; counter; }
                chain c2 { }
            }
            table ip gone { chain c { }; }
            table ip6 gone { }
            """);

        // Built by hand, not read back: no handles, so the messages carry names.
        var tx = new NftTransaction();
        tx.DeleteChain(new NftChain(NftFamily.Ip, "keep", "c2"));
        tx.DeleteSet(new NftSet(NftFamily.Ip, "keep", "s2", SetKeyType.Ipv4Address));
        tx.DeleteTable(new NftTable(NftFamily.Ip, "gone"));
        Nft.Commit(tx);

        Assert.Equal(["ip keep", "ip6 gone"], NftOracle.Objects(Ns, "table").Select(t => $"{t.GetProperty("family").GetString()} {t.GetProperty("name").GetString()}"));
        Assert.Equal(["c1"], NftOracle.Objects(Ns, "chain").Select(c => c.GetProperty("name").GetString()));
        Assert.Equal(["s1"], NftOracle.Objects(Ns, "set").Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(["s1"], Nft.ListSets(NftFamily.Ip, "keep").Select(s => s.Name));
        Assert.Single(NftOracle.Objects(Ns, "rule"));

        // A chain that still holds rules goes with them, as `nft delete chain` (which sends no NLM_F_NONREC) does.
        var withRules = new NftTransaction();
        withRules.DeleteChain(new NftChain(NftFamily.Ip, "keep", "c1"));
        Nft.Commit(withRules);
        Assert.Empty(NftOracle.Objects(Ns, "chain"));
        Assert.Empty(NftOracle.Objects(Ns, "rule"));
    }

    [Fact]
    public void DeletingARuleByItsHandleRemovesOnlyThatRule()
    {
        Ns.NftLoad("""
            table ip t {
                chain c {
                    ip saddr 10.0.0.1 counter
                    ip saddr 10.0.0.2 counter
                    ip saddr 10.0.0.3 counter
                }
                chain d { ip saddr 10.0.0.2 counter; }
            }
            """);
        IReadOnlyList<NftRule> rules = Nft.ListRules(NftFamily.Ip, "t", "c");
        Assert.Equal(3, rules.Count);
        Assert.Equal(
            NftOracle.Objects(Ns, "rule").Where(r => r.GetProperty("chain").GetString() == "c").Select(r => r.GetProperty("handle").GetUInt64()),
            rules.Select(r => r.Handle));

        var tx = new NftTransaction();
        tx.DeleteRule(rules[1]);
        Nft.Commit(tx);

        List<JsonElement> left = NftOracle.Objects(Ns, "rule");
        Assert.Equal([rules[0].Handle, rules[2].Handle], left.Where(r => r.GetProperty("chain").GetString() == "c").Select(r => r.GetProperty("handle").GetUInt64()));
        Assert.Single(left, r => r.GetProperty("chain").GetString() == "d");
        Assert.Equal(["ip saddr 10.0.0.1 counter packets 0 bytes 0", "ip saddr 10.0.0.3 counter packets 0 bytes 0"],
            Nft.ListRules(NftFamily.Ip, "t", "c").Select(r => RuleText.Body(r, null)));

        // The handle is gone: deleting it again names the rule and changes nothing.
        string before = NftOracle.Ruleset(Ns);
        NetlinkException error = Assert.Throws<NetlinkException>(() => Nft.Commit(tx));
        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.Equal($"deleting rule handle {rules[1].Handle} from chain ip t c", error.Operation);
        Assert.Equal(before, NftOracle.Ruleset(Ns));
    }

    [Fact]
    public void IPv4IntervalElementsComeAndGoOneAtATimeUpToTheEndOfTheAddressSpace()
    {
        NftSet set = CreateSet(NftFamily.Ip, SetKeyType.Ipv4Address, interval: true);
        Step(set, tx => tx.AddElements(set, P("10.0.0.0/24", "10.0.1.0/24", "192.168.1.1/32", "255.255.255.0/24")),
            "10.0.0.0/24", "10.0.1.0/24", "192.168.1.1/32", "255.255.255.0/24");
        Step(set, tx => tx.AddElements(set, P("0.0.0.0/8")),
            "0.0.0.0/8", "10.0.0.0/24", "10.0.1.0/24", "192.168.1.1/32", "255.255.255.0/24");
        Step(set, tx => tx.DeleteElements(set, P("10.0.0.0/24")),
            "0.0.0.0/8", "10.0.1.0/24", "192.168.1.1/32", "255.255.255.0/24");

        // Adjacent to an interval already there, below and above it, each in a commit of its own; then once more.
        Step(set, tx => tx.AddElements(set, P("10.0.0.0/24")),
            "0.0.0.0/8", "10.0.0.0/24", "10.0.1.0/24", "192.168.1.1/32", "255.255.255.0/24");
        Step(set, tx => tx.AddElements(set, P("10.0.2.0/23")),
            "0.0.0.0/8", "10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/23", "192.168.1.1/32", "255.255.255.0/24");
        Step(set, tx => tx.AddElements(set, P("10.0.2.0/23")),
            "0.0.0.0/8", "10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/23", "192.168.1.1/32", "255.255.255.0/24");
        Step(set, tx => tx.DeleteElements(set, P("10.0.1.0/24", "10.0.0.0/24")),
            "0.0.0.0/8", "10.0.2.0/23", "192.168.1.1/32", "255.255.255.0/24");
        Step(set, tx => tx.AddElements(set, P("10.0.1.0/24")),
            "0.0.0.0/8", "10.0.1.0/24", "10.0.2.0/23", "192.168.1.1/32", "255.255.255.0/24");
        Step(set, tx => tx.DeleteElements(set, P("10.0.2.0/23")),
            "0.0.0.0/8", "10.0.1.0/24", "192.168.1.1/32", "255.255.255.0/24");

        Step(set, tx => tx.DeleteElements(set, P("255.255.255.0/24")),
            "0.0.0.0/8", "10.0.1.0/24", "192.168.1.1/32");
        Step(set, tx => tx.AddElements(set, P("255.255.255.255/32", "192.168.1.2/32")),
            "0.0.0.0/8", "10.0.1.0/24", "192.168.1.1/32", "192.168.1.2/32", "255.255.255.255/32");
        Step(set, tx => tx.DeleteElements(set, P("192.168.1.1/32")),
            "0.0.0.0/8", "10.0.1.0/24", "192.168.1.2/32", "255.255.255.255/32");
        Step(set, tx => tx.DeleteElements(set, P("0.0.0.0/8", "10.0.1.0/24", "192.168.1.2/32", "255.255.255.255/32")));
        Step(set, tx => tx.AddElements(set, P("10.0.0.0/24")), "10.0.0.0/24");
    }

    [Fact]
    public void IPv6IntervalElementsComeAndGoOneAtATimeUpToTheEndOfTheAddressSpace()
    {
        NftSet set = CreateSet(NftFamily.Ip6, SetKeyType.Ipv6Address, interval: true);
        Step(set, tx => tx.AddElements(set, P("fd00::/64", "fd00:0:0:1::/64", "2001:db8::/32", "::1/128", "ffff::/16")),
            "::1/128", "2001:db8::/32", "fd00::/64", "fd00:0:0:1::/64", "ffff::/16");
        Step(set, tx => tx.DeleteElements(set, P("ffff::/16")),
            "::1/128", "2001:db8::/32", "fd00::/64", "fd00:0:0:1::/64");
        Step(set, tx => tx.AddElements(set, P("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", "::/128")),
            "::/128", "::1/128", "2001:db8::/32", "fd00::/64", "fd00:0:0:1::/64", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
        Step(set, tx => tx.DeleteElements(set, P("fd00::/64", "::/128")),
            "::1/128", "2001:db8::/32", "fd00:0:0:1::/64", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
        Step(set, tx => tx.DeleteElements(set, P("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", "::1/128")),
            "2001:db8::/32", "fd00:0:0:1::/64");
        Step(set, tx => tx.AddElements(set, P("ffff::/16")), "2001:db8::/32", "fd00:0:0:1::/64", "ffff::/16");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ASetFilledInTheTransactionThatCreatesItKeepsEachPrefixDeletable(bool ipv6)
    {
        NftFamily family = ipv6 ? NftFamily.Ip6 : NftFamily.Ip;
        var set = new NftSet(family, "t", "s", ipv6 ? SetKeyType.Ipv6Address : SetKeyType.Ipv4Address) { Flags = SetFlags.Interval };
        string[] all = ipv6
            ? ["fd00:10:244::/64", "fd00:10:244:1::/64", "ffff::/16"]
            : ["10.244.0.0/24", "10.244.1.0/24", "255.255.255.0/24"];
        var tx = new NftTransaction();
        tx.AddTable(new NftTable(family, "t"));
        tx.AddSet(set);
        tx.AddElements(set, P(all));
        Nft.Commit(tx);
        Check(set, all);

        Step(set, t => t.DeleteElements(set, P(all[0])), all[1], all[2]);
        Step(set, t => t.DeleteElements(set, P(all[2])), all[1]);
        Step(set, t => t.AddElements(set, P(all[0])), all[0], all[1]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SingleAddressesComeAndGoInASetWithoutIntervals(bool ipv6)
    {
        NftSet set = CreateSet(ipv6 ? NftFamily.Ip6 : NftFamily.Ip, ipv6 ? SetKeyType.Ipv6Address : SetKeyType.Ipv4Address, interval: false);
        string[] all = ipv6
            ? ["::/128", "::1/128", "fd00::151/128", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"]
            : ["0.0.0.0/32", "172.18.0.151/32", "172.18.0.152/32", "255.255.255.255/32"];
        Step(set, tx => tx.AddElements(set, P(all)), all);
        Step(set, tx => tx.DeleteElements(set, P(all[1])), all[0], all[2], all[3]);
        Step(set, tx => tx.DeleteElements(set, P(all[0], all[3])), all[2]);
        Step(set, tx => tx.AddElements(set, P(all[1])), all[1], all[2]);

        Assert.Throws<ArgumentException>(() => new NftTransaction().AddElements(set, P(ipv6 ? "fd00::/64" : "10.0.0.0/24")));
    }

    [Fact]
    public void DeletingAnElementThatIsNotThereFailsAndChangesNothing()
    {
        NftSet set = CreateSet(NftFamily.Ip, SetKeyType.Ipv4Address, interval: true);
        Step(set, tx => tx.AddElements(set, P("10.0.0.0/24")), "10.0.0.0/24");
        string before = NftOracle.Ruleset(Ns);

        var tx = new NftTransaction();
        tx.AddElements(set, P("10.0.1.0/24"));
        tx.DeleteElements(set, P("10.9.9.0/24"));
        NetlinkException error = Assert.Throws<NetlinkException>(() => Nft.Commit(tx));
        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.Equal("deleting 10.9.9.0/24 from set ip t s", error.Operation);
        Assert.Equal(before, NftOracle.Ruleset(Ns));
    }

    [Fact]
    public void AddingElementToMissingSetFailsAndChangesNothing()
    {
        CreateSet(NftFamily.Ip, SetKeyType.Ipv4Address, interval: true);
        string before = NftOracle.Ruleset(Ns);
        var missing = new NftSet(NftFamily.Ip, "t", "missing", SetKeyType.Ipv4Address) { Flags = SetFlags.Interval };
        var tx = new NftTransaction();
        tx.AddElements(missing, P("10.0.0.0/24", "10.0.2.0/24"));
        NetlinkException error = Assert.Throws<NetlinkException>(() => Nft.Commit(tx));
        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.StartsWith("adding 2 prefixes to set ip t missing: No such file or directory (ENOENT)", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, NftOracle.Ruleset(Ns));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FlushingASetEmptiesItAndItCanBeFilledAgain(bool interval)
    {
        NftSet set = CreateSet(NftFamily.Ip, SetKeyType.Ipv4Address, interval);
        string[] some = interval ? ["10.0.0.0/24", "192.168.1.1/32", "255.255.255.0/24"] : ["10.0.0.1/32", "10.0.0.2/32"];
        Step(set, tx => tx.AddElements(set, P(some)), some);
        Step(set, tx => tx.FlushSet(set));
        Assert.Empty(Nft.ListSetElements(set));
        Step(set, tx => tx.AddElements(set, P(some[^1])), some[^1]);

        // The set itself stays, with its flags.
        NftSet listed = Assert.Single(Nft.ListSets(NftFamily.Ip, "t"));
        Assert.Equal(interval, listed.IsInterval);
    }

    [Fact]
    public void InetRulesGainMetaNfprotoBeforeAddressesAndRenderBackAsNftReadsThem()
    {
        Ns.NftLoad("""
            table inet hostaccel {
                set peers4 { type ipv4_addr; flags interval; }
                chain forward { type filter hook forward priority filter; policy accept; }
                chain copy { }
            }
            """);
        NftRule[] rules =
        [
            new RuleBuilder(NftFamily.Inet, "hostaccel", "forward").SourceAddress(IpPrefix.Parse("10.244.2.0/24")).Counter().Build(),
            new RuleBuilder(NftFamily.Inet, "hostaccel", "forward").DestinationAddress(IpPrefix.Parse("fd00:10:244::/64")).Accept().Build(),
            new RuleBuilder(NftFamily.Inet, "hostaccel", "forward").NfProto(NftFamily.Ip6).SourceAddress(IpPrefix.Parse("fd00::/9")).Counter().Build("v6"),
            new RuleBuilder(NftFamily.Inet, "hostaccel", "forward").SourceInSet("peers4", false).DestinationAddress(IpPrefix.Parse("10.0.0.1")).Drop().Build(),
            new RuleBuilder(NftFamily.Inet, "hostaccel", "forward").L4Proto(6).Counter().Build(),
        ];
        var tx = new NftTransaction();
        foreach (NftRule rule in rules)
        {
            tx.AddRule(rule);
        }

        Nft.Commit(tx);

        IReadOnlyList<NftRule> listed = Nft.ListRules(NftFamily.Inet, "hostaccel", "forward");
        Assert.Equal(rules, listed.Select(r => r with { Handle = 0 }));
        string[] bodies = listed.Select(r => RuleText.Body(r, null)).ToArray();
        Assert.Equal(
            [
                "meta nfproto ipv4 ip saddr 10.244.2.0/24 counter packets 0 bytes 0",
                "meta nfproto ipv6 ip6 daddr fd00:10:244::/64 accept",
                "meta nfproto ipv6 ip6 saddr fd00::/9 counter packets 0 bytes 0 comment \"v6\"",
                "meta nfproto ipv4 ip saddr @peers4 ip daddr 10.0.0.1 drop",
                "meta l4proto tcp counter packets 0 bytes 0",
            ],
            bodies);

        // nft leaves out the nfproto it would have added itself: the bytes are the ones nft writes for these lines.
        Assert.Equal(
            [
                "ip saddr 10.244.2.0/24 counter packets 0 bytes 0",
                "ip6 daddr fd00:10:244::/64 accept",
                "ip6 saddr fd00::/9 counter packets 0 bytes 0 comment \"v6\"",
                "ip saddr @peers4 ip daddr 10.0.0.1 drop",
                "meta l4proto tcp counter packets 0 bytes 0",
            ],
            RuleLines(Ns.Nft("list", "chain", "inet", "hostaccel", "forward")));

        // And what the library renders, nft reads back into the same expressions.
        foreach (string body in bodies)
        {
            Ns.Nft("add", "rule", "inet", "hostaccel", "copy", body);
        }

        Assert.Equal(rules.Select(r => r with { Chain = "copy" }), Nft.ListRules(NftFamily.Inet, "hostaccel", "copy").Select(r => r with { Handle = 0 }));

        Assert.Throws<ArgumentException>(() => new RuleBuilder(NftFamily.Inet, "hostaccel", "forward")
            .SourceAddress(IpPrefix.Parse("10.0.0.0/8")).DestinationAddress(IpPrefix.Parse("fd00::/8")));
    }

    [Fact]
    public void ABaseChainWithPolicyDropIsWrittenAndReadBack()
    {
        var chain = new NftChain(NftFamily.Ip, "t", "forward") { Base = new BaseChain("filter", ChainHook.Forward, 0, ChainPolicy.Drop), Comment = "closed" };
        var tx = new NftTransaction();
        tx.AddTable(new NftTable(NftFamily.Ip, "t"));
        tx.AddChain(chain);
        Nft.Commit(tx);

        JsonElement json = Assert.Single(NftOracle.Objects(Ns, "chain"));
        Assert.Equal("drop", json.GetProperty("policy").GetString());
        Assert.Equal("forward", json.GetProperty("hook").GetString());
        Assert.Equal("filter", json.GetProperty("type").GetString());
        Assert.Equal(0, json.GetProperty("prio").GetInt32());
        Assert.Contains("comment \"closed\"", Ns.Nft("list", "chain", "ip", "t", "forward").Split('\n', StringSplitOptions.TrimEntries));
        Assert.Equal(chain, Assert.Single(Nft.ListChains(NftFamily.Ip, "t")) with { Handle = 0 });
        Assert.Equal(chain.Base!.ToString(), TypeLine(Ns.Nft("list", "chain", "ip", "t", "forward")));

        // Read back after nft turns it to accept, the policy follows.
        Ns.Nft("add", "chain", "ip", "t", "forward", "{ type filter hook forward priority filter; policy accept; }");
        Assert.Equal(ChainPolicy.Accept, Assert.Single(Nft.ListChains(NftFamily.Ip, "t")).Base!.Policy);
    }

    [Theory]
    [InlineData(ChainHook.Forward, -150, "mangle")]
    [InlineData(ChainHook.Forward, -145, "mangle + 5")]
    [InlineData(ChainHook.Forward, -300, "raw")]
    [InlineData(ChainHook.Forward, -310, "raw - 10")]
    [InlineData(ChainHook.Forward, 0, "filter")]
    [InlineData(ChainHook.Forward, 10, "filter + 10")]
    [InlineData(ChainHook.Forward, 11, "11")]
    [InlineData(ChainHook.Forward, 50, "security")]
    [InlineData(ChainHook.Forward, -200, "-200")]
    [InlineData(ChainHook.Prerouting, -100, "dstnat")]
    [InlineData(ChainHook.Postrouting, 100, "srcnat")]
    [InlineData(ChainHook.Postrouting, 95, "srcnat - 5")]
    public void AChainPriorityIsWrittenReadBackAndNamedAsNftNamesIt(ChainHook hook, int priority, string name)
    {
        NftChain chain = AddBaseChain(hook, priority);
        NftChain listed = Assert.Single(Nft.ListChains(NftFamily.Ip, "t"));
        Assert.Equal(chain, listed with { Handle = 0 });
        Assert.Equal(priority, Assert.Single(NftOracle.Objects(Ns, "chain")).GetProperty("prio").GetInt32());
        Assert.Equal($"type filter hook {hook.ToString().ToLowerInvariant()} priority {name}; policy accept;", TypeLine(Ns.Nft("list", "chain", "ip", "t", "c")));
        Assert.Equal(TypeLine(Ns.Nft("list", "chain", "ip", "t", "c")), listed.Base!.ToString());
    }

    [Theory]
    [InlineData(ChainHook.Forward, -100)]
    [InlineData(ChainHook.Forward, -90)]
    [InlineData(ChainHook.Forward, 100)]
    [InlineData(ChainHook.Input, 110)]
    [InlineData(ChainHook.Postrouting, -100)]
    [InlineData(ChainHook.Prerouting, 100)]
    public void AChainPriorityNftShowsAsANumberIsShownAsThatNumber(ChainHook hook, int priority)
    {
        AddBaseChain(hook, priority);
        NftChain listed = Assert.Single(Nft.ListChains(NftFamily.Ip, "t"));
        string nftLine = TypeLine(Ns.Nft("list", "chain", "ip", "t", "c"));
        Assert.Equal($"type filter hook {hook.ToString().ToLowerInvariant()} priority {priority}; policy accept;", nftLine);
        Assert.Equal(nftLine, listed.Base!.ToString());

        // What a dry run shows must be what nft accepts.
        using var replay = new TestNamespace();
        replay.Nft("add", "table", "ip", "t");
        replay.Nft("add", listed.ToString());
    }

    private NftChain AddBaseChain(ChainHook hook, int priority)
    {
        var chain = new NftChain(NftFamily.Ip, "t", "c") { Base = new BaseChain("filter", hook, priority) };
        var tx = new NftTransaction();
        tx.AddTable(new NftTable(NftFamily.Ip, "t"));
        tx.AddChain(chain);
        Nft.Commit(tx);
        return chain;
    }

    private NftSet CreateSet(NftFamily family, SetKeyType type, bool interval)
    {
        var set = new NftSet(family, "t", "s", type) { Flags = interval ? SetFlags.Interval : SetFlags.None };
        var tx = new NftTransaction();
        tx.AddTable(new NftTable(family, "t"));
        tx.AddSet(set);
        Nft.Commit(tx);
        Check(set);
        return set;
    }

    /// <summary>Commits one change, then checks the set against what is expected and what nft lists.</summary>
    private void Step(NftSet set, Action<NftTransaction> change, params string[] expected)
    {
        var tx = new NftTransaction();
        change(tx);
        Nft.Commit(tx);
        Check(set, expected);
    }

    private void Check(NftSet set, params string[] expected)
    {
        IReadOnlyList<IpPrefix> listed = Nft.ListPrefixes(set);
        Assert.Equal(P(expected), listed);
        Assert.Equal(NftOracle.Elements(Ns, set), NftOracle.Texts(listed));
    }

    private static IpPrefix[] P(params string[] texts) => texts.Select(IpPrefix.Parse).ToArray();

    /// <summary>The statement lines of an `nft list chain` listing.</summary>
    private static string[] RuleLines(string listing) => listing.Split('\n', StringSplitOptions.TrimEntries)
        .Where(l => l.Length > 0 && !l.StartsWith("table ", StringComparison.Ordinal) && !l.StartsWith("chain ", StringComparison.Ordinal)
            && !l.StartsWith("type ", StringComparison.Ordinal) && l != "}")
        .ToArray();

    private static string TypeLine(string listing) =>
        listing.Split('\n', StringSplitOptions.TrimEntries).Single(l => l.StartsWith("type ", StringComparison.Ordinal));
}
