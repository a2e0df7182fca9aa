using System.Collections;
using HostAccel.Native.Interop;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;
using Xunit;

namespace HostAccel.PowerShell.Tests.Unit;

/// <summary>
/// The validator's bounds and refusals as documented texts (the whole address space, a family's prefix without the
/// family, two addresses of one family, devices that cannot exist), and the normal form of what has no effect (the
/// gateway of full-path-only traffic, flags of prepared tables, a DNAT address without its traffic).
/// </summary>
public sealed class ConfigurationValidatorEdgeTests
{
    private static AccelConfiguration Read(params (string Key, object? Value)[] settings)
    {
        var values = new Hashtable { ["LocalPodCidr"] = "10.244.2.0/24", ["TransportInterface"] = "eth0" };
        foreach ((string key, object? value) in settings)
        {
            values[key] = value;
        }

        return ConfigurationReader.Read(values, "test");
    }

    private static HostAccelException Refusal(params (string Key, object? Value)[] settings) =>
        Assert.Throws<HostAccelException>(() => Read(settings));

    public static TheoryData<string, object?, string> Refusals() => new()
    {
        { "LocalPodCidr", new object[] { "10.244.2.0/24", "10.244.1.0/24" }, "InvalidConfiguration|one local Pod CIDR per family: 10.244.2.0/24 and 10.244.1.0/24 are both IPv4|10.244.2.0/24, 10.244.1.0/24" },
        { "LocalPodCidr", "0.0.0.0/0", "InvalidCidr|LocalPodCidr: 0.0.0.0/0 is the whole address space; HostAccel accelerates Pod CIDRs and addresses, not everything|0.0.0.0/0" },
        { "ExternalIP", "0.0.0.0/0", "InvalidCidr|ExternalIP: 0.0.0.0/0 is the whole address space; HostAccel accelerates Pod CIDRs and addresses, not everything|0.0.0.0/0" },
        { "PeerNodeIP", "::/0", "InvalidCidr|PeerNodeIP: ::/0 is the whole address space; HostAccel accelerates Pod CIDRs and addresses, not everything|::/0" },
        { "ServiceSnatAddress", "0.0.0.0/0", "InvalidCidr|ServiceSnatAddress: 0.0.0.0/0 is the whole address space; HostAccel accelerates Pod CIDRs and addresses, not everything|0.0.0.0/0" },
        { "ServiceSnatAddress", new object[] { "169.254.0.1", "169.254.0.2" }, "InvalidConfiguration|ServiceSnatAddress: one address per family, 169.254.0.1/32 and 169.254.0.2/32 are both IPv4|169.254.0.1/32, 169.254.0.2/32" },
        { "PeerPodCidr", "fd00:10:244:1::/64", "InvalidConfiguration|PeerPodCidr holds the IPv6 prefix fd00:10:244:1::/64, but the ip6 family is not managed: give a LocalPodCidr or Family for it|fd00:10:244:1::/64" },
        { "GatewayInterface", "gw/0", "InvalidArgument|GatewayInterface: 'gw/0' is not a device name: 1 to 15 bytes (IFNAMSIZ less its NUL) without '/', ':' or spaces|gw/0" },
        { "TransportInterface", "eth:0", "InvalidArgument|TransportInterface: 'eth:0' is not a device name: 1 to 15 bytes (IFNAMSIZ less its NUL) without '/', ':' or spaces|eth:0" },
        { "Devices", "eth 1", "InvalidArgument|Devices: 'eth 1' is not a device name: 1 to 15 bytes (IFNAMSIZ less its NUL) without '/', ':' or spaces|eth 1" },
        { "Devices", "..", "InvalidArgument|Devices: '..' is not a device name: 1 to 15 bytes (IFNAMSIZ less its NUL) without '/', ':' or spaces|.." },
        { "Devices", "a-device-name-16", "InvalidArgument|Devices: 'a-device-name-16' is not a device name: 1 to 15 bytes (IFNAMSIZ less its NUL) without '/', ':' or spaces|a-device-name-16" },
        { "PeerNodeIP", "192.168.1.2", "InvalidConfiguration|PeerNodeIP is given, but Traffic (PodToPod) does not include FullPath|PeerNodeIP" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void AValueTheKernelCannotTakeIsRefusedWithTheDocumentedText(string key, object? value, string expected)
    {
        HostAccelException failure = Refusal((key, value), ("Traffic", "PodToPod"));
        Assert.Equal(FailureKind.InvalidArgument, failure.Kind);
        Assert.Equal(expected, $"{failure.ErrorId}|{failure.Message}|{failure.TargetObject}");
    }

    [Fact]
    public void SetsOfOneNameAreRefusedListingTheThreeNames()
    {
        HostAccelException failure = Refusal(("SetName", "same"), ("ExternalIPSetName", "same"), ("PeerNodeSetName", "nodes"));
        Assert.Equal((ErrorIds.InvalidConfiguration, (object?)"same, same, nodes"), (failure.ErrorId, failure.TargetObject));
        Assert.Equal("SetName, ExternalIPSetName and PeerNodeSetName must differ: same, same, nodes", failure.Message);
    }

    [Fact]
    public void ALocalPodCidrOfAFamilyNotGivenIsRefused()
    {
        HostAccelException failure = Refusal(("Family", "ip6"), ("Traffic", "PodToPod"));
        Assert.Equal((ErrorIds.InvalidConfiguration, (object?)"10.244.2.0/24"), (failure.ErrorId, failure.TargetObject));
        Assert.Equal("LocalPodCidr 10.244.2.0/24 is IPv4, but Family is Ip6", failure.Message);
    }

    [Fact]
    public void PrefixesWithoutAnyFamilyAreRefused()
    {
        HostAccelException failure = Refusal(("LocalPodCidr", null), ("TransportInterface", null), ("PeerPodCidr", "10.244.1.0/24"));
        Assert.Equal((ErrorIds.InvalidConfiguration, (object?)"PeerPodCidr"), (failure.ErrorId, failure.TargetObject));
        Assert.Equal("PeerPodCidr is given, but no family is managed: give LocalPodCidr or Family", failure.Message);
    }

    [Fact]
    public void AnIPv4PrefixWithoutTheIpFamilyIsRefusedNamingTheIpFamily()
    {
        HostAccelException failure = Refusal(("LocalPodCidr", "fd00:10:244:2::/64"), ("PeerPodCidr", "10.244.1.0/24"), ("Traffic", "PodToPod"));
        Assert.Equal("PeerPodCidr holds the IPv4 prefix 10.244.1.0/24, but the ip family is not managed: give a LocalPodCidr or Family for it", failure.Message);
    }

    [Fact]
    public void TrafficWithoutItsLocalPodCidrNamesOnlyTheTrafficThatNeedsIt()
    {
        HostAccelException failure = Refusal(("LocalPodCidr", null), ("Family", "ip"), ("Traffic", "PodToPod, ExternalIP"));
        Assert.Equal((ErrorIds.InvalidConfiguration, (object?)"LocalPodCidr"), (failure.ErrorId, failure.TargetObject));
        Assert.Equal("PodToPod traffic needs an IPv4 LocalPodCidr", failure.Message);
    }

    [Theory]
    [InlineData(-400)]
    [InlineData(400)]
    public void APriorityAtTheBoundIsTaken(int priority) =>
        Assert.Equal(priority, Read(("Priority", priority)).Priority);

    [Fact]
    public void TheGatewayOfFullPathOnlyTrafficIsOneMoreFlowtableDevice()
    {
        AccelConfiguration c = Read(("Traffic", "FullPath"), ("GatewayInterface", "gw1"), ("PeerNodeIP", "192.168.1.2"), ("TransportInterface", null));
        Assert.Equal((Design.GatewayInterface, (string?)null), (c.GatewayInterface, c.TransportInterface));
        Assert.Equal(["gw1"], c.Devices);
    }

    [Fact]
    public void PreparedTablesKeepNoFlags()
    {
        AccelConfiguration c = Read(("Traffic", "None"), ("Counter", true), ("HardwareOffload", true), ("Priority", 5));
        Assert.Equal((false, false, 0), (c.Counter, c.HardwareOffload, c.Priority));
    }

    [Fact]
    public void AnAddressOfTrafficThatIsNotAcceleratedIsDropped()
    {
        AccelConfiguration c = Read(("Traffic", "PodToPod"), ("NodePortDnatAddress", "169.254.0.9"), ("ServiceSnatAddress", "169.254.0.8"));
        Assert.Empty(c.NodePortDnatAddress);
        Assert.Empty(c.ServiceSnatAddress);
    }

    [Fact]
    public void PrefixesGivenOutOfOrderAndTwiceAreSortedAndKeptOnce() =>
        Assert.Equal(["10.244.1.0/24", "10.244.3.0/24"],
            Read(("PeerPodCidr", new object[] { "10.244.3.0/24", "10.244.1.0/24", "10.244.3.0/24" }), ("Traffic", "PodToPod")).PeerPodCidr);

    [Fact]
    public void PrefixesThatOverlapApartInTheListAreRefused()
    {
        HostAccelException failure = Refusal(("PeerPodCidr", new object[] { "10.0.0.0/8", "11.0.0.0/8", "10.1.0.0/16" }), ("Traffic", "PodToPod"));
        Assert.Equal(ErrorIds.OverlappingCidr, failure.ErrorId);
    }

    [Fact]
    public void AFamilyWithoutAnAddressInTheListHasNone()
    {
        Assert.Null(ConfigurationValidator.ForFamily(["169.254.0.253"], ipv6: true));
        Assert.Equal("169.254.0.253", ConfigurationValidator.ForFamily(["fc00::1", "169.254.0.253"], ipv6: false)?.Address.ToString());
    }
}
