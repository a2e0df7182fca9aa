using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.TrafficControl;
using HostAccel.Native.TrafficControl.Actions;
using HostAccel.Native.TrafficControl.Routing;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

public class TcCodecTests
{
    private static readonly Func<int, string?> Names = i => i switch { 1 => "lo", TcFixtures.Eth0 => "eth0", TcFixtures.AntreaGw0 => "antrea-gw0", _ => null };

    public static TheoryData<string> Filters => new(FilterCases.Keys);

    private static readonly Dictionary<string, TcFilter> FilterCases = new()
    {
        ["gw-to-peer"] = TcFixtures.GwToPeer(ipv6: false),
        ["gw-to-peer-6"] = TcFixtures.GwToPeer(ipv6: true),
        ["peer-to-pod"] = TcFixtures.PeerToPod(ipv6: false),
        ["peer-to-pod-6"] = TcFixtures.PeerToPod(ipv6: true),
        ["guard"] = TcFixtures.TtlGuard(ipv6: false),
        ["guard-6"] = TcFixtures.TtlGuard(ipv6: true),
        ["seed"] = TcFixtures.SeedEth0,
        ["chain"] = TcFixtures.SeedEth0 with { Chain = 7, Source = null },
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public void AFilterDecodesIntoWhatWasEncoded(string name)
    {
        TcFilter filter = FilterCases[name];
        var writer = new NetlinkWriter();
        TcRequests.Change(writer, 1, TcChange.AddFilter(filter));
        TcFilter? decoded = null;
        foreach (NetlinkMessage message in NetlinkMessage.Parse(writer.WrittenSpan))
        {
            decoded = TcFilter.Decode(message);
        }

        Assert.Equal(filter, decoded!.AsWritten());
    }

    /// <summary>The dry-run statement of each change is the tc command whose bytes its message equals.</summary>
    [Theory]
    [InlineData("qdisc-add-clsact")]
    [InlineData("qdisc-replace-clsact")]
    [InlineData("qdisc-delete-clsact")]
    [InlineData("filter-add-ip-gw-to-peer")]
    [InlineData("filter-add-ip-peer-to-pod")]
    [InlineData("filter-add-ip6-gw-to-peer")]
    [InlineData("filter-add-ip6-peer-to-pod")]
    [InlineData("filter-add-ip-ttl-guard")]
    [InlineData("filter-add-ip6-hoplimit-guard")]
    [InlineData("filter-add-seed-eth0")]
    [InlineData("filter-add-chain")]
    [InlineData("filter-replace-ip-gw-to-peer")]
    [InlineData("filter-delete-handle")]
    [InlineData("filter-delete-prio")]
    public void AChangeRendersAsTheTcCommandOfItsGoldenBytes(string name)
    {
        TcChange change = name switch
        {
            "qdisc-add-clsact" => TcChange.AddQdisc(TcQdisc.Clsact(TcFixtures.Eth0)),
            "qdisc-replace-clsact" => TcChange.ReplaceQdisc(TcQdisc.Clsact(TcFixtures.Eth0)),
            "qdisc-delete-clsact" => TcChange.DeleteQdisc(TcQdisc.Clsact(TcFixtures.Eth0)),
            "filter-add-ip-gw-to-peer" => TcChange.AddFilter(TcFixtures.GwToPeer(ipv6: false)),
            "filter-add-ip-peer-to-pod" => TcChange.AddFilter(TcFixtures.PeerToPod(ipv6: false)),
            "filter-add-ip6-gw-to-peer" => TcChange.AddFilter(TcFixtures.GwToPeer(ipv6: true)),
            "filter-add-ip6-peer-to-pod" => TcChange.AddFilter(TcFixtures.PeerToPod(ipv6: true)),
            "filter-add-ip-ttl-guard" => TcChange.AddFilter(TcFixtures.TtlGuard(ipv6: false)),
            "filter-add-ip6-hoplimit-guard" => TcChange.AddFilter(TcFixtures.TtlGuard(ipv6: true)),
            "filter-add-seed-eth0" => TcChange.AddFilter(TcFixtures.SeedEth0),
            "filter-add-chain" => TcChange.AddFilter(TcFixtures.SeedEth0 with { Chain = 1, Source = null }),
            "filter-replace-ip-gw-to-peer" => TcChange.ReplaceFilter(TcFixtures.GwToPeer(ipv6: false)),
            "filter-delete-handle" => TcChange.DeleteFilter(TcFixtures.GwToPeer(ipv6: false)),
            _ => TcChange.DeletePriority(new TcPriority(TcFixtures.AntreaGw0, ClsactHook.Ingress, 40010)),
        };
        string command = File.ReadLines(GoldenFile.PathOf($"tc/{name}")).First()[2..];
        Assert.Equal(command, change.Render(Names));
    }

    [Fact]
    public void PeditKeysForMacAddressesAreWordsAsTcPacksThem()
    {
        var mac = MacAddress.Parse("02:11:22:33:44:55");
        Assert.Equal(
            [new PeditKey(PeditHeader.Ethernet, PeditCommand.Set, 4, 0xFFFF0000, 0x00000211), new PeditKey(PeditHeader.Ethernet, PeditCommand.Set, 8, 0, 0x22334455)],
            PeditKey.SetEthernetSource(mac));
        Assert.Equal(
            [new PeditKey(PeditHeader.Ethernet, PeditCommand.Set, 0, 0, 0x02112233), new PeditKey(PeditHeader.Ethernet, PeditCommand.Set, 4, 0x0000FFFF, 0x44550000)],
            PeditKey.SetEthernetDestination(mac));
        Assert.Equal(new PeditKey(PeditHeader.IPv4, PeditCommand.Add, 8, 0x00FFFFFF, 0xFF000000), PeditKey.DecrementIPv4Ttl());
        Assert.Equal(new PeditKey(PeditHeader.IPv6, PeditCommand.Add, 4, 0xFFFFFF00, 0x000000FF), PeditKey.DecrementIPv6HopLimit());
    }

    [Fact]
    public void AFilterWhoseKeysDoNotMatchItsProtocolIsRefusedBeforeAnythingIsSent()
    {
        FlowerFilter wrong = TcFixtures.GwToPeer(ipv6: false) with { Protocol = 0x86DD };
        var writer = new NetlinkWriter();
        ArgumentException error = Assert.Throws<ArgumentException>(() => TcRequests.Change(writer, 1, TcChange.AddFilter(wrong)));
        Assert.Contains("protocol must be ip", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFlowerFilterWithKeysNotModelledIsListedAsUnknownRatherThanMistakenForASimplerOne()
    {
        var writer = new NetlinkWriter();
        int start = writer.BeginMessage(44, 0, 1);
        writer.WriteStruct(new TcMsg(0, 4, 1, (uint)ClsactHook.Ingress, (40010u << 16) | 0x0008));
        writer.WriteString(1, "flower");
        using (writer.NestedWithoutFlag(2))
        {
            writer.WriteU16Be(8, 0x0800);
            writer.WriteU8(9, 6); // TCA_FLOWER_KEY_IP_PROTO tcp
            writer.WriteBytes(12, [10, 244, 0, 0]);
            writer.WriteBytes(13, [255, 255, 255, 0]);
        }

        writer.EndMessage(start);
        foreach (NetlinkMessage message in NetlinkMessage.Parse(writer.WrittenSpan))
        {
            UnknownFilter unknown = Assert.IsType<UnknownFilter>(TcFilter.Decode(message));
            Assert.Equal("flower", unknown.Kind);
            Assert.Equal(40010, unknown.Priority);
            Assert.Equal(1u, unknown.Handle);
        }
    }

    [Fact]
    public void MacAddressesParseAndPrintAsIpDoes()
    {
        var mac = MacAddress.Parse("02:00:5E:10:00:01");
        Assert.Equal("02:00:5e:10:00:01", mac.ToString());
        Assert.Equal(mac, MacAddress.FromBytes(mac.GetBytes()));
        Assert.False(mac.IsGroup);
        Assert.True(MacAddress.Parse("ff:ff:ff:ff:ff:ff").IsGroup);
        Assert.Throws<FormatException>(() => MacAddress.Parse("02:00:5e:10:00"));
    }
}
