using System.Net;
using HostAccel.Native.Conntrack;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// What the engine reads out of objects it is handed (this kernel has no flowtables, so the flowtable is built here):
/// when a Fastpath counts as enabled, which offload threshold a rule says, which flows a rule whose set is gone
/// matches, and the flowtables an AccelTable lists.
/// </summary>
public sealed class FastpathModelTests : EngineTest
{
    private static readonly NftFlowtable Flowtable = new(NftFamily.Ip, "antrea", "fastpath")
    {
        Priority = -5,
        Devices = new[] { "antrea-gw0", "eth0" },
    };

    /// <summary>The design's two rules for 10.244.2.0/24: both add connections to flowtable fastpath; the first matches ip daddr @peer-pod-cidr.</summary>
    private NftRule[] DesignRules() => Fastpaths.Rules(NftFamily.Ip,
        new EnableFastpathRequest { LocalPodCidr = ["10.244.2.0/24"], TransportInterface = "eth0" },
        Session.ResolveInterface("antrea-gw0"), Session.ResolveInterface("eth0"), IpPrefix.Parse("10.244.2.0/24"));

    private NftRule PlainRule()
    {
        NftLoadOwned("""
            table ip antrea {
                chain forward { ip saddr 10.0.0.0/8 counter; }
            }
            """);
        return Assert.Single(Session.Nft.ListRules(NftFamily.Ip, "antrea", "forward"));
    }

    [Fact]
    public void AFlowtableWithoutARuleOffloadingToItIsPresentButNotEnabled()
    {
        Fastpath model = Fastpaths.ToModel(Session, NftFamily.Ip, "antrea", "fastpath", "forward", Flowtable, [PlainRule()]);

        Assert.Equal((true, false), (model.FlowtablePresent, model.Enabled));
        Assert.Equal(["antrea-gw0", "eth0"], model.Devices);
        Assert.Equal(-5, model.Priority);
    }

    [Fact]
    public void OneRuleOffloadingToTheFlowtableAmongOthersMakesItEnabled()
    {
        NftRule[] design = DesignRules();
        Fastpath model = Fastpaths.ToModel(Session, NftFamily.Ip, "antrea", "fastpath", "forward", Flowtable, [PlainRule(), design[0]]);

        Assert.True(model.Enabled);
        Assert.Equal(2, model.Rules.Count);
    }

    [Fact]
    public void RulesOffloadingToAFlowtableThatIsNotThereDoNotMakeItEnabled()
    {
        Fastpath model = Fastpaths.ToModel(Session, NftFamily.Ip, "antrea", "fastpath", "forward", null, DesignRules());

        Assert.Equal((false, false, 0), (model.FlowtablePresent, model.Enabled, model.Priority));
        Assert.Empty(model.Devices);
    }

    /// <summary>Only "ct packets &gt; N" with N an int is a threshold: "&lt; N" or a count beyond int is none (0), not N cut to an int.</summary>
    [Fact]
    public void OnlyAGreaterThanPacketCountThatFitsAnIntIsAnOffloadThreshold()
    {
        NftLoadOwned("""
            table ip antrea {
                chain forward {
                    ct packets < 5 counter
                    ct packets > 3000000000 counter
                    ct packets > 7 counter
                }
            }
            """);
        IReadOnlyList<NftRule> rules = Session.Nft.ListRules(NftFamily.Ip, "antrea", "forward");

        Assert.Equal([0, 0, 7], rules.Select(Fastpaths.Threshold));
    }

    /// <summary>
    /// A rule that matches "ip daddr @peer-pod-cidr" in a table that no longer has that set: the set constrains
    /// nothing (the rule still matches by its source), rather than failing the read of its counters.
    /// </summary>
    [Fact]
    public void ASetMatchOfARuleWhoseSetIsMissingConstrainsNoFlow()
    {
        NftLoadOwned("""
            table ip antrea {
                set other { type ipv4_addr; flags interval; elements = { 10.9.0.0/16 } }
            }
            """);
        var match = new AddressMatch(Session, DesignRules()[0]);

        Assert.True(match.Matches(Flow("10.244.2.5", "172.16.0.1")));
        Assert.True(match.Matches(Flow("10.244.2.5", "10.9.0.1")));
        Assert.False(match.Matches(Flow("10.244.3.5", "10.9.0.1")));
    }

    [Fact]
    public void ASetMatchOfARuleConstrainsTheDestinationToTheSetsPrefixes()
    {
        NftLoadOwned("""
            table ip antrea {
                set peer-pod-cidr { type ipv4_addr; flags interval; elements = { 10.244.1.0/24 } }
            }
            """);
        var match = new AddressMatch(Session, DesignRules()[0]);

        Assert.True(match.Matches(Flow("10.244.2.5", "10.244.1.7")));
        Assert.False(match.Matches(Flow("10.244.2.5", "172.16.0.1")));
    }

    [Fact]
    public void ATablesModelListsTheFlowtablesItIsGiven()
    {
        NftLoadOwned("table ip antrea { }");
        NftTable table = Assert.Single(Session.Nft.ListTables(), t => t.Name == "antrea" && t.Family == NftFamily.Ip);
        AccelTable model = Tables.ToModel(Session, table, ["peer-pod-cidr"], ["forward"], ["fastpath"]);

        Assert.Equal(["peer-pod-cidr"], model.Sets);
        Assert.Equal(["forward"], model.Chains);
        Assert.Equal(["fastpath"], model.Flowtables);
        Assert.Empty(Tables.ToModel(Session, table).Flowtables);
    }

    [Fact]
    public void ListingTablesWithoutASessionIsRefusedNamingIt()
    {
        Assert.Equal("session", Assert.Throws<ArgumentNullException>(() => Tables.Get(null!, null, "antrea", includeForeign: false)).ParamName);
    }

    private static ConntrackFlow Flow(string source, string destination) => new(NftFamily.Ip,
        new ConntrackTuple(IPAddress.Parse(source), IPAddress.Parse(destination), 6, 40000, 5201),
        new ConntrackTuple(IPAddress.Parse(destination), IPAddress.Parse(source), 6, 5201, 40000),
        ConntrackStatus.Offload | ConntrackStatus.SeenReply);
}
