using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>
/// A batch is all or nothing, and its error names the message that caused it: checked against `nft -j list ruleset`
/// taken before and after, handles included.
/// </summary>
public sealed class TransactionTests : NamespaceTest
{
    private const string Ruleset = """
        table ip antrea {
            comment "Rules for Antrea"
            set peer-pod-cidr { type ipv4_addr; flags interval; elements = { 10.244.0.0/24 } }
            chain forward {
                type filter hook forward priority filter; policy accept;
                ip saddr 10.244.2.0/24 ip daddr @peer-pod-cidr counter
            }
        }
        """;

    private static readonly NftSet PeerSet = new(NftFamily.Ip, "antrea", "peer-pod-cidr", SetKeyType.Ipv4Address) { Flags = SetFlags.Interval };

    public TransactionTests()
    {
        Ns.NftLoad(Ruleset);
    }

    [Fact]
    public void ABatchWhoseLastRuleFailsNamesThatRuleAndChangesNothing()
    {
        string before = NftOracle.Ruleset(Ns);
        uint generation = Nft.GetGeneration();

        var tx = new NftTransaction();
        tx.AddElements(PeerSet, [IpPrefix.Parse("10.244.1.0/24")]);
        tx.AddChain(new NftChain(NftFamily.Ip, "antrea", "extra"));
        tx.AddRule(new RuleBuilder(NftFamily.Ip, "antrea", "forward").SourceAddress(IpPrefix.Parse("10.244.2.0/24")).Counter().Build());
        tx.AddRule(new RuleBuilder(NftFamily.Ip, "antrea", "forward").DestinationInSet("no-such-set", false).Counter().Build());

        NetlinkException error = Assert.Throws<NetlinkException>(() => Nft.Commit(tx));
        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.Equal("adding rule 2 to chain ip antrea forward", error.Operation);
        Assert.StartsWith("adding rule 2 to chain ip antrea forward: No such file or directory (ENOENT)", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, NftOracle.Ruleset(Ns));
        Assert.Equal(generation, Nft.GetGeneration());
    }

    [Fact]
    public void ABatchEndingInTheDeletionOfAMissingTableAppliesNoneOfItsOtherChanges()
    {
        string before = NftOracle.Ruleset(Ns);
        var table = new NftTable(NftFamily.Ip, "fresh");
        var set = new NftSet(NftFamily.Ip, "fresh", "s", SetKeyType.Ipv4Address) { Flags = SetFlags.Interval };
        var tx = new NftTransaction();
        tx.AddTable(table);
        tx.AddSet(set);
        tx.AddElements(set, [IpPrefix.Parse("10.1.0.0/16")]);
        tx.AddChain(new NftChain(NftFamily.Ip, "fresh", "forward") { Base = new BaseChain("filter", ChainHook.Forward, 0) });
        tx.AddRule(new RuleBuilder(NftFamily.Ip, "fresh", "forward").SourceInSet("s", false).Counter().Build());
        tx.AddElements(PeerSet, [IpPrefix.Parse("10.244.7.0/24")]);
        tx.DeleteTable(new NftTable(NftFamily.Ip, "missing"));

        NetlinkException error = Assert.Throws<NetlinkException>(() => Nft.Commit(tx));
        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.StartsWith("deleting table ip missing: No such file or directory (ENOENT)", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, NftOracle.Ruleset(Ns));
        Assert.Null(Nft.GetTable(NftFamily.Ip, "fresh"));
    }

    [Fact]
    public void WhenTheFirstOfSeveralMessagesFailsTheErrorNamesItAndNothingChanges()
    {
        string before = NftOracle.Ruleset(Ns);
        var tx = new NftTransaction();
        tx.AddChain(new NftChain(NftFamily.Ip, "missing", "forward"));
        tx.AddElements(PeerSet, [IpPrefix.Parse("10.244.9.0/24")]);
        tx.AddRule(new RuleBuilder(NftFamily.Ip, "antrea", "forward").L4Proto(6).Counter().Build());

        // Fails as well, later: the first failure is the one reported.
        tx.AddRule(new RuleBuilder(NftFamily.Ip, "missing", "forward").Counter().Build());

        NetlinkException error = Assert.Throws<NetlinkException>(() => Nft.Commit(tx));
        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.Equal("adding chain ip missing forward", error.Operation);
        Assert.Equal(before, NftOracle.Ruleset(Ns));
        Assert.Equal([IpPrefix.Parse("10.244.0.0/24")], Nft.ListPrefixes(PeerSet));
    }

    [Fact]
    public void AddingAnExistingTableExclusivelyFailsWithEexistWhileAPlainAddLeavesItAsItWas()
    {
        string before = NftOracle.Ruleset(Ns);

        var exclusive = new NftTransaction();
        exclusive.AddTable(new NftTable(NftFamily.Ip, "antrea"), exclusive: true);
        NetlinkException error = Assert.Throws<NetlinkException>(() => Nft.Commit(exclusive));
        Assert.Equal(Errno.EEXIST, error.Errno);
        Assert.StartsWith("adding table ip antrea: File exists (EEXIST)", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, NftOracle.Ruleset(Ns));

        // Without NLM_F_EXCL the kernel treats it as an update: the comment, chain and set stay.
        var plain = new NftTransaction();
        plain.AddTable(new NftTable(NftFamily.Ip, "antrea"));
        Nft.Commit(plain);
        Assert.Equal(before, NftOracle.Ruleset(Ns));

        // The same table in another family is another table.
        var other = new NftTransaction();
        other.AddTable(new NftTable(NftFamily.Ip6, "antrea"), exclusive: true);
        Nft.Commit(other);
        Assert.Equal(["ip antrea", "ip6 antrea"], NftOracle.Objects(Ns, "table").Select(t => $"{t.GetProperty("family").GetString()} {t.GetProperty("name").GetString()}"));
    }

    [Fact]
    public void TheKernelsExtendedAckTextAndOffsetReachTheException()
    {
        string before = NftOracle.Ruleset(Ns);

        // NFT_NAME_MAXLEN is 256 with the NUL: the netlink policy refuses a 256-character name before nf_tables sees it.
        var table = new NftTransaction();
        table.AddTable(new NftTable(NftFamily.Ip, new string('t', 256)));
        NetlinkException tableError = Assert.Throws<NetlinkException>(() => Nft.Commit(table));
        Assert.Equal(Errno.ERANGE, tableError.Errno);
        Assert.Equal("Attribute failed policy validation", tableError.ExtAckMessage);
        Assert.EndsWith(": Attribute failed policy validation", tableError.Message, StringComparison.Ordinal);

        // The offset counts from the message header: 16 bytes of nlmsghdr, 4 of nfgenmsg, then NFTA_TABLE_NAME.
        Assert.Equal(20, tableError.Offset);

        // In a chain the name follows NFTA_CHAIN_TABLE "antrea" (4 + 7 bytes, padded to 12).
        var chain = new NftTransaction();
        chain.AddChain(new NftChain(NftFamily.Ip, "antrea", new string('c', 256)));
        NetlinkException chainError = Assert.Throws<NetlinkException>(() => Nft.Commit(chain));
        Assert.Equal(Errno.ERANGE, chainError.Errno);
        Assert.Equal("Attribute failed policy validation", chainError.ExtAckMessage);
        Assert.Equal(32, chainError.Offset);
        Assert.StartsWith($"adding chain ip antrea {new string('c', 256)}: ", chainError.Message, StringComparison.Ordinal);

        Assert.Equal(before, NftOracle.Ruleset(Ns));
    }

    [Fact]
    public void AnErrorWithoutExtendedAckLeavesExtAckMessageEmpty()
    {
        // Deleting a set that a rule still looks up: nf_tables answers EBUSY and says nothing more.
        string before = NftOracle.Ruleset(Ns);
        var tx = new NftTransaction();
        tx.DeleteSet(PeerSet);
        NetlinkException error = Assert.Throws<NetlinkException>(() => Nft.Commit(tx));
        Assert.Equal(Errno.EBUSY, error.Errno);
        Assert.Equal("deleting set ip antrea peer-pod-cidr", error.Operation);
        Assert.True(string.IsNullOrEmpty(error.ExtAckMessage), error.ExtAckMessage);
        Assert.Equal("deleting set ip antrea peer-pod-cidr: Device or resource busy (EBUSY)", error.Message);
        Assert.Equal(before, NftOracle.Ruleset(Ns));
    }

    [Fact]
    public void TheStatementsOfATransactionReplayedByNftBuildTheSameRuleset()
    {
        // The library writes into one empty namespace, nft replays the dry run into another; devices have the same
        // names in both, and their indexes need not agree.
        using var empty = new TestNamespace();
        using var replay = new TestNamespace();
        foreach (TestNamespace ns in new[] { empty, replay })
        {
            ns.AddDevice("antrea-gw0", "gw-peer");
            ns.AddDevice("eth0", "eth0-peer");
        }

        using NftConnection target = NftConnection.Open(empty.Name);

        // The transaction and the statements a dry run prints for it, side by side.
        var tx = new NftTransaction();
        var statements = new List<string>();
        Func<uint, string?> names = target.Interfaces().GetValueOrDefault;
        NftSet set = Seed.PeerSet(NftFamily.Ip);
        IpPrefix[] prefixes = [IpPrefix.Parse("10.244.0.0/24"), IpPrefix.Parse("10.244.1.0/24"), IpPrefix.Parse("255.255.255.0/24")];
        tx.AddTable(Seed.Table(NftFamily.Ip));
        statements.Add(NftStatements.AddTable(Seed.Table(NftFamily.Ip)));
        tx.AddSet(set);
        statements.Add(NftStatements.AddSet(set));
        tx.AddElements(set, prefixes);
        statements.Add(NftStatements.Elements(add: true, set, prefixes));
        foreach (NftChain chain in new[]
        {
            Seed.Forward(NftFamily.Ip),
            new NftChain(NftFamily.Ip, "antrea", "early") { Base = new BaseChain("filter", ChainHook.Forward, -150, ChainPolicy.Drop) },
            new NftChain(NftFamily.Ip, "antrea", "helper"),
        })
        {
            tx.AddChain(chain);
            statements.Add(NftStatements.AddChain(chain));
        }

        var rules = Seed.ForwardRules(empty.IfIndex("antrea-gw0"), empty.IfIndex("eth0"), flowAdd: false).ToList();
        rules.Add(new RuleBuilder(NftFamily.Ip, "antrea", "forward").IifName("eth0").SourceAddress(IpPrefix.Parse("10.0.0.0/9"))
            .CtState(CtState.Established | CtState.Related).Verdict(VerdictCode.Jump, "helper").Build("established"));
        rules.Add(new RuleBuilder(NftFamily.Ip, "antrea", "early").L4Proto(17).Counter().Accept().Build());
        foreach (NftRule rule in rules)
        {
            tx.AddRule(rule);
            statements.Add(NftStatements.AddRule(rule, names));
        }

        target.Commit(tx);
        replay.NftLoad(string.Join('\n', statements));

        Assert.Equal(empty.Nft("list", "ruleset"), replay.Nft("list", "ruleset"));
    }
}
