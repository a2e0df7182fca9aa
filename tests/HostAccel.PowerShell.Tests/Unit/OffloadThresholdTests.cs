using System.Collections;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;
using Xunit;

namespace HostAccel.PowerShell.Tests.Unit;

/// <summary>
/// The offload threshold (<c>ct packets &gt; N</c> before <c>flow add</c>, as kindnet and the kube-proxy flowtable
/// prototype write it): in every rule of the design when asked for, read back as the configuration's setting, and
/// a rule whose compare is anything else is not taken for HostAccel's.
/// </summary>
public sealed class OffloadThresholdTests
{
    private static readonly IpPrefix Local = IpPrefix.Parse("10.244.2.0/24");

    [Fact]
    public void EveryRuleOfTheDesignComparesThePacketCountBeforeFlowAdd()
    {
        var names = new Design.Names(NftFamily.Ip, OffloadThreshold: 20);
        NftRule[] rules =
        [
            .. Design.PodToPod(names, 4, 2, Local),
            Design.ExternalToPod(names, 4, 2, IpPrefix.Parse("169.254.0.253")),
            Design.ExternalToNodePort(names, 4, IpPrefix.Parse("169.254.0.252")),
            Design.ExternalIP(names, 4),
            Design.FullPath(names, Local),
        ];
        foreach (NftRule rule in rules)
        {
            Assert.Contains("ct packets > 20 flow add @fastpath counter", RuleText.Body(rule, i => i == 4 ? "antrea-gw0" : "eth0"), StringComparison.Ordinal);
            Assert.Equal(20, RuleShape.Of(rule)!.OffloadThreshold);
        }

        Assert.Equal(
            "iif \"antrea-gw0\" ip saddr 10.244.2.0/24 oif \"eth0\" ip daddr @peer-pod-cidr ct packets > 20 flow add @fastpath counter packets 0 bytes 0 comment \"Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs\"",
            RuleText.Body(rules[0], i => i == 4 ? "antrea-gw0" : "eth0"));
    }

    [Fact]
    public void WithoutAThresholdTheRulesAreTheDesignDocumentsOwn()
    {
        NftRule rule = Design.PodToPod(new Design.Names(NftFamily.Ip), 4, 2, Local)[0];
        Assert.DoesNotContain("ct packets", RuleText.Body(rule, _ => "x"), StringComparison.Ordinal);
        Assert.Equal(0, RuleShape.Of(rule)!.OffloadThreshold);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ARuleWithAnotherPacketCompareIsNotHostAccels(bool afterFlowAdd)
    {
        var builder = new RuleBuilder(NftFamily.Ip, "antrea", "forward").Oif(4).DestinationAddress(IpPrefix.Parse("169.254.0.252"));
        NftRule rule = afterFlowAdd
            ? builder.FlowAdd("fastpath").CtPacketsGreaterThan(20).Counter().Build()
            : Replace(builder.CtPacketsGreaterThan(20).FlowAdd("fastpath").Counter().Build(), Native.Nftables.Expressions.CmpOp.Gte);
        Assert.Null(RuleShape.Of(rule));
    }

    [Theory]
    [InlineData(20, 20)]
    [InlineData("100", 100)]
    [InlineData(0L, 0)]
    public void TheSettingIsReadAsANumberOfPackets(object given, int expected)
    {
        Hashtable settings = Node();
        settings["OffloadThreshold"] = given;
        Assert.Equal(expected, ConfigurationReader.Read(settings, "node.psd1").OffloadThreshold);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData("many")]
    [InlineData(1.5)]
    public void ANegativeOrFractionalThresholdIsRefusedNamingTheSetting(object given)
    {
        Hashtable settings = Node();
        settings["OffloadThreshold"] = given;
        HostAccelException failure = Assert.Throws<HostAccelException>(() => ConfigurationReader.Read(settings, "node.psd1"));
        Assert.Equal(FailureKind.InvalidArgument, failure.Kind);
        Assert.Contains("OffloadThreshold", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithNothingAcceleratedTheThresholdHasNoEffectAndIsDropped()
    {
        Hashtable settings = Node();
        settings["Traffic"] = "None";
        settings["OffloadThreshold"] = 5;
        Assert.Equal(0, ConfigurationReader.Read(settings, "node.psd1").OffloadThreshold);
    }

    [Fact]
    public void TheDesiredStateCarriesTheThresholdIntoEveryRule()
    {
        Hashtable settings = Node();
        settings["Traffic"] = "All";
        settings["ExternalIP"] = new[] { "192.0.2.10" };
        settings["PeerNodeIP"] = new[] { "172.18.0.3" };
        settings["OffloadThreshold"] = 8;
        AccelConfiguration c = ConfigurationReader.Read(settings, "node.psd1");
        FamilyState state = DesiredState.Build(c, name => name == "eth0" ? 2u : 4u)[NftFamily.Ip]!;
        Assert.Equal(6, state.Rules.Count);
        Assert.All(state.Rules, rule => Assert.Equal(8, RuleShape.Of(rule)!.OffloadThreshold));
    }

    private static NftRule Replace(NftRule rule, Native.Nftables.Expressions.CmpOp op) => rule with
    {
        Expressions = rule.Expressions.Select(e => e is Native.Nftables.Expressions.CmpExpression { Data.Count: 8 } cmp ? cmp with { Op = op } : e).ToArray(),
    };

    private static Hashtable Node() => new()
    {
        ["TransportInterface"] = "eth0",
        ["LocalPodCidr"] = new[] { "10.244.2.0/24" },
        ["PeerPodCidr"] = new[] { "10.244.1.0/24" },
    };
}
