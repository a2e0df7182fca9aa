using System.Collections;
using HostAccel.Native.Interop;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;
using Xunit;

namespace HostAccel.PowerShell.Tests.Unit;

/// <summary>
/// The desired state a configuration builds, by what it holds: the sets' and rules' comments, the flowtable's flags
/// and devices, only the rules of the traffic asked for, the devices still missing (and the warning each gives),
/// and both families' entries even when none is managed.
/// </summary>
public sealed class DesiredStateEdgeTests
{
    private static readonly Dictionary<string, uint> Devices = new() { ["antrea-gw0"] = 2, ["eth0"] = 3, ["eth1"] = 4 };

    private static AccelConfiguration Read(params (string Key, object? Value)[] settings)
    {
        var values = new Hashtable { ["LocalPodCidr"] = "10.244.2.0/24", ["TransportInterface"] = "eth0" };
        foreach ((string key, object? value) in settings)
        {
            values[key] = value;
        }

        return ConfigurationReader.Read(values, "test");
    }

    private static Func<string, uint> Without(string missing) => name => name == missing
        ? throw new HostAccelException(ErrorIds.UnknownInterface, FailureKind.ObjectNotFound, $"no {missing}", name)
        : Devices[name];

    [Fact]
    public void EveryTrafficTypeGivesItsSetsAndRulesTheirOwnComments()
    {
        FamilyState state = DesiredState.Build(Read(("Traffic", "All"), ("PeerNodeIP", "192.168.1.2"), ("ExternalIP", "192.0.2.10")), name => Devices[name])[NftFamily.Ip]!;
        Assert.Equal(
            [("peer-pod-cidr", "Set for storing IPv4 peer Pods CIDRs"), ("external-ip", "Set for storing IPv4 LoadBalancer and External IPs"),
             ("peer-node-ip", "Set for storing IPv4 peer Node transport IPs")],
            state.Sets.Select(s => (s.Set.Name, s.Set.Comment)));
        Assert.Equal(
            ["Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs", "Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR",
             "Accelerate IPv4 connections: External-to-Pod before SNAT", "Accelerate IPv4 connections: External-to-NodePort after DNAT",
             "Accelerate IPv4 connections: External-to-LoadBalancer IP and External IP",
             "Accelerate IPv4 connections: remote Node transport IPs to local Pod CIDR (full path)"],
            state.Rules.Select(r => r.Comment));
    }

    [Fact]
    public void TheIPv6SetsSayIPv6()
    {
        FamilyState state = DesiredState.Build(Read(("LocalPodCidr", "fd00:10:244:2::/64"), ("Traffic", "PodToPod, ExternalIP, FullPath")), name => Devices[name])[NftFamily.Ip6]!;
        Assert.Equal(["Set for storing IPv6 peer Pods CIDRs", "Set for storing IPv6 LoadBalancer and External IPs", "Set for storing IPv6 peer Node transport IPs"],
            state.Sets.Select(s => s.Set.Comment));
    }

    [Fact]
    public void EnableFastpathsOwnCommentsNameItsRules()
    {
        NftRule[] rules = Design.PodToPod(new Design.Names(NftFamily.Ip), 2, 3, IpPrefix.Parse("10.244.2.0/24"), "out", "in");
        Assert.Equal(["out", "in"], rules.Select(r => r.Comment));
    }

    public static TheoryData<string, string[]> RulesOfTraffic() => new()
    {
        { "ExternalIP", ["Accelerate IPv4 connections: External-to-LoadBalancer IP and External IP"] },
        { "ExternalToNodePort", ["Accelerate IPv4 connections: External-to-NodePort after DNAT"] },
        { "PodToPod", ["Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs", "Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR"] },
    };

    /// <summary>Even with every address given (a configuration not in its normal form), a rule is built only for its traffic type.</summary>
    [Theory]
    [MemberData(nameof(RulesOfTraffic))]
    public void OnlyTheRulesOfTheTrafficAskedForAreBuilt(string traffic, string[] comments)
    {
        AccelConfiguration c = Read(("Traffic", traffic)) with { ServiceSnatAddress = ["169.254.0.253"], NodePortDnatAddress = ["169.254.0.252"] };
        Assert.Equal(comments, DesiredState.Build(c, name => Devices[name])[NftFamily.Ip]!.Rules.Select(r => r.Comment));
    }

    [Fact]
    public void FlagsAreTheFlowtables()
    {
        NftFlowtable both = DesiredState.Build(Read(("Traffic", "PodToPod"), ("HardwareOffload", true), ("Counter", true)), name => Devices[name])[NftFamily.Ip]!.Flowtable!;
        Assert.Equal(FlowtableFlags.HardwareOffload | FlowtableFlags.Counter, both.Flags);
        NftFlowtable offload = DesiredState.Build(Read(("Traffic", "PodToPod"), ("HardwareOffload", true)), name => Devices[name])[NftFamily.Ip]!.Flowtable!;
        Assert.Equal(FlowtableFlags.HardwareOffload, offload.Flags);
    }

    [Fact]
    public void NoFamilyGivesBothFamiliesNoTable()
    {
        IReadOnlyDictionary<NftFamily, FamilyState?> state = DesiredState.Build(Read(("LocalPodCidr", null), ("TransportInterface", null)), name => Devices[name]);
        Assert.Equal([NftFamily.Ip, NftFamily.Ip6], state.Keys.Order());
        Assert.All(state.Values, Assert.Null);
    }

    [Fact]
    public void NullArgumentsAreRefusedAsSuch()
    {
        Assert.Throws<ArgumentNullException>(() => DesiredState.Build(null!, name => Devices[name]));
        Assert.Throws<ArgumentNullException>(() => DesiredState.Build(Read(("Traffic", "PodToPod")), null!));
    }

    [Fact]
    public void AMissingTransportLeavesOutItsRulesAndItsFlowtablePlace()
    {
        var pending = new List<PendingDevice>();
        FamilyState state = DesiredState.Build(Read(("Traffic", "PodToPod, ExternalToPod, ExternalIP")), Without("eth0"), pending)[NftFamily.Ip]!;
        Assert.Equal(["antrea-gw0"], state.Flowtable!.Devices);
        Assert.Equal(["Accelerate IPv4 connections: External-to-LoadBalancer IP and External IP"], state.Rules.Select(r => r.Comment));
        PendingDevice device = Assert.Single(pending);
        Assert.Equal(("eth0", "transport", AccelTraffic.PodToPod | AccelTraffic.ExternalToPod), (device.Device, device.Role, device.WaitingTraffic));
        Assert.Equal("transport device 'eth0' does not exist: it is left out of the flowtable, and the rules of PodToPod, ExternalToPod are left out until it appears", device.ToString());
    }

    [Fact]
    public void AMissingGatewayWaitsForEveryRuleThatNamesIt()
    {
        var pending = new List<PendingDevice>();
        _ = DesiredState.Build(Read(("Traffic", "All"), ("PeerNodeIP", "192.168.1.2")), Without("antrea-gw0"), pending);
        PendingDevice device = Assert.Single(pending);
        Assert.Equal(("antrea-gw0", "gateway"), (device.Device, device.Role));
        Assert.Equal("gateway device 'antrea-gw0' does not exist: it is left out of the flowtable, and the rules of PodToPod, ExternalToPod, ExternalToNodePort, ExternalIP are left out until it appears", device.ToString());
    }

    [Fact]
    public void AMissingFlowtableDeviceHoldsBackNoRule()
    {
        var pending = new List<PendingDevice>();
        _ = DesiredState.Build(Read(("Traffic", "PodToPod"), ("Devices", "eth1")), Without("eth1"), pending);
        PendingDevice device = Assert.Single(pending);
        Assert.Equal(("eth1", "flowtable", AccelTraffic.None), (device.Device, device.Role, device.WaitingTraffic));
        Assert.Equal("flowtable device 'eth1' does not exist: it is left out of the flowtable until it appears", device.ToString());
    }

    [Fact]
    public void TheGatewayOfFullPathOnlyTrafficIsAFlowtableDeviceOnce()
    {
        FamilyState state = DesiredState.Build(Read(("Traffic", "FullPath"), ("PeerNodeIP", "192.168.1.2"), ("TransportInterface", null)), name => Devices[name])[NftFamily.Ip]!;
        Assert.Equal(["antrea-gw0"], state.Flowtable!.Devices);
        Assert.Equal(["Accelerate IPv4 connections: remote Node transport IPs to local Pod CIDR (full path)"], state.Rules.Select(r => r.Comment));
    }

    [Theory]
    [InlineData("antrea-gw0", "gateway device 'antrea-gw0' does not exist: the Traffic Control redirects of PodToPod, ExternalIP are left out until it appears")]
    [InlineData("eth0", "transport device 'eth0' does not exist: the Traffic Control redirects of PodToPod, ExternalIP are left out until it appears")]
    public void AMissingRedirectDeviceSaysItsRoleAndTheRedirectsLeftOut(string device, string warning)
    {
        PendingDevice pending = PendingDevice.OfRedirects(Read(("Traffic", "PodToPod, ExternalIP")), device);
        Assert.Equal((AccelMode.TrafficControl, warning), (pending.Mode, pending.ToString()));
    }
}
