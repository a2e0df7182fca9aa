using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Planning;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// Enable-Fastpath's plan as data (this kernel has no flowtables, so it is planned, not committed): which objects each
/// family's change adds or replaces, that every change names the table it serves, the Fastpath it yields, what -WhatIf
/// prints; and the exact words of the refusals of its inputs and of a set that cannot hold Pod CIDRs.
/// </summary>
public sealed class EnableFastpathPlanContentTests : EngineTest
{
    private static EnableFastpathRequest Request(params string[] local) =>
        new() { LocalPodCidr = local, TransportInterface = "eth0", Priority = -5, OffloadThreshold = 5 };

    [Fact]
    public void OnAnEmptyHostEachFamilyAddsEveryObjectOfTheDesignForItsTable()
    {
        string before = Ruleset();
        IReadOnlyList<PlannedChange<Fastpath>> changes = new EnableFastpathPlan(Session).Prepare(Request("fd00:10:244:2::/64", "10.244.2.0/24"));

        Assert.Equal(["table ip antrea", "table ip6 antrea"], changes.Select(c => c.Target));
        foreach (PlannedChange<Fastpath> change in changes)
        {
            Assert.Equal("Enable flowtable acceleration", change.Action);
            Assert.Equal(
                [typeof(TableChange), typeof(SetChange), typeof(FlowtableChange), typeof(ChainChange), typeof(RuleChange), typeof(RuleChange)],
                change.Changes.Select(c => c.GetType()));
            Assert.All(change.Changes, c => Assert.Equal(ChangeAction.Add, c.Action));
            Assert.All(change.Changes, c => Assert.Equal(change.Target, c.Subject));
            Assert.Equal(
                $"Enable flowtable acceleration on {change.Target}:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", change.Statements)}",
                change.Description);

            Fastpath result = change.Result;
            Assert.Equal((true, true, -5, 5), (result.FlowtablePresent, result.Enabled, result.Priority, result.OffloadThreshold));
            Assert.Equal(["antrea-gw0", "eth0"], result.Devices);
        }

        Assert.Equal(before, Ruleset());
    }

    [Fact]
    public void WithForceOtherRulesOfAnExistingChainAreDeletedAndTheDesignsAddedInTheTableAndSetThatAreThere()
    {
        NftLoadOwned("""
            table ip antrea {
                set peer-pod-cidr { type ipv4_addr; flags interval; }
                chain forward {
                    type filter hook forward priority filter; policy accept;
                    iif "eth0" counter accept
                }
            }
            """);
        NftRule old = Assert.Single(Session.Nft.ListRules(Native.Nftables.NftFamily.Ip, "antrea", "forward"));

        PlannedChange<Fastpath> change = Assert.Single(new EnableFastpathPlan(Session).Prepare(new EnableFastpathRequest
        {
            LocalPodCidr = ["10.244.2.0/24"], TransportInterface = "eth0", Force = true,
        }));

        Assert.Equal(
            [(typeof(RuleChange), ChangeAction.Delete), (typeof(FlowtableChange), ChangeAction.Add), (typeof(RuleChange), ChangeAction.Add), (typeof(RuleChange), ChangeAction.Add)],
            change.Changes.Select(c => (c.GetType(), c.Action)));
        Assert.Equal(old.Handle, Assert.IsType<RuleChange>(change.Changes[0]).Rule.Handle);
        Assert.All(change.Changes, c => Assert.Equal("table ip antrea", c.Subject));
    }

    [Theory]
    [InlineData("10.244.2.0/24", AccelFamily.Ip6, "10.244.2.0/24 is an IPv4 prefix, but only ip6 was asked for")]
    [InlineData("fd00:10:244:2::/64", AccelFamily.Ip, "fd00:10:244:2::/64 is an IPv6 prefix, but only ip was asked for")]
    public void ALocalPodCidrOfAFamilyNotAskedForIsRefusedNamingItsFamily(string cidr, AccelFamily family, string message)
    {
        var request = new EnableFastpathRequest { LocalPodCidr = [cidr], TransportInterface = "eth0", Family = [family] };
        HostAccelException failure = FailsAndChangesNothing(() => new EnableFastpathPlan(Session).Prepare(request), ErrorIds.WrongFamily, FailureKind.InvalidArgument);
        Assert.Equal((message, (object)cidr), (failure.Message, failure.TargetObject));
    }

    [Theory]
    [InlineData("10.244.2.0/24", "10.244.3.0/24", "one local Pod CIDR per family: both 10.244.2.0/24 and 10.244.3.0/24 are IPv4")]
    [InlineData("fd00:10:244:2::/64", "fd00:10:244:3::/64", "one local Pod CIDR per family: both fd00:10:244:2::/64 and fd00:10:244:3::/64 are IPv6")]
    public void TwoLocalPodCidrsOfOneFamilyAreRefusedNamingBoth(string first, string second, string message)
    {
        HostAccelException failure = FailsAndChangesNothing(() => new EnableFastpathPlan(Session).Prepare(Request(first, second)), ErrorIds.InvalidArgument, FailureKind.InvalidArgument);
        Assert.Equal((message, (object)second), (failure.Message, failure.TargetObject));
    }

    [Fact]
    public void TheWholeAddressSpaceAsALocalPodCidrIsRefusedInTheWordsOfALocalPodCidr()
    {
        HostAccelException failure = FailsAndChangesNothing(() => new EnableFastpathPlan(Session).Prepare(Request("0.0.0.0/0")), ErrorIds.InvalidCidr, FailureKind.InvalidArgument);
        Assert.Equal(
            "0.0.0.0/0 is the whole IPv4 address space: as a local Pod CIDR it would accelerate every forwarded connection; give the Pod CIDRs themselves",
            failure.Message);
    }

    [Theory]
    [InlineData("ip", "ipv4_addr; flags interval", "10.244.2.0/24", "IPv4", false)]
    [InlineData("ip", "ipv4_addr", "10.244.2.0/24", "IPv4", true)]
    [InlineData("ip6", "ipv6_addr", "fd00:10:244:2::/64", "IPv6", true)]
    [InlineData("ip6", "ipv4_addr; flags interval", "fd00:10:244:2::/64", "IPv6", true)]
    public void AnExistingSetThatCannotHoldPodCidrsIsRefusedNamingTheAddressTypeItShouldHold(string family, string type, string cidr, string wanted, bool refused)
    {
        NftLoadOwned($$"""
            table {{family}} antrea {
                set peer-pod-cidr { type {{type}}; }
            }
            """);
        var plan = new EnableFastpathPlan(Session);
        EnableFastpathRequest request = new() { LocalPodCidr = [cidr], TransportInterface = "eth0" };
        if (!refused)
        {
            PlannedChange<Fastpath> change = Assert.Single(plan.Prepare(request));
            Assert.DoesNotContain(change.Changes, c => c is SetChange or TableChange);
            return;
        }

        HostAccelException failure = FailsAndChangesNothing(() => plan.Prepare(request), ErrorIds.SetMismatch, FailureKind.InvalidOperation);
        Assert.StartsWith($"set {family} antrea peer-pod-cidr", (string)failure.TargetObject!, StringComparison.Ordinal);
        Assert.Equal($"{failure.TargetObject} is not an interval set of {wanted} addresses, so it cannot hold Pod CIDRs", failure.Message);
    }

    [Fact]
    public void ARequestWithoutATransportDeviceIsRefusedAsEmpty()
    {
        var request = new EnableFastpathRequest { LocalPodCidr = ["10.244.2.0/24"] };
        HostAccelException failure = FailsAndChangesNothing(() => new EnableFastpathPlan(Session).Prepare(request), ErrorIds.InvalidArgument, FailureKind.InvalidArgument);
        Assert.Equal(("TransportInterface is empty: the flowtable needs both the gateway and the transport device", (object)""), (failure.Message, failure.TargetObject));
    }

    /// <summary>The largest threshold a rule can say (ct packets &gt; 2147483647) is read back as it was asked for.</summary>
    [Fact]
    public void TheLargestOffloadThresholdIsPlannedAsAsked()
    {
        var request = new EnableFastpathRequest { LocalPodCidr = ["10.244.2.0/24"], TransportInterface = "eth0", OffloadThreshold = int.MaxValue };
        PlannedChange<Fastpath> change = Assert.Single(new EnableFastpathPlan(Session).Prepare(request));
        Assert.Equal(int.MaxValue, change.Result.OffloadThreshold);
        Assert.Contains(change.Statements, s => s.Contains("ct packets > 2147483647", StringComparison.Ordinal));
    }
}
