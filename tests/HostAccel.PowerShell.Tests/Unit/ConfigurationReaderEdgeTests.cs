using System.Collections;
using HostAccel.Native.Interop;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;
using Xunit;

namespace HostAccel.PowerShell.Tests.Unit;

/// <summary>
/// The reader's corners: the exact text of its refusals (what a wrong value is shown as, the lists of valid
/// names), repeated or zero traffic types, strings that parse as numbers, JSON with comments, and a configuration
/// file too large or reached through links.
/// </summary>
public sealed class ConfigurationReaderEdgeTests
{
    private static Hashtable Base(params (string Key, object? Value)[] more)
    {
        var values = new Hashtable { ["LocalPodCidr"] = "10.244.2.0/24", ["TransportInterface"] = "eth0" };
        foreach ((string key, object? value) in more)
        {
            values[key] = value;
        }

        return values;
    }

    private static HostAccelException Refusal(Hashtable values) =>
        Assert.Throws<HostAccelException>(() => ConfigurationReader.Read(values, "test"));

    /// <summary>A type named as PowerShell's script block is: the reader knows it by its name only.</summary>
    private sealed class ScriptBlock
    {
        public override string ToString() => "Get-Date";
    }

    public static TheoryData<string, object?, string> Refusals() => new()
    {
        { "Priority", "abc", "Priority must be a whole number, not 'abc'" },
        { "Priority", new object[] { 1 }, "Priority must be a whole number, not the Object[] 'System.Object[]'" },
        { "Priority", 4294967296L, "Priority must be a whole number, not '4294967296'" },
        { "Counter", "maybe", "Counter must be $true or $false, not 'maybe'" },
        { "Counter", null, "Counter must be $true or $false, not ''" },
        { "Counter", new object[] { true }, "Counter must be $true or $false, not the Object[] 'System.Object[]'" },
        { "Mode", "+1", "'+1' is not a mode; the modes are Flowtable, TrafficControl" },
        { "Traffic", "+1", "'+1' is not a traffic type; the types are None, PodToPod, ExternalToPod, ExternalToNodePort, ExternalIP, FullPath, All" },
        { "TableName", new ScriptBlock(), "TableName takes a string, not a script block { … }: a configuration holds data, never code" },
        { "TableName", new Version(1, 2), "TableName takes a string, not the Version '1.2'" },
        { "Devices", new object?[] { "eth1", null }, "Devices holds an empty entry" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void AWrongValueIsRefusedShowingWhatItIs(string key, object? value, string message)
    {
        HostAccelException failure = Refusal(Base((key, value)));
        Assert.Equal((ErrorIds.InvalidConfiguration, FailureKind.InvalidArgument), (failure.ErrorId, failure.Kind));
        Assert.Equal(message, failure.Message);
    }

    [Fact]
    public void AnUnknownKeyIsRefusedListingTheSettingsWithoutTheOnesThatAreNotState()
    {
        HostAccelException failure = Refusal(Base(("Bogus", 1)));
        Assert.Equal((ErrorIds.InvalidConfiguration, (object?)"Bogus"), (failure.ErrorId, failure.TargetObject));
        Assert.StartsWith("test: 'Bogus' is not a configuration setting; the settings are TableName, SetName, ExternalIPSetName, ", failure.Message);
        Assert.EndsWith(", Priority, Counter, HardwareOffload, OffloadThreshold", failure.Message);
        Assert.DoesNotContain("NodeName", failure.Message);
        Assert.DoesNotContain("NetworkNamespace", failure.Message);
    }

    [Fact]
    public void NullArgumentsAreRefusedAsSuch()
    {
        Assert.Throws<ArgumentNullException>(() => ConfigurationReader.Read(null!, "test"));
        Assert.Throws<ArgumentNullException>(() => ConfigurationReader.ReadText(null!));
        Assert.Throws<ArgumentNullException>(() => ConfigurationValidator.Validate(null!));
    }

    [Fact]
    public void ANodeNameIsKept() =>
        Assert.Equal("node-a", ConfigurationReader.Read(Base(("NodeName", "node-a")), "test").NodeName);

    [Fact]
    public void AnEmptyDeviceStringIsNoDevice() =>
        Assert.Empty(ConfigurationReader.Read(Base(("Devices", "")), "test").Devices);

    public static TheoryData<object, AccelTraffic> TrafficGivenTwice() => new()
    {
        { new object[] { AccelTraffic.PodToPod, AccelTraffic.PodToPod }, AccelTraffic.PodToPod },
        { new object[] { "PodToPod", "podtopod" }, AccelTraffic.PodToPod },
        { new object[] { 1L, 1 }, AccelTraffic.PodToPod },
        { "PodToPod,, PodToPod ,", AccelTraffic.PodToPod },
        { 0L, AccelTraffic.None },
        { new object[] { 0, "PodToPod" }, AccelTraffic.PodToPod },
    };

    [Theory]
    [MemberData(nameof(TrafficGivenTwice))]
    public void ATrafficTypeGivenTwiceOrZeroIsReadOnce(object value, AccelTraffic traffic) =>
        Assert.Equal(traffic, ConfigurationReader.Read(Base(("Traffic", value)), "test").Traffic);

    [Fact]
    public void AFamilyListStringMayHoldSpacesAndEmptyEntries() =>
        Assert.Equal([AccelFamily.Ip, AccelFamily.Ip6],
            ConfigurationReader.Read(Base(("Family", "ip,, ip6 ,"), ("LocalPodCidr", new object[] { "10.244.2.0/24", "fd00:10:244:2::/64" })), "test").Family);

    [Fact]
    public void JsonMayHoldCommentsAndTrailingCommas()
    {
        AccelConfiguration c = ConfigurationReader.ReadJson("""
            {
              // the Node's own
              "LocalPodCidr": "10.244.2.0/24", /* and its uplink */
              "TransportInterface": "eth0",
              "Priority": 7,
            }
            """, "test.json");
        Assert.Equal((7, "eth0"), (c.Priority, c.TransportInterface));
    }

    [Fact]
    public void AFileOverTheLimitIsRefusedSayingByHowMuch()
    {
        string path = Path.Combine(Path.GetTempPath(), $"hostaccel-large-{Guid.NewGuid():N}.json");
        try
        {
            using (FileStream file = File.Create(path))
            {
                file.SetLength(ConfigurationReader.MaxFileBytes + 1);
            }

            HostAccelException failure = Assert.Throws<HostAccelException>(() => ConfigurationReader.ReadText(path));
            Assert.Equal(("ConfigurationFileTooLarge", FailureKind.InvalidArgument, (object?)path), (failure.ErrorId, failure.Kind, failure.TargetObject));
            Assert.Equal($"{path} holds more than 64 MiB; a configuration file is at most 64 MiB (67108864 bytes)", failure.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ALinkToALinkToADirectoryIsRefusedNamingTheFinalTarget()
    {
        string dir = Directory.CreateTempSubdirectory("hostaccel-links-").FullName;
        try
        {
            string target = Directory.CreateDirectory(Path.Combine(dir, "real")).FullName;
            string middle = Path.Combine(dir, "middle");
            string outer = Path.Combine(dir, "outer.json");
            File.CreateSymbolicLink(middle, target);
            File.CreateSymbolicLink(outer, middle);

            HostAccelException failure = Assert.Throws<HostAccelException>(() => ConfigurationReader.ReadText(outer));
            Assert.Equal(("ConfigurationFileNotRegular", (object?)outer), (failure.ErrorId, failure.TargetObject));
            Assert.Equal($"{outer} (a link to {target}) is a directory, not a regular file: a configuration is read from a regular file only", failure.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
