using System.Net;
using HostAccel.Native.Conntrack;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;
using static HostAccel.Native.Nftables.NfTablesConstants;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// Which tables the plans and readers take and skip (a family not asked for whose table lacks the object is skipped,
/// one asked for is an error, an object planned once is not planned again), a plan's withdrawals and empty commits,
/// the warnings of a counter reset on older kernels, and the checks of names before the kernel is asked.
/// </summary>
public sealed class PlanScopeTests : EngineTest
{
    /// <summary>ip antrea has the chain, with two counted rules; ip6 antrea is HostAccel's too but has neither chain nor flowtable.</summary>
    private const string IpChainOnly = """
        table ip antrea {
            chain forward {
                type filter hook forward priority filter; policy accept;
                iif "antrea-gw0" counter packets 3 bytes 300 comment "gw"
                iif "eth0" counter packets 4 bytes 400
            }
        }
        table ip6 antrea {
            set peer-pod-cidr { type ipv6_addr; flags interval; }
        }
        """;

    private static readonly string[] CountsAsReadWarning =
    [
        "This kernel (before Linux 6.2) cannot read and zero rule counters in one step, and it did not report the final counts of the replaced rules: " +
        "the counts returned were read before the rules were replaced, so packets counted between that read and the replacement (one round trip) are lost.",
    ];

    private static readonly string[] FinalCountsWarning =
    [
        "This kernel (before Linux 6.2) cannot read and zero rule counters in one step: the counted rules were replaced by copies with new counters " +
        "(same handles, same place), and the counts returned are those the old rules held when the replacement was committed. Packets that another CPU " +
        "was counting on an old rule at that instant are not in them.",
    ];

    [Fact]
    public void ResetCountersSkipsAFamilyWithoutTheChainAndPlansAChainOnce()
    {
        NftLoadOwned(IpChainOnly);
        var plan = new ResetCountersPlan(Session);

        IReadOnlyList<PlannedChange<FlowtableCounter>> changes = plan.Prepare(null, "antrea", "forward", false);

        Assert.Equal(["chain ip antrea forward", "chain ip antrea forward"], changes.Select(c => c.Target));
        Assert.Equal([(3UL, 300UL), (4UL, 400UL)], changes.Select(c => (c.Result.Packets, c.Result.Bytes)));
        Assert.Equal(["reset rules chain ip antrea forward"], changes.SelectMany(c => c.Statements));
        foreach (PlannedChange<FlowtableCounter> change in changes)
        {
            plan.Accept(change);
        }

        // Asked again in the same call: the chain is planned already, and that is no error.
        Assert.Empty(plan.Prepare(null, "antrea", "forward", false));
        Assert.Empty(plan.Prepare([AccelFamily.Ip], "antrea", "forward", false));
        Assert.Equal(["reset rules chain ip antrea forward"], plan.Statements);

        Assert.True(plan.Commit(CancellationToken.None));
        Assert.Equal([(3UL, 300UL), (4UL, 400UL)], plan.Committed.Select(c => (c.Packets, c.Bytes)));
        Assert.All(Counters.Get(Session, null, "antrea", "forward"), c => Assert.Equal((0UL, 0UL), (c.Packets, c.Bytes)));
    }

    [Fact]
    public void ResettingWhereNeitherFamilyHasTheChainIsFastpathNotFoundNamingTheTable()
    {
        NftLoadOwned("""
            table ip antrea {
                chain other {
                }
            }
            table ip6 antrea {
            }
            """);
        HostAccelException failure = FailsAndChangesNothing(() => new ResetCountersPlan(Session).Prepare(null, "antrea", "forward", false),
            ErrorIds.FastpathNotFound, FailureKind.ObjectNotFound);
        Assert.Equal("neither table ip antrea nor ip6 antrea has a chain forward", failure.Message);
        Assert.Equal("antrea", failure.TargetObject);
    }

    [Fact]
    public void CountersOfAFamilyWithoutTheChainAreSkippedUnlessItIsAskedFor()
    {
        NftLoadOwned(IpChainOnly);
        Assert.Equal([(AccelFamily.Ip, "gw"), (AccelFamily.Ip, null)], Counters.Get(Session, null, "antrea", "forward").Select(c => (c.Family, c.Comment)));
        HostAccelException failure = Assert.Throws<HostAccelException>(() => Counters.Get(Session, [AccelFamily.Ip6], "antrea", "forward"));
        Assert.Equal((ErrorIds.FastpathNotFound, "chain ip6 antrea forward"), (failure.ErrorId, failure.TargetObject));
    }

    /// <summary>Older kernels: the counted rules are replaced; when the kernel's notice of a removed rule is missing, the warning says the counts are those read.</summary>
    [Fact]
    public void AResetByReplacingWarnsWhatItCouldLose()
    {
        NftLoadOwned(IpChainOnly);
        Session.Nft.ResetsCountersAtomically = false;
        Session.Nft.Socket.OnReceive = datagram =>
        {
            foreach ((int offset, ushort type) in ReplyTypes.Messages(datagram))
            {
                if (type == ReplyTypes.Nft(NFT_MSG_DELRULE))
                {
                    ReplyTypes.Silence(datagram, offset);
                }
            }

            return datagram.Length;
        };
        try
        {
            Counters.Reset(Session, NftFamily.Ip, "antrea", "forward", false, CancellationToken.None);
        }
        finally
        {
            Session.Nft.Socket.OnReceive = null;
        }

        var warnings = new List<string>();
        Counters.WarnAboutReset(Session, warnings.Add);
        Assert.Equal(CountsAsReadWarning, warnings);

        // Only a rule that counted since is replaced again, and the kernel's notice of it is not held back this time.
        Ns.Nft("add", "rule", "ip", "antrea", "forward", "counter", "packets", "1", "bytes", "100");
        Counters.Reset(Session, NftFamily.Ip, "antrea", "forward", false, CancellationToken.None);
        warnings.Clear();
        Counters.WarnAboutReset(Session, warnings.Add);
        Assert.Equal(FinalCountsWarning, warnings);

        Assert.Equal("warn", Assert.Throws<ArgumentNullException>(() => Counters.WarnAboutReset(Session, null!)).ParamName);
    }

    [Fact]
    public void AResetInOneStepWarnsNothing()
    {
        NftLoadOwned(IpChainOnly);
        var warnings = new List<string>();
        Counters.WarnAboutReset(Session, warnings.Add);
        Counters.Reset(Session, NftFamily.Ip, "antrea", "forward", false, CancellationToken.None);
        Counters.WarnAboutReset(Session, warnings.Add);
        Assert.Empty(warnings);
        Assert.Equal(CounterReset.ResetDump, Session.Nft.LastCounterReset);
    }

    /// <summary>A rule's inverted address match constrains nothing; a plain prefix does (the source as sent, the destination after DNAT).</summary>
    [Fact]
    public void AnInvertedAddressMatchOfARuleConstrainsNoFlow()
    {
        NftLoadOwned("""
            table ip antrea {
                chain forward {
                    ip saddr != 10.0.0.0/8 ip daddr 192.168.0.0/16 counter
                    ip saddr 10.0.0.0/8 counter
                }
            }
            """);
        IReadOnlyList<NftRule> rules = Session.Nft.ListRules(NftFamily.Ip, "antrea", "forward");
        var inverted = new AddressMatch(Session, rules[0]);
        Assert.True(inverted.Matches(Flow("10.1.1.1", "192.168.1.1")));
        Assert.True(inverted.Matches(Flow("172.16.0.1", "192.168.1.1")));
        Assert.False(inverted.Matches(Flow("10.1.1.1", "172.16.0.1")));

        var source = new AddressMatch(Session, rules[1]);
        Assert.True(source.Matches(Flow("10.1.1.1", "172.16.0.1")));
        Assert.False(source.Matches(Flow("11.1.1.1", "172.16.0.1")));
    }

    /// <summary>A connection whose remote end is in a peer Pod CIDR of HostAccel's set is listed with that CIDR.</summary>
    [Fact]
    public void AFlowToAPeerPodCidrNamesIt()
    {
        NftLoadOwned("""
            table ip antrea {
                set peer-pod-cidr { type ipv4_addr; flags interval; elements = { 127.0.0.0/8 } }
                chain out { type filter hook output priority 0; ct state new counter; }
            }
            """);
        Ns.Exec("ping", "-c", "1", "-W", "1", "127.0.0.1");
        OffloadedFlow ping = Assert.Single(Flows.Get(Session, [AccelFamily.Ip], includeSlowPath: true), f => f.Protocol == "icmp");
        Assert.Equal("127.0.0.0/8", ping.PeerPodCidr);
    }

    [Fact]
    public void GetFastpathSkipsAFamilyWithNeitherFlowtableNorChainUnlessItIsAskedFor()
    {
        NftLoadOwned(IpChainOnly);
        Fastpath ip = Assert.Single(Fastpaths.Get(Session, null, "antrea", "fastpath", "forward"));
        Assert.Equal((AccelFamily.Ip, false, false), (ip.Family, ip.FlowtablePresent, ip.Enabled));

        HostAccelException failure = FailsAndChangesNothing(() => Fastpaths.Get(Session, [AccelFamily.Ip6], "antrea", "fastpath", "forward"),
            ErrorIds.FastpathNotFound, FailureKind.ObjectNotFound);
        Assert.Equal("table ip6 antrea has neither flowtable fastpath nor chain forward: acceleration is not enabled there", failure.Message);
        Assert.Equal("table ip6 antrea", failure.TargetObject);
    }

    [Fact]
    public void DisableFastpathSkipsAFamilyWithNothingEnabledAndATablePlannedAlready()
    {
        NftLoadOwned(IpChainOnly);
        var plan = new DisableFastpathPlan(Session);
        PlannedChange<Fastpath> change = Assert.Single(plan.Prepare(null, "antrea", "fastpath", "forward", false));
        Assert.Equal("table ip antrea", change.Target);
        Assert.Equal(["delete rule ip antrea forward handle 2", "delete rule ip antrea forward handle 3", "delete chain ip antrea forward"], change.Statements);
        plan.Accept(change);

        HostAccelException again = Assert.Throws<HostAccelException>(() => plan.Prepare(null, "antrea", "fastpath", "forward", false));
        Assert.Equal((ErrorIds.FastpathNotFound, FailureKind.ObjectNotFound, (object?)"antrea"), (again.ErrorId, again.Kind, again.TargetObject));
        Assert.Equal("acceleration is not enabled in table ip antrea or ip6 antrea", again.Message);

        Assert.True(plan.Commit(CancellationToken.None));
        Assert.DoesNotContain("chain forward", Ruleset(), StringComparison.Ordinal);
    }

    [Fact]
    public void PeerPodCidrsOfAFamilyAskedForWhoseTableHasNoSetIsSetNotFound()
    {
        NftLoadOwned(IpChainOnly);
        HostAccelException failure = Assert.Throws<HostAccelException>(() => PeerPodCidrs.Get(Session, [AccelFamily.Ip], "antrea", "peer-pod-cidr").ToList());
        Assert.Equal((ErrorIds.SetNotFound, FailureKind.ObjectNotFound, (object?)"set ip antrea peer-pod-cidr"), (failure.ErrorId, failure.Kind, failure.TargetObject));
        Assert.Equal("table ip antrea has no set peer-pod-cidr", failure.Message);
        Assert.Empty(PeerPodCidrs.Get(Session, null, "antrea", "peer-pod-cidr"));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void ANewTableNeedsAName(string name)
    {
        HostAccelException failure = FailsAndChangesNothing(() => Tables.PlanNew(Session).Prepare(AccelFamily.Ip, name, null), ErrorIds.InvalidArgument, FailureKind.InvalidArgument);
        Assert.Equal("a table name cannot be empty", failure.Message);
        Assert.Equal(name, failure.TargetObject);
    }

    /// <summary>Refused by the names' check before anything is read (Names.Device; EnableFastpathPlan's own check of devices says the same).</summary>
    [Theory]
    [InlineData("GatewayInterface", "eth/0")]
    [InlineData("GatewayInterface", "a:b")]
    [InlineData("GatewayInterface", "a b")]
    [InlineData("GatewayInterface", ".")]
    [InlineData("GatewayInterface", "..")]
    [InlineData("GatewayInterface", "abcdefghijklmnop")]
    [InlineData("GatewayInterface", "éééééééé")]
    [InlineData("TransportInterface", "eth:1")]
    public void ADeviceNameTheKernelCouldNotGiveIsAnInvalidArgument(string parameter, string name)
    {
        EnableFastpathRequest request = parameter == "GatewayInterface"
            ? new() { LocalPodCidr = ["10.244.2.0/24"], GatewayInterface = name, TransportInterface = "eth0" }
            : new() { LocalPodCidr = ["10.244.2.0/24"], GatewayInterface = "antrea-gw0", TransportInterface = name };
        HostAccelException failure = FailsAndChangesNothing(() => new EnableFastpathPlan(Session).Prepare(request), ErrorIds.InvalidArgument, FailureKind.InvalidArgument);
        Assert.Equal($"{parameter}: '{name}' is not a device name: 1 to 15 bytes (IFNAMSIZ less its NUL) without '/', ':' or spaces", failure.Message);
        Assert.Equal(name, failure.TargetObject);
    }

    /// <summary>Names at the limits, and with '.' inside, are names: the device is merely not there.</summary>
    [Theory]
    [InlineData("abcdefghijklmno")]
    [InlineData("ééééééé")]
    [InlineData("a.b")]
    [InlineData("...")]
    public void ADeviceNameTheKernelCouldGiveIsLookedFor(string name)
    {
        EnableFastpathRequest request = new() { LocalPodCidr = ["10.244.2.0/24"], GatewayInterface = name, TransportInterface = "eth0" };
        HostAccelException failure = FailsAndChangesNothing(() => new EnableFastpathPlan(Session).Prepare(request), ErrorIds.UnknownInterface, FailureKind.ObjectNotFound);
        Assert.Equal(name, failure.TargetObject);
    }

    /// <summary>What ShouldProcess declined is not committed; a plan left with nothing commits nothing and yields nothing.</summary>
    [Fact]
    public void AWithdrawnTableIsNotCreatedAndAPlanWithNothingLeftCommitsNothing()
    {
        var plan = Tables.PlanNew(Session);
        PlannedChange<AccelTable> one = plan.Prepare(AccelFamily.Ip, "one", null);
        PlannedChange<AccelTable> two = plan.Prepare(AccelFamily.Ip, "two", null);
        plan.Accept(one);
        plan.Accept(two);
        plan.Withdraw(one.Target);

        Assert.True(plan.Commit(CancellationToken.None));
        Assert.Equal(["two"], plan.Committed.Select(t => t.Name));
        Assert.Equal(["table ip two"], Session.Nft.ListTables().Select(t => $"table {t.Family.ToNftName()} {t.Name}"));

        plan.Withdraw(two.Target);
        string before = Ruleset();
        Assert.False(plan.Commit(CancellationToken.None));
        Assert.Empty(plan.Committed);
        Assert.Equal(before, Ruleset());
        Assert.False(Tables.PlanNew(Session).Commit(CancellationToken.None));
    }

    private static ConntrackFlow Flow(string source, string destination) => new(NftFamily.Ip,
        new ConntrackTuple(IPAddress.Parse(source), IPAddress.Parse(destination), 6, 40000, 5201),
        new ConntrackTuple(IPAddress.Parse(destination), IPAddress.Parse(source), 6, 5201, 40000),
        ConntrackStatus.Offload | ConntrackStatus.SeenReply);
}
