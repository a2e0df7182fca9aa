using System.Net;
using HostAccel.Native.Conntrack;
using HostAccel.Native.Nftables;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>Get- and Reset-FlowtableCounter's engine paths, and the attribution of conntrack entries to rules.</summary>
public sealed class CounterTests : EngineTest
{
    private const string Counted = """
        table ip antrea {
            comment "Rules for Antrea"
            set peer-pod-cidr { type ipv4_addr; flags interval; elements = { 10.244.0.0/24, 10.244.1.0/24 }; }
            chain forward {
                type filter hook forward priority filter; policy accept;
                iif "antrea-gw0" ip saddr 10.244.2.0/24 oif "eth0" ip daddr @peer-pod-cidr counter packets 10 bytes 1000 comment "Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs"
                iif "eth0" ip saddr @peer-pod-cidr oif "antrea-gw0" ip daddr 10.244.2.0/24 counter packets 7 bytes 700 comment "Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR"
            }
        }
        """;

    [Fact]
    public void GetReportsEachRuleCounterWithItsRuleAndHandle()
    {
        NftLoadOwned(Counted);
        IReadOnlyList<FlowtableCounter> counters = Counters.Get(Session, null, "antrea", "forward");
        Assert.Equal([(10UL, 1000UL), (7UL, 700UL)], counters.Select(c => (c.Packets, c.Bytes)));
        FlowtableCounter first = counters[0];
        Assert.Equal("Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs", first.Comment);
        Assert.NotEqual(0UL, first.Handle);
        Assert.StartsWith("rule ip antrea forward iif \"antrea-gw0\" ip saddr 10.244.2.0/24", first.Rule, StringComparison.Ordinal);
        Assert.EndsWith($"# handle {first.Handle}", first.ToString(), StringComparison.Ordinal);

        // Without `flow add` (this kernel cannot hold one) a rule offloads nothing: no flowtable, no flows.
        Assert.Null(first.FlowtableName);
        Assert.Null(first.OffloadedFlows);
    }

    [Fact]
    public void ResetReturnsTheCountersBeforeAndZeroesThem()
    {
        NftLoadOwned(Counted);
        Assert.Equal("reset rules chain ip antrea forward", Counters.PlanReset(Session, NftFamily.Ip, "antrea", "forward", false));
        IReadOnlyList<FlowtableCounter> before = Counters.Reset(Session, NftFamily.Ip, "antrea", "forward", false, CancellationToken.None);
        Assert.Equal([10UL, 7UL], before.Select(c => c.Packets));
        Assert.All(Counters.Get(Session, null, "antrea", "forward"), c => Assert.Equal((0UL, 0UL), (c.Packets, c.Bytes)));
        Assert.Contains("counter packets 0 bytes 0", Ns.Nft("list", "chain", "ip", "antrea", "forward"), StringComparison.Ordinal);
    }

    [Fact]
    public void ResettingInATableHostAccelDidNotCreateNeedsForceAndChangesNothing()
    {
        Ns.NftLoad(Counted.Replace("comment \"Rules for Antrea\"", "comment \"mine\"", StringComparison.Ordinal));
        FailsAndChangesNothing(() => Counters.PlanReset(Session, NftFamily.Ip, "antrea", "forward", false), ErrorIds.TableNotOwned, FailureKind.InvalidOperation);
        FailsAndChangesNothing(() => Counters.Reset(Session, NftFamily.Ip, "antrea", "forward", false, CancellationToken.None), ErrorIds.TableNotOwned, FailureKind.InvalidOperation);
        Assert.Equal(2, Counters.Get(Session, null, "antrea", "forward").Count);
    }

    [Fact]
    public void AMissingTableOrChainIsObjectNotFoundWhenTheFamilyIsNamed()
    {
        FailsAndChangesNothing(() => Counters.Get(Session, [AccelFamily.Ip], "antrea", "forward"), ErrorIds.TableNotFound, FailureKind.ObjectNotFound);
        NftLoadOwned("table ip antrea { comment \"Rules for Antrea\"; }");
        FailsAndChangesNothing(() => Counters.Get(Session, [AccelFamily.Ip], "antrea", "forward"), ErrorIds.FastpathNotFound, FailureKind.ObjectNotFound);
        FailsAndChangesNothing(() => Counters.PlanReset(Session, NftFamily.Ip, "antrea", "forward", false), ErrorIds.FastpathNotFound, FailureKind.ObjectNotFound);
        Assert.Empty(Counters.Get(Session, null, "antrea", "forward"));
    }

    [Fact]
    public void AConntrackEntryIsAttributedToTheRuleWhoseAddressesItsOriginalDirectionMatches()
    {
        NftLoadOwned(Counted);
        var rules = Session.Nft.ListRules(NftFamily.Ip, "antrea", "forward");
        var outbound = new AddressMatch(Session, rules[0]);
        var inbound = new AddressMatch(Session, rules[1]);
        ConntrackFlow podToPeer = Flow("10.244.2.5", "10.244.1.9");
        ConntrackFlow peerToPod = Flow("10.244.0.3", "10.244.2.5");
        ConntrackFlow elsewhere = Flow("10.244.2.5", "192.0.2.1");
        Assert.True(outbound.Matches(podToPeer));
        Assert.False(outbound.Matches(peerToPod));
        Assert.False(outbound.Matches(elsewhere));
        Assert.True(inbound.Matches(peerToPod));
        Assert.False(inbound.Matches(podToPeer));

        Assert.Equal(9UL, Counters.Sum([podToPeer with { OriginalPackets = 5, ReplyPackets = 4 }], f => f.OriginalPackets, f => f.ReplyPackets));
        Assert.Null(Counters.Sum([podToPeer], f => f.OriginalPackets, f => f.ReplyPackets));
    }

    private static ConntrackFlow Flow(string source, string destination) => new(NftFamily.Ip,
        new ConntrackTuple(IPAddress.Parse(source), IPAddress.Parse(destination), 6, 40000, 5201),
        new ConntrackTuple(IPAddress.Parse(destination), IPAddress.Parse(source), 6, 5201, 40000),
        ConntrackStatus.Offload | ConntrackStatus.SeenReply);
}
