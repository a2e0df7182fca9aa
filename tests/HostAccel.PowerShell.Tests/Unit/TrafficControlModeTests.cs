using System.Collections;
using System.Text;
using HostAccel.Native.Nftables;
using HostAccel.Native.TrafficControl;
using HostAccel.Native.TrafficControl.Actions;
using HostAccel.Native.TrafficControl.Routing;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Engine.TrafficControl;
using HostAccel.PowerShell.Model;
using Xunit;

namespace HostAccel.PowerShell.Tests.Unit;

/// <summary>
/// The Traffic Control mode's decisions that need no kernel: which traffic a stateless redirect can carry (Antrea's
/// design: Pod-to-Pod and Pod-to-Service only), the configuration it refuses, what it leaves to nftables, and the
/// cookie by which HostAccel tells its own filters from everyone else's. What the filters do is checked on a real
/// kernel (the Pester file Enable-Fastpath.TrafficControl.Tests.ps1 in tests/vm).
/// </summary>
public sealed class TrafficControlModeTests
{
    private static Hashtable Node(params (string Key, object Value)[] more)
    {
        var values = new Hashtable
        {
            ["Mode"] = "TrafficControl",
            ["TransportInterface"] = "eth0",
            ["LocalPodCidr"] = new[] { "10.244.2.0/24" },
            ["PeerPodCidr"] = new[] { "10.244.0.0/24" },
        };
        foreach ((string key, object value) in more)
        {
            values[key] = value;
        }

        return values;
    }

    [Theory]
    [InlineData(AccelTraffic.ExternalToPod, "SNATed by the Node")]
    [InlineData(AccelTraffic.ExternalToNodePort, "DNATed by the Node")]
    [InlineData(AccelTraffic.ExternalIP, "DNATed by the Node")]
    [InlineData(AccelTraffic.FullPath, "needs its conntrack and NAT")]
    public void AConfigurationAskingTheModeForTrafficItCannotCarryIsRefusedNamingTheTypeAndWhy(AccelTraffic traffic, string why)
    {
        Hashtable values = Node(("Traffic", $"PodToPod, {traffic}"));
        if (traffic is AccelTraffic.ExternalToNodePort or AccelTraffic.FullPath)
        {
            values["NodePortDnatAddress"] = new[] { "169.254.0.252" };
        }

        if (traffic == AccelTraffic.ExternalIP)
        {
            values["ExternalIP"] = new[] { "192.0.2.10" };
        }

        HostAccelException refused = Assert.Throws<HostAccelException>(() => ConfigurationReader.Read(values, "node.psd1"));
        Assert.Equal((ErrorIds.TrafficNotCarried, FailureKind.InvalidArgument), (refused.ErrorId, refused.Kind));
        Assert.Contains($"cannot carry {traffic} traffic: its filters are stateless (no conntrack", refused.Message, StringComparison.Ordinal);
        Assert.Contains(why, refused.Message, StringComparison.Ordinal);
        Assert.Equal(traffic, refused.TargetObject);
    }

    [Fact]
    public void PodToPodIsTheOnlyTrafficTheModeCarriesAndAllNamesEveryOtherType()
    {
        Assert.Null(TcDesign.WhyNotCarried(AccelTraffic.PodToPod));
        Assert.Null(TcDesign.WhyNotCarried(AccelTraffic.None));
        string why = TcDesign.WhyNotCarried(AccelTraffic.All)!;
        foreach (string reason in new[] { "SNATed", "ExternalToNodePort traffic is DNATed", "ExternalIP (LoadBalancer", "FullPath traffic" })
        {
            Assert.Contains(reason, why, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("Counter", true)]
    [InlineData("HardwareOffload", true)]
    [InlineData("Priority", 10L)]
    [InlineData("Devices", "eth1")]
    public void AFlowtableSettingIsRefusedInTheModeNamingIt(string key, object value)
    {
        HostAccelException refused = Assert.Throws<HostAccelException>(() => ConfigurationReader.Read(Node((key, value)), "node.psd1"));
        Assert.Equal((ErrorIds.InvalidConfiguration, FailureKind.InvalidArgument), (refused.ErrorId, refused.Kind));
        Assert.Contains($"{key} is a setting of the flowtable", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("TrafficControl")]
    [InlineData("trafficcontrol")]
    [InlineData(1L)]
    public void TheModeIsReadAsANameInAnyCaseOrItsNumber(object mode)
    {
        AccelConfiguration c = ConfigurationReader.Read(Node(("Mode", mode)), "node.psd1");
        Assert.Equal(AccelMode.TrafficControl, c.Mode);
        Assert.Equal(AccelMode.Flowtable, ConfigurationReader.Read(Node(("Mode", "Flowtable")), "node.psd1").Mode);
    }

    [Theory]
    [InlineData("tc")]
    [InlineData(7L)]
    [InlineData("1")]
    public void AnUnknownModeIsRefusedNamingTheModes(object mode)
    {
        HostAccelException refused = Assert.Throws<HostAccelException>(() => ConfigurationReader.Read(Node(("Mode", mode)), "node.psd1"));
        Assert.Equal(ErrorIds.InvalidConfiguration, refused.ErrorId);
        Assert.Contains($"'{mode}' is not a mode; the modes are Flowtable, TrafficControl", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheModeLeavesNftablesTheTableAndItsPeerSetOnly()
    {
        AccelConfiguration tc = ConfigurationReader.Read(Node(), "node.psd1");
        AccelConfiguration nft = TrafficControlConfiguration.NftPart(tc);
        Assert.Equal((AccelTraffic.None, AccelMode.Flowtable), (nft.Traffic, nft.Mode));
        Assert.Equal(tc.PeerPodCidr, nft.PeerPodCidr);
        Assert.Equal(tc.TableName, nft.TableName);

        AccelConfiguration flowtable = ConfigurationReader.Read(Node(("Mode", "Flowtable")), "node.psd1");
        Assert.Same(flowtable, TrafficControlConfiguration.NftPart(flowtable));
    }

    [Fact]
    public void TheCookieIsHostaccelAndOneByteSayingWhetherHostAccelAddedTheClsact()
    {
        Assert.Equal("hostaccel\u0001"u8.ToArray(), TcDesign.Cookie(addedClsact: true).AsSpan().ToArray());
        Assert.Equal("hostaccel\u0000"u8.ToArray(), TcDesign.Cookie(addedClsact: false).AsSpan().ToArray());

        FlowerFilter plain = Redirect();
        FlowerFilter added = TcDesign.Marked(plain, addedClsact: true);
        FlowerFilter found = TcDesign.Marked(plain, addedClsact: false);
        Assert.True(TcDesign.IsOwned(added));
        Assert.True(TcDesign.AddedClsact(added));
        Assert.True(TcDesign.IsOwned(found));
        Assert.False(TcDesign.AddedClsact(found));
        // Only the first action carries it; the rest of the filter is what was planned.
        Assert.Equal(plain.Actions.Skip(1), added.Actions.Skip(1));
        Assert.Equal(plain with { Actions = default }, added with { Actions = default });
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("hostaccel")]
    [InlineData("hostaccel\u0001\u0001")]
    [InlineData("hostacceX\u0001")]
    [InlineData("antrea\u0001\u0001\u0001\u0001")]
    public void AFilterWithoutExactlyHostAccelsCookieIsForeign(string? cookie)
    {
        FlowerFilter plain = Redirect();
        EquatableArray<byte> bytes = cookie is null ? default : new(Encoding.ASCII.GetBytes(cookie));
        FlowerFilter foreign = plain with
        {
            Actions = new EquatableArray<TcAction>(plain.Actions.Select((a, i) => i == 0 ? a with { Cookie = bytes } : a)),
        };
        Assert.False(TcDesign.IsOwned(foreign));
        Assert.False(TcDesign.AddedClsact(foreign));
    }

    [Fact]
    public void ACookieOnALaterActionDoesNotMakeAFilterHostAccels()
    {
        FlowerFilter plain = Redirect();
        FlowerFilter foreign = plain with
        {
            Actions = new EquatableArray<TcAction>(plain.Actions.Select((a, i) => i == 1 ? a with { Cookie = TcDesign.Cookie(true) } : a)),
        };
        Assert.False(TcDesign.IsOwned(foreign));
    }

    private static FlowerFilter Redirect() => FlowerFilter.Redirect(3, TcDesign.Redirect4, 1, IpPrefix.Parse("10.244.2.0/24"), IpPrefix.Parse("10.244.0.0/24"),
        MacAddress.Parse("02:00:00:00:00:01"), MacAddress.Parse("02:00:00:00:00:02"), 4);
}
