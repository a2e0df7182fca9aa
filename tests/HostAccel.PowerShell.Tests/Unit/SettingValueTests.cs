using System.Collections;
using System.Net;
using HostAccel.Native.Interop;
using HostAccel.Native.Nftables;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;
using Xunit;

namespace HostAccel.PowerShell.Tests.Unit;

/// <summary>
/// The values a setting may arrive as beyond what ConfigurationReaderTests covers — nulls, address objects, numbers
/// of every .NET type — the validator's refusals of families and traffic the reader cannot produce itself, names
/// that are empty, and configuration files the system refuses to open.
/// </summary>
public sealed class SettingValueTests
{
    [Fact]
    public void ANullListFamilyOrTrafficIsNoneOfThem()
    {
        AccelConfiguration c = ConfigurationReader.Read(new Hashtable
        {
            ["LocalPodCidr"] = "10.244.2.0/24", ["Devices"] = null, ["Family"] = null, ["Traffic"] = null, ["PeerPodCidr"] = null,
        }, "test");
        Assert.Equal(AccelTraffic.None, c.Traffic);
        Assert.Equal([AccelFamily.Ip], c.Family);
        Assert.Empty(c.Devices);
        Assert.Empty(c.PeerPodCidr);
    }

    [Fact]
    public void AnAddressObjectIsReadAsItsText()
    {
        AccelConfiguration one = ConfigurationReader.Read(new Hashtable
        {
            ["LocalPodCidr"] = "10.244.2.0/24", ["TransportInterface"] = "eth0", ["Traffic"] = "PodToPod, ExternalIP",
            ["ExternalIP"] = IPAddress.Parse("192.0.2.10"),
            ["PeerPodCidr"] = new object[] { "10.244.1.0/24" },
        }, "test");
        Assert.Equal(["192.0.2.10"], one.ExternalIP);

        AccelConfiguration many = ConfigurationReader.Read(new Hashtable
        {
            ["LocalPodCidr"] = "10.244.2.0/24", ["TransportInterface"] = "eth0", ["Traffic"] = "PodToPod, ExternalIP",
            ["ExternalIP"] = new object[] { IPAddress.Parse("192.0.2.11"), "192.0.2.10" },
        }, "test");
        Assert.Equal(["192.0.2.10", "192.0.2.11"], many.ExternalIP);
    }

    [Theory]
    [InlineData("TableName")]
    [InlineData("ChainName")]
    public void ANameWithoutAValueIsRefusedNamingTheSetting(string key)
    {
        HostAccelException failure = Assert.Throws<HostAccelException>(() => ConfigurationReader.Read(new Hashtable { [key] = null }, "test"));
        Assert.Equal((ErrorIds.InvalidConfiguration, FailureKind.InvalidArgument, (object?)key), (failure.ErrorId, failure.Kind, failure.TargetObject));
        Assert.Equal($"{key} needs a value", failure.Message);
    }

    public static TheoryData<object, int> WholeNumbers() => new()
    {
        { (ulong)7, 7 },
        { 2f, 2 },
        { -3f, -3 },
        { 4m, 4 },
        { -400m, -400 },
    };

    [Theory]
    [MemberData(nameof(WholeNumbers))]
    public void AWholeNumberOfAnyTypeIsAPriority(object value, int priority) =>
        Assert.Equal(priority, ConfigurationReader.Read(new Hashtable { ["LocalPodCidr"] = "10.244.2.0/24", ["TransportInterface"] = "eth0", ["Priority"] = value }, "test").Priority);

    public static TheoryData<object, string> NotWholeNumbers() => new()
    {
        { ulong.MaxValue, "'18446744073709551615'" },
        { (ulong)int.MaxValue + 1, "'2147483648'" },
        { 2.5f, "'2.5'" },
        { float.NaN, "'NaN'" },
        { float.PositiveInfinity, "'Infinity'" },
        { 3e10f, "'3E+10'" },
        { 1.5m, "'1.5'" },
        { 1e20m, "'100000000000000000000'" },
    };

    [Theory]
    [MemberData(nameof(NotWholeNumbers))]
    public void ANumberThatIsNotAWholeIntIsRefusedNotBent(object value, string shown)
    {
        HostAccelException failure = Assert.Throws<HostAccelException>(() => ConfigurationReader.Read(new Hashtable { ["Family"] = "ip", ["Traffic"] = "None", ["Priority"] = value }, "test"));
        Assert.Equal((ErrorIds.InvalidConfiguration, FailureKind.InvalidArgument, value), (failure.ErrorId, failure.Kind, failure.TargetObject));
        Assert.Equal($"Priority must be a whole number, not {shown}", failure.Message);
    }

    [Theory]
    [InlineData(64)]
    [InlineData(96)]
    [InlineData(-1)]
    public void TrafficBitsOutsideEveryTypeAreRefused(int bits)
    {
        var c = new AccelConfiguration { Family = [AccelFamily.Ip], Traffic = (AccelTraffic)bits };
        HostAccelException failure = Assert.Throws<HostAccelException>(() => ConfigurationValidator.Validate(c));
        Assert.Equal((ErrorIds.InvalidConfiguration, FailureKind.InvalidArgument, (object?)(AccelTraffic)bits), (failure.ErrorId, failure.Kind, failure.TargetObject));
        Assert.Equal($"{bits} is not a combination of traffic types", failure.Message);
        Assert.Equal(AccelTraffic.None, ConfigurationValidator.Validate(new AccelConfiguration { Family = [AccelFamily.Ip], Traffic = AccelTraffic.None }).Traffic);
    }

    [Theory]
    [InlineData("ip6", "10.244.2.0/24", "LocalPodCidr 10.244.2.0/24 is IPv4, but Family is Ip6")]
    [InlineData("ip", "fd00:10:244:2::/64", "LocalPodCidr fd00:10:244:2::/64 is IPv6, but Family is Ip")]
    public void ALocalPodCidrOfAFamilyNotManagedIsRefused(string family, string local, string message)
    {
        HostAccelException failure = Assert.Throws<HostAccelException>(() => ConfigurationReader.Read(new Hashtable { ["Family"] = family, ["LocalPodCidr"] = local, ["TransportInterface"] = "eth0" }, "test"));
        Assert.Equal((ErrorIds.InvalidConfiguration, FailureKind.InvalidArgument, (object?)local), (failure.ErrorId, failure.Kind, failure.TargetObject));
        Assert.Equal(message, failure.Message);
    }

    [Theory]
    [InlineData("PeerPodCidr", "10.244.1.0/24")]
    [InlineData("ExternalIP", "192.0.2.10")]
    [InlineData("PeerNodeIP", "172.18.0.3")]
    public void ASetsContentWithoutAFamilyToKeepItInIsRefused(string key, string value)
    {
        HostAccelException failure = Assert.Throws<HostAccelException>(() => ConfigurationReader.Read(new Hashtable { [key] = value, ["Traffic"] = "All" }, "test"));
        Assert.Equal((ErrorIds.InvalidConfiguration, FailureKind.InvalidArgument, (object?)key), (failure.ErrorId, failure.Kind, failure.TargetObject));
        Assert.Equal($"{key} is given, but no family is managed: give LocalPodCidr or Family", failure.Message);
        // Empty, it is no setting at all.
        Assert.Equal(AccelTraffic.None, ConfigurationReader.Read(new Hashtable { [key] = Array.Empty<string>(), ["Traffic"] = "All" }, "test").Traffic);
    }

    [Theory]
    [InlineData("ServiceSnatAddress", "ExternalToPod", "169.254.0.253", "169.254.0.254", "IPv4")]
    [InlineData("NodePortDnatAddress", "ExternalToNodePort", "fc01::2", "fc01::1", "IPv6")]
    public void TwoTranslationAddressesOfOneFamilyAreRefused(string key, string traffic, string first, string second, string version)
    {
        var values = new Hashtable
        {
            ["LocalPodCidr"] = "10.244.2.0/24", ["TransportInterface"] = "eth0", ["Traffic"] = traffic, [key] = new[] { first, second },
        };
        HostAccelException failure = Assert.Throws<HostAccelException>(() => ConfigurationReader.Read(values, "test"));
        string[] both = [first, second];
        Assert.Equal((ErrorIds.InvalidConfiguration, FailureKind.InvalidArgument), (failure.ErrorId, failure.Kind));
        Assert.Equal($"{key}: one address per family, {both[0]}/{(version == "IPv4" ? 32 : 128)} and {both[1]}/{(version == "IPv4" ? 32 : 128)} are both {version}", failure.Message);
        Assert.Equal($"{both[0]}/{(version == "IPv4" ? 32 : 128)}, {both[1]}/{(version == "IPv4" ? 32 : 128)}", failure.TargetObject);
    }

    // ---- Names ------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public void AnEmptyObjectNameIsRefusedWithTheLimits(string? name)
    {
        HostAccelException failure = Assert.Throws<HostAccelException>(() => Names.Object("SetName", name));
        Assert.Equal((ErrorIds.InvalidArgument, FailureKind.InvalidArgument, (object?)name), (failure.ErrorId, failure.Kind, failure.TargetObject));
        Assert.Equal("SetName is empty: a name has 1 to 255 bytes", failure.Message);
    }

    [Fact]
    public void AnEmptyTableNameInAConfigurationIsRefused()
    {
        HostAccelException failure = Assert.Throws<HostAccelException>(() => ConfigurationReader.Read(new Hashtable { ["TableName"] = "" }, "test"));
        Assert.Equal((ErrorIds.InvalidArgument, "TableName is empty: a name has 1 to 255 bytes"), (failure.ErrorId, failure.Message));
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    public void AnEmptyDeviceNameIsRefusedWithTheLimits(string? name)
    {
        HostAccelException failure = Assert.Throws<HostAccelException>(() => Names.Device("GatewayInterface", name));
        Assert.Equal((ErrorIds.InvalidArgument, FailureKind.InvalidArgument, (object?)name), (failure.ErrorId, failure.Kind, failure.TargetObject));
        Assert.Equal("GatewayInterface is empty: a device name has 1 to 15 bytes", failure.Message);
    }

    [Fact]
    public void AnEmptyGatewayInterfaceInAConfigurationIsRefused()
    {
        HostAccelException failure = Assert.Throws<HostAccelException>(() => ConfigurationReader.Read(new Hashtable { ["GatewayInterface"] = "", ["LocalPodCidr"] = "10.244.2.0/24", ["TransportInterface"] = "eth0" }, "test"));
        Assert.Equal((ErrorIds.InvalidArgument, "GatewayInterface is empty: a device name has 1 to 15 bytes"), (failure.ErrorId, failure.Message));
        // A single space is a name, and not a device name.
        HostAccelException space = Assert.Throws<HostAccelException>(() => Names.Device("GatewayInterface", " "));
        Assert.StartsWith("GatewayInterface: ' ' is not a device name", space.Message, StringComparison.Ordinal);
    }

    // ---- Files the system refuses -------------------------------------------------------------------------------

    [Fact]
    public void AFileTheSystemCannotOpenIsItsErrnosFailureNamingThePath()
    {
        string dir = Directory.CreateTempSubdirectory("hostaccel-config-").FullName;
        try
        {
            string loop = Path.Combine(dir, "loop.json");
            File.CreateSymbolicLink(loop, loop);
            string tooLong = Path.Combine(dir, new string('n', 300) + ".json");
            foreach ((string path, string id, FailureKind kind, Errno errno) in new[]
            {
                (loop, ErrorIds.KernelError, FailureKind.NotSpecified, Errno.ELOOP),
                (tooLong, ErrorIds.InvalidArgument, FailureKind.InvalidArgument, Errno.ENAMETOOLONG),
            })
            {
                HostAccelException failure = Assert.Throws<HostAccelException>(() => ConfigurationReader.ReadFile(path));
                Assert.Equal((id, kind, errno, (object?)path), (failure.ErrorId, failure.Kind, failure.Errno, failure.TargetObject));
                Assert.Equal(Assert.IsType<HostAccel.Native.SystemCallException>(failure.InnerException).Message, failure.Message);
                Assert.Contains(path, failure.Message, StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // ---- Glob -------------------------------------------------------------------------------------------------

    /// <summary>A backtick escapes a wildcard character; before anything else, and at the end, it is itself (WildcardPattern.Unescape).</summary>
    [Theory]
    [InlineData("a``b", "a`b")]
    [InlineData("``", "`")]
    [InlineData("`a", "`a")]
    [InlineData("a`b", "a`b")]
    [InlineData("a`", "a`")]
    [InlineData("`", "`")]
    [InlineData("a`*", "a*")]
    [InlineData("```*", "`*")]
    public void UnescapeKeepsABacktickThatEscapesNoWildcard(string pattern, string literal)
    {
        Assert.Equal(literal, Glob.Unescape(pattern));
        Assert.True(Glob.IsMatch(literal, pattern));
        Assert.False(Glob.IsMatch(literal + "x", pattern));
    }

    [Theory]
    [InlineData("ab`", "a*`", true)]
    [InlineData("ab", "a*`", false)]
    [InlineData("a`", "?`", true)]
    [InlineData("a", "?`", false)]
    [InlineData("x`", "[x]`", true)]
    public void ATrailingBacktickInAPatternWithWildcardsIsALiteralBacktick(string value, string pattern, bool matches) =>
        Assert.Equal(matches, Glob.IsMatch(value, pattern));

    [Fact]
    public void ARuleThatMatchesOneSideTwiceIsNotHostAccels()
    {
        IpPrefix a = IpPrefix.Parse("10.244.2.0/24"), b = IpPrefix.Parse("10.244.3.0/24");
        RuleShape? single = RuleShape.Of(new RuleBuilder(NftFamily.Ip, "antrea", "forward").SourceAddress(a).DestinationInSet("peer", ipv6: false).FlowAdd("fastpath").Counter().Build());
        Assert.Equal(new HostAccel.PowerShell.Engine.Configuration.AddressMatch(a, null), single!.Source);
        Assert.Equal(new HostAccel.PowerShell.Engine.Configuration.AddressMatch(null, "peer"), single.Destination);
        Assert.Null(RuleShape.Of(new RuleBuilder(NftFamily.Ip, "antrea", "forward").SourceAddress(a).SourceAddress(b).DestinationInSet("peer", ipv6: false).FlowAdd("fastpath").Counter().Build()));
        Assert.Null(RuleShape.Of(new RuleBuilder(NftFamily.Ip, "antrea", "forward").SourceAddress(a).DestinationInSet("peer", ipv6: false).DestinationAddress(b).FlowAdd("fastpath").Counter().Build()));
    }
}
