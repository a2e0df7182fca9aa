using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;
using Xunit;

namespace HostAccel.PowerShell.Tests.Unit;

/// <summary>
/// The reader and validator behind New-, Sync- and Test-AccelConfiguration's input: what a person writes in a
/// hashtable, a .psd1 or a JSON file, refused with an error that names the value at fault, or put in the one
/// normal form that Get-AccelConfiguration also produces.
/// </summary>
public sealed class ConfigurationReaderTests
{
    private static readonly string Root = typeof(ConfigurationReaderTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    private static readonly string[] Settings = typeof(AccelConfiguration).GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Select(p => p.Name).Where(n => n is not (nameof(AccelConfiguration.NetworkNamespace) or nameof(AccelConfiguration.NodeName) or nameof(AccelConfiguration.NodeIP))).ToArray();

    /// <summary>ConvertTo-Json of an AccelConfiguration: every property, lists as arrays, the Traffic enum as its number.</summary>
    private const string ConvertToJsonOutput = """
        {
          "TableName": "antrea",
          "SetName": "peer-pod-cidr",
          "ExternalIPSetName": "external-ip",
          "PeerNodeSetName": "peer-node-ip",
          "FlowtableName": "fastpath",
          "ChainName": "forward",
          "GatewayInterface": "antrea-gw0",
          "TransportInterface": "eth0",
          "Devices": [],
          "LocalPodCidr": [
            "10.244.2.0/24"
          ],
          "PeerPodCidr": [
            "10.244.0.0/24",
            "10.244.1.0/24"
          ],
          "Traffic": TRAFFIC,
          "ExternalIP": [
            "192.0.2.10"
          ],
          "PeerNodeIP": [],
          "ServiceSnatAddress": [
            "169.254.0.253",
            "fc01::aabb:ccdd:eeff"
          ],
          "NodePortDnatAddress": [
            "169.254.0.252",
            "fc01::aabb:ccdd:eefe"
          ],
          "Priority": 0,
          "Counter": false,
          "HardwareOffload": false,
          "OffloadThreshold": 0,
          "NetworkNamespace": null
        }
        """;

    [Theory]
    [InlineData("9")]
    [InlineData("\"PodToPod, ExternalIP\"")]
    [InlineData("[\"ExternalIP\", \"PodToPod\"]")]
    [InlineData("\"podtopod,externalip\"")]
    public void JsonAsConvertToJsonWritesItIsReadWithTrafficAsANumberOrNames(string traffic)
    {
        AccelConfiguration c = ConfigurationReader.ReadJson(ConvertToJsonOutput.Replace("TRAFFIC", traffic, StringComparison.Ordinal), "node.json");
        Assert.Equal(AccelTraffic.PodToPod | AccelTraffic.ExternalIP, c.Traffic);
        Assert.Equal(["10.244.2.0/24"], c.LocalPodCidr);
        Assert.Equal(["10.244.0.0/24", "10.244.1.0/24"], c.PeerPodCidr);
        Assert.Equal(["192.0.2.10"], c.ExternalIP);
        Assert.Equal("eth0", c.TransportInterface);
        Assert.Empty(c.Devices);
        Assert.Null(c.NetworkNamespace);
    }

    [Fact]
    public void AConfigurationWrittenAsJsonReadsBackEqual()
    {
        AccelConfiguration c = ConfigurationReader.Read(DualStack(), "test");
        AccelConfiguration back = ConfigurationReader.ReadJson(JsonSerializer.Serialize(c), "test");
        Assert.Equivalent(c, back, strict: true);
    }

    [Fact]
    public void KeysAreMatchedInAnyCase()
    {
        var values = new Hashtable
        {
            ["localpodcidr"] = "10.244.2.0/24",
            ["TRANSPORTINTERFACE"] = "eth0",
            ["Traffic"] = "podtopod, EXTERNALTONODEPORT",
            ["peerPodCidr"] = new object[] { "10.244.1.0/24" },
            ["counter"] = true,
            ["PRIORITY"] = "-10",
        };
        AccelConfiguration c = ConfigurationReader.Read(values, "test");
        Assert.Equal(["10.244.2.0/24"], c.LocalPodCidr);
        Assert.Equal("eth0", c.TransportInterface);
        Assert.Equal(AccelTraffic.PodToPod | AccelTraffic.ExternalToNodePort, c.Traffic);
        Assert.Equal(["10.244.1.0/24"], c.PeerPodCidr);
        Assert.True(c.Counter);
        Assert.Equal(-10, c.Priority);
    }

    /// <summary>
    /// Invoke-Command hands back enums as numbers of their underlying width: Family (a byte enum) as bytes,
    /// Traffic as an int; JSON gives longs. Each is the same setting.
    /// </summary>
    [Fact]
    public void NumbersOfEveryWidthAreReadAsTheFamiliesTrafficAndFlagsTheyStandFor()
    {
        var values = new Hashtable
        {
            ["Family"] = new object[] { (byte)2, (byte)10 },
            ["LocalPodCidr"] = new object[] { "10.244.2.0/24", "fd00:10:244:2::/64" },
            ["TransportInterface"] = "eth0",
            ["Traffic"] = (short)1,
            ["Counter"] = (byte)1,
        };
        AccelConfiguration c = ConfigurationReader.Read(values, "test");
        Assert.Equal([AccelFamily.Ip, AccelFamily.Ip6], c.Family);
        Assert.Equal(AccelTraffic.PodToPod, c.Traffic);
        Assert.True(c.Counter);

        values["Family"] = (byte)7;
        HostAccelException refused = Assert.Throws<HostAccelException>(() => ConfigurationReader.Read(values, "test"));
        Assert.Contains("'7' is not a family", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownKeyIsAnErrorNamingIt()
    {
        var values = new Hashtable { ["LocalPodCidr"] = "10.244.2.0/24", ["TransportInterface"] = "eth0", ["Trafic"] = "All" };
        HostAccelException failure = Fails(() => ConfigurationReader.Read(values, "node.psd1"), ErrorIds.InvalidConfiguration, FailureKind.InvalidArgument, "'Trafic'");
        Assert.Equal("Trafic", failure.TargetObject);
        Assert.StartsWith("node.psd1: ", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Traffic", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownKeyInJsonIsAnErrorNamingIt()
    {
        Fails(() => ConfigurationReader.ReadJson("""{ "LocalPodCidrs": ["10.244.2.0/24"] }""", "node.json"), ErrorIds.InvalidConfiguration, FailureKind.InvalidArgument, "'LocalPodCidrs'");
    }

    /// <summary>A setting, a bad value for it, and the error it must give, naming the value.</summary>
    public static TheoryData<string, object, string, string> BadValues() => new()
    {
        { "PeerPodCidr", new[] { "10.244.0/24" }, ErrorIds.InvalidCidr, "10.244.0/24" },
        { "PeerPodCidr", new[] { "10.244.0.0/16", "10.244.1.0/24" }, ErrorIds.OverlappingCidr, "10.244.1.0/24 overlaps 10.244.0.0/16" },
        { "PeerPodCidr", new[] { "fd00:10:244:1::/64" }, ErrorIds.InvalidConfiguration, "fd00:10:244:1::/64" },
        { "PeerPodCidr", new[] { "0.0.0.0/0" }, ErrorIds.InvalidCidr, "0.0.0.0/0" },
        { "LocalPodCidr", new[] { "10.244.2.1/24" }, ErrorIds.HostBitsSet, "10.244.2.1/24" },
        { "LocalPodCidr", new[] { "10.244.2.0/24", "10.244.3.0/24" }, ErrorIds.InvalidConfiguration, "10.244.2.0/24 and 10.244.3.0/24" },
        { "Family", new[] { "inet" }, ErrorIds.InvalidConfiguration, "not inet" },
        { "Family", new[] { "ipv5" }, ErrorIds.InvalidConfiguration, "'ipv5'" },
        { "Traffic", "PodToPods", ErrorIds.InvalidConfiguration, "'PodToPods'" },
        { "Traffic", 32L, ErrorIds.InvalidConfiguration, "'32'" },
        { "Devices", new[] { "abcdefghijklmnop" }, ErrorIds.InvalidArgument, "'abcdefghijklmnop'" },
        { "GatewayInterface", "eth0", ErrorIds.InvalidConfiguration, "'eth0'" },
        { "ExternalIP", new[] { "192.0.2.10" }, ErrorIds.InvalidConfiguration, "ExternalIP is given, but Traffic (PodToPod)" },
        { "ServiceSnatAddress", new[] { "169.254.0.0/24" }, ErrorIds.InvalidConfiguration, "169.254.0.0/24" },
        { "Priority", 401L, ErrorIds.InvalidConfiguration, "401" },
        { "Priority", "filter", ErrorIds.InvalidConfiguration, "'filter'" },
        { "Counter", "yes", ErrorIds.InvalidConfiguration, "'yes'" },
        { "TableName", new[] { "antrea", "other" }, ErrorIds.InvalidConfiguration, "TableName takes one name" },
        { "ExternalIPSetName", "peer-pod-cidr", ErrorIds.InvalidConfiguration, "peer-pod-cidr, peer-pod-cidr, peer-node-ip" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void ABadValueIsRefusedNamingIt(string key, object value, string errorId, string named)
    {
        Hashtable values = Node();
        values[key] = value;
        HostAccelException failure = Fails(() => ConfigurationReader.Read(values, "test"), errorId, FailureKind.InvalidArgument, named);
        Assert.NotNull(failure.TargetObject);
    }

    /// <summary>
    /// Issue 19: values bent instead of refused. Priority 1.5 became + 2 and JSON's 2.7 + 3; a value that is not a
    /// string (a script block in a .psd1, which the cmdlets refuse first, by key) was taken as its text; Counter 2 as
    /// $true. Each is refused, naming the setting.
    /// </summary>
    [Theory]
    [InlineData("Priority", 1.5, "Priority must be a whole number, not '1.5'")]
    [InlineData("Priority", -0.5, "Priority must be a whole number")]
    [InlineData("Priority", "2.7", "Priority must be a whole number, not '2.7'")]
    [InlineData("Priority", true, "Priority must be a whole number, not 'True'")]
    [InlineData("Priority", 1e300, "Priority must be a whole number")]
    [InlineData("Counter", 2, "Counter must be $true or $false, not '2'")]
    [InlineData("TableName", 5, "TableName takes a string, not the Int32 '5'")]
    public void ANumberOrTypeThatWouldBeBentIsRefusedNamingTheSetting(string key, object value, string named)
    {
        Hashtable values = Node();
        values[key] = value;
        Fails(() => ConfigurationReader.Read(values, "test"), ErrorIds.InvalidConfiguration, FailureKind.InvalidArgument, named);
    }

    [Fact]
    public void AnObjectThatIsNotAStringIsNotTakenAsItsText()
    {
        Hashtable values = Node();
        values["TableName"] = new Uri("http://example.com/");
        Fails(() => ConfigurationReader.Read(values, "test"), ErrorIds.InvalidConfiguration, FailureKind.InvalidArgument, "TableName takes a string, not the Uri");
        values = Node();
        values["Devices"] = new object[] { "eth1", new Version(1, 2) };
        Fails(() => ConfigurationReader.Read(values, "test"), ErrorIds.InvalidConfiguration, FailureKind.InvalidArgument, "Devices takes a string, not the Version");
    }

    [Theory]
    [InlineData(2.0, 2)]
    [InlineData(-3L, -3)]
    [InlineData("7", 7)]
    [InlineData((byte)4, 4)]
    public void AWholeNumberInAnyFormIsAPriority(object value, int priority)
    {
        Hashtable values = Node();
        values["Priority"] = value;
        Assert.Equal(priority, ConfigurationReader.Read(values, "test").Priority);
    }

    [Fact]
    public void JsonNumbersWithAFractionAreRefused()
    {
        Fails(() => ConfigurationReader.ReadJson("{ \"Family\": \"ip\", \"Traffic\": \"None\", \"Priority\": 2.7 }", "node.json"),
            ErrorIds.InvalidConfiguration, FailureKind.InvalidArgument, "Priority must be a whole number, not '2.7'");
    }

    /// <summary>
    /// A hashtable that keeps TableName and tablename apart (a case-sensitive one, [hashtable]::new()) holds one
    /// setting twice; the last silently won. JSON already refused duplicates.
    /// </summary>
    [Fact]
    public void ASettingGivenTwiceInKeysThatDifferOnlyInCaseIsRefused()
    {
        var values = new Hashtable(StringComparer.Ordinal) { ["Family"] = "ip", ["TableName"] = "a", ["tablename"] = "b" };
        Assert.Equal(3, values.Count);
        Fails(() => ConfigurationReader.Read(values, "-Configuration"), ErrorIds.InvalidConfiguration, FailureKind.InvalidArgument, "are the same setting (keys are read in any case), given twice");
    }

    [Fact]
    public void PodToPodTrafficNeedsATransportInterface()
    {
        Hashtable values = Node();
        values.Remove("TransportInterface");
        Fails(() => ConfigurationReader.Read(values, "test"), ErrorIds.InvalidConfiguration, FailureKind.InvalidArgument, "TransportInterface is needed for PodToPod traffic");
    }

    [Fact]
    public void TrafficWithoutPodToPodOrExternalToPodNeedsNoTransportInterface()
    {
        Hashtable values = Node();
        values.Remove("TransportInterface");
        values["Traffic"] = "ExternalToNodePort";
        Assert.Null(ConfigurationReader.Read(values, "test").TransportInterface);
    }

    [Fact]
    public void ADeviceNameOfFifteenBytesIsTheLongestAccepted()
    {
        Hashtable values = Node();
        values["Devices"] = "abcdefghijklmno";
        Assert.Equal(["abcdefghijklmno"], ConfigurationReader.Read(values, "test").Devices);
    }

    [Theory]
    [InlineData("[\"a\"]", "must hold a JSON object")]
    [InlineData("{ \"LocalPodCidr\": ", "is not valid JSON")]
    [InlineData("{ \"Traffic\": \"All\", \"traffic\": \"None\" }", "'traffic' is given twice")]
    public void JsonThatIsNotOneObjectOfSettingsIsRefused(string json, string named)
    {
        Fails(() => ConfigurationReader.ReadJson(json, "node.json"), ErrorIds.InvalidConfiguration, FailureKind.InvalidArgument, named);
    }

    [Fact]
    public void AMissingFileIsConfigurationFileNotFound()
    {
        string path = Path.Combine(Path.GetTempPath(), $"hostaccel-missing-{Guid.NewGuid():N}.json");
        Fails(() => ConfigurationReader.ReadFile(path), ConfigurationErrorIds.ConfigurationFileNotFound, FailureKind.ObjectNotFound, $"there is no configuration file {path}");
    }

    /// <summary>
    /// Issue 19: a FIFO blocked Sync-AccelConfiguration -Path forever (not even PowerShell.Stop() ended it) and a link
    /// to /dev/zero grew to 4 GB before "Insufficient memory", reported as a kernel error. Only regular files are read,
    /// a link judged by its target, up to 64 MiB, each refusal with its own id and at once.
    /// </summary>
    [Fact]
    public async Task OnlyARegularFileOfAtMost64MiBIsReadAndEverythingElseIsRefusedAtOnce()
    {
        string dir = Directory.CreateTempSubdirectory("hostaccel-config-").FullName;
        try
        {
            string fifo = Path.Combine(dir, "fifo.json");
            Assert.True(Native.Tests.Support.Shell.TryRun("mkfifo", fifo));
            string zero = Path.Combine(dir, "zero.json");
            File.CreateSymbolicLink(zero, "/dev/zero");
            string folder = Path.Combine(dir, "folder.json");
            Directory.CreateDirectory(folder);
            string large = Path.Combine(dir, "large.json");
            using (FileStream stream = File.Create(large))
            {
                stream.SetLength(ConfigurationReader.MaxFileBytes + 1);
            }

            var cases = new (string Path, string Id, string Says)[]
            {
                (fifo, ConfigurationErrorIds.ConfigurationFileNotRegular, "is a FIFO (named pipe), not a regular file"),
                (zero, ConfigurationErrorIds.ConfigurationFileNotRegular, "(a link to /dev/zero) is a character device, not a regular file"),
                (folder, ConfigurationErrorIds.ConfigurationFileNotRegular, "is a directory, not a regular file"),
                (large, ConfigurationErrorIds.ConfigurationFileTooLarge, "a configuration file is at most 64 MiB"),
            };
            foreach ((string path, string id, string says) in cases)
            {
                HostAccelException failure = await Task.Run(() => Assert.Throws<HostAccelException>(() => ConfigurationReader.ReadFile(path)))
                    .WaitAsync(TimeSpan.FromSeconds(10));
                Assert.Equal((id, FailureKind.InvalidArgument, (object?)path), (failure.ErrorId, failure.Kind, failure.TargetObject));
                Assert.Contains(says, failure.Message, StringComparison.Ordinal);
            }

            string link = Path.Combine(dir, "link.json");
            File.WriteAllText(Path.Combine(dir, "real.json"), "{ \"Family\": \"ip\", \"Traffic\": \"None\" }");
            File.CreateSymbolicLink(link, Path.Combine(dir, "real.json"));
            Assert.Equal([AccelFamily.Ip], ConfigurationReader.ReadFile(link).Family);
            Assert.Throws<OperationCanceledException>(() => ConfigurationReader.ReadFile(link, new CancellationToken(canceled: true)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void AByteOrderMarkPicksTheEncoding()
    {
        string path = Path.Combine(Path.GetTempPath(), $"hostaccel-bom-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, "{ \"Family\": \"ip6\", \"Traffic\": \"None\" }", new System.Text.UnicodeEncoding(bigEndian: false, byteOrderMark: true));
        try
        {
            Assert.Equal([AccelFamily.Ip6], ConfigurationReader.ReadFile(path).Family);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void DuplicatesAreCollapsedAndEverythingIsPutInOneNormalForm()
    {
        var values = new Hashtable
        {
            ["TransportInterface"] = "eth0",
            ["Devices"] = new object[] { "eth1", "eth0", "antrea-gw0", "bond0", "eth1" },
            ["LocalPodCidr"] = new object[] { "FD00:10:244:2:0:0:0:0/64", "10.244.2.0/24" },
            ["PeerPodCidr"] = new object[] { "fd00:10:244:1::/64", "10.244.10.0/24", "10.244.1.0/24", "10.244.1.0/24" },
            ["Traffic"] = new object[] { "FullPath", "ExternalIP", "PodToPod" },
            ["ExternalIP"] = new object[] { "2001:DB8::10", "192.0.2.11/32", "192.0.2.10", "192.0.2.10" },
            ["PeerNodeIP"] = new object[] { "172.18.0.3", "fc00:f853:ccd:e793::2", "172.18.0.2" },
            ["ServiceSnatAddress"] = new object[] { "FC01::AABB:CCDD:EEFF", "169.254.0.253" },
        };
        AccelConfiguration c = ConfigurationReader.Read(values, "test");
        Assert.Equal(["bond0", "eth1"], c.Devices);
        Assert.Equal(["10.244.2.0/24", "fd00:10:244:2::/64"], c.LocalPodCidr);
        Assert.Equal(["10.244.1.0/24", "10.244.10.0/24", "fd00:10:244:1::/64"], c.PeerPodCidr);
        Assert.Equal(["192.0.2.10", "192.0.2.11", "2001:db8::10"], c.ExternalIP);
        Assert.Equal(["172.18.0.2", "172.18.0.3", "fc00:f853:ccd:e793::2"], c.PeerNodeIP);
        // Without ExternalToPod traffic the SNAT address has no effect in the kernel, so the normal form leaves it out.
        Assert.Empty(c.ServiceSnatAddress);
        Assert.Equal([AccelFamily.Ip, AccelFamily.Ip6], c.Family);
        Assert.Equal(AccelTraffic.PodToPod | AccelTraffic.ExternalIP | AccelTraffic.FullPath, c.Traffic);

        AccelConfiguration again = ConfigurationReader.Read(AsHashtable(c), "test");
        Assert.Equivalent(c, again, strict: true);
    }

    [Fact]
    public void WhatTheTrafficDoesNotUseIsLeftOutAndDefaultsFillTheFamiliesThatNeedThem()
    {
        AccelConfiguration nodePort = ConfigurationReader.Read(new Hashtable
        {
            ["LocalPodCidr"] = new[] { "10.244.2.0/24", "fd00:10:244:2::/64" },
            ["TransportInterface"] = "eth0",
            ["Traffic"] = "ExternalToNodePort",
            ["NodePortDnatAddress"] = "169.254.9.9",
        }, "test");
        Assert.Equal([AccelFamily.Ip, AccelFamily.Ip6], nodePort.Family);
        Assert.Empty(nodePort.LocalPodCidr);
        Assert.Null(nodePort.TransportInterface);
        Assert.Equal(["eth0"], nodePort.Devices);
        Assert.Equal(["169.254.9.9", "fc01::aabb:ccdd:eefe"], nodePort.NodePortDnatAddress);
        Assert.Equivalent(nodePort, ConfigurationReader.Read(AsHashtable(nodePort), "test"), strict: true);

        AccelConfiguration fullPath = ConfigurationReader.Read(new Hashtable
        {
            ["LocalPodCidr"] = "10.244.2.0/24", ["TransportInterface"] = "eth0", ["Devices"] = "eth2", ["Traffic"] = "FullPath",
        }, "test");
        Assert.Equal(["antrea-gw0", "eth0", "eth2"], fullPath.Devices);
        Assert.Null(fullPath.TransportInterface);
        Assert.Equivalent(fullPath, ConfigurationReader.Read(AsHashtable(fullPath), "test"), strict: true);

        AccelConfiguration prepared = ConfigurationReader.Read(new Hashtable { ["Family"] = "ip6", ["Traffic"] = "None", ["PeerPodCidr"] = "fd00:1::/64" }, "test");
        Assert.Equal([AccelFamily.Ip6], prepared.Family);
        Assert.Equal(AccelTraffic.None, prepared.Traffic);
        Assert.Equal(["fd00:1::/64"], prepared.PeerPodCidr);

        HostAccelException missing = Assert.Throws<HostAccelException>(() => ConfigurationReader.Read(new Hashtable { ["Family"] = new[] { "ip", "ip6" }, ["LocalPodCidr"] = "10.0.0.0/24", ["TransportInterface"] = "eth0" }, "test"));
        Assert.Contains("needs an IPv6 LocalPodCidr", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoSettingsAtAllIsNoAccelerationAndReadsBackEqual()
    {
        AccelConfiguration c = ConfigurationReader.Read(new Hashtable(), "test");
        Assert.Empty(c.LocalPodCidr);
        Assert.Null(c.TransportInterface);
        Assert.Equivalent(c, ConfigurationReader.Read(AsHashtable(c), "test"), strict: true);
    }

    [Fact]
    public void TheJsonSampleIsADualStackNodeWithEveryTrafficType()
    {
        AccelConfiguration c = ConfigurationReader.ReadFile(Path.Combine(Root, "samples", "node.json"));
        Assert.Equal(AccelTraffic.All, c.Traffic);
        Assert.Equal(["10.244.2.0/24", "fd00:10:244:2::/64"], c.LocalPodCidr);
        Assert.Equal("eth0", c.TransportInterface);
        Assert.Equal(["eth1"], c.Devices);
        Assert.Equal(4, c.PeerPodCidr.Count);
        Assert.Equal(["192.0.2.10", "192.0.2.11", "2001:db8::10"], c.ExternalIP);
        Assert.Equal(4, c.PeerNodeIP.Count);
        Assert.True(c.Counter);
    }

    /// <summary>
    /// The .psd1 sample needs PowerShell's parser, which the tests do not have: it is checked to be one hashtable
    /// literal whose keys are all settings, and to say what the JSON sample says, value by value.
    /// </summary>
    [Fact]
    public void ThePowerShellDataFileSampleIsAHashtableOfSettingsThatMatchesTheJsonSample()
    {
        string[] lines = File.ReadAllLines(Path.Combine(Root, "samples", "node.psd1"))
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();
        Assert.Equal("@{", lines[0]);
        Assert.Equal("}", lines[^1]);

        var psd1 = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (string line in lines[1..^1])
        {
            Match setting = Regex.Match(line, @"^(?<key>\w+)\s*=\s*(?<value>.+)$");
            Assert.True(setting.Success, $"not a 'Key = value' line: {line}");
            string key = setting.Groups["key"].Value;
            Assert.Contains(key, Settings);
            string value = setting.Groups["value"].Value;
            psd1[key] = value is "$true" or "$false"
                ? [value[1..]]
                : Regex.Matches(value, "'([^']*)'").Select(m => m.Groups[1].Value).ToArray();
        }

        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "samples", "node.json")));
        var expected = json.RootElement.EnumerateObject().ToDictionary(
            p => p.Name,
            p => p.Value.ValueKind switch
            {
                JsonValueKind.Array => p.Value.EnumerateArray().Select(e => e.GetString()!).ToArray(),
                JsonValueKind.String => [p.Value.GetString()!],
                _ => [p.Value.GetRawText()],
            },
            StringComparer.Ordinal);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), psd1.Keys.Order(StringComparer.Ordinal));
        foreach ((string key, string[] values) in expected)
        {
            Assert.True(values.SequenceEqual(psd1[key]), $"{key}: the .psd1 says {string.Join(", ", psd1[key])}, the .json {string.Join(", ", values)}");
        }
    }

    /// <summary>Settings that pass: one IPv4 Pod CIDR, Pod-to-Pod traffic.</summary>
    private static Hashtable Node() => new()
    {
        ["TransportInterface"] = "eth0",
        ["LocalPodCidr"] = new[] { "10.244.2.0/24" },
        ["PeerPodCidr"] = new[] { "10.244.1.0/24" },
    };

    private static Hashtable DualStack() => new()
    {
        ["TransportInterface"] = "eth0",
        ["Devices"] = "eth1",
        ["LocalPodCidr"] = new[] { "10.244.2.0/24", "fd00:10:244:2::/64" },
        ["PeerPodCidr"] = new[] { "10.244.1.0/24", "fd00:10:244:1::/64" },
        ["Traffic"] = "All",
        ["ExternalIP"] = new[] { "192.0.2.10", "2001:db8::10" },
        ["PeerNodeIP"] = new[] { "172.18.0.3", "fc00:f853:ccd:e793::3" },
        ["Priority"] = 10,
        ["HardwareOffload"] = true,
    };

    /// <summary>A configuration as the hashtable of its properties, lists as arrays: what a .psd1 of it would hold.</summary>
    private static Hashtable AsHashtable(AccelConfiguration c)
    {
        var values = new Hashtable();
        foreach (PropertyInfo property in typeof(AccelConfiguration).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            object? value = property.GetValue(c);
            values[property.Name] = value is IEnumerable<string> list ? list.ToArray() : value;
        }

        return values;
    }

    private static HostAccelException Fails(Func<AccelConfiguration> read, string errorId, FailureKind kind, string named)
    {
        HostAccelException failure = Assert.Throws<HostAccelException>(() => read());
        Assert.Equal((errorId, kind), (failure.ErrorId, failure.Kind));
        Assert.Contains(named, failure.Message, StringComparison.Ordinal);
        return failure;
    }
}
