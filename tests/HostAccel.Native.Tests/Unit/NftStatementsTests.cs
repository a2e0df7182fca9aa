using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>
/// The statements a dry run prints, compared with the commands nft itself parsed when the golden captures were taken
/// (each golden file's first line): pasted into nft, they do what the change does.
/// </summary>
public class NftStatementsTests
{
    private static readonly NftSet PeerPodCidr = new(NftFamily.Ip, "antrea", "peer-pod-cidr", SetKeyType.Ipv4Address) { Flags = SetFlags.Interval };

    private static readonly NftFlowtable Fastpath = new(NftFamily.Ip, "antrea", "fastpath");

    /// <summary>The command nft was given for a capture.</summary>
    private static string NftCommand(string golden)
    {
        string first = File.ReadLines(GoldenFile.PathOf(golden)).First();
        Assert.StartsWith("# nft ", first, StringComparison.Ordinal);
        return first["# nft ".Length..];
    }

    [Fact]
    public void ElementsAreAddedOrDeletedAsNftWritesThem()
    {
        Assert.Equal(NftCommand("element-ip-add-two-cidrs"),
            NftStatements.Elements(add: true, PeerPodCidr, [IpPrefix.Parse("10.244.0.0/24"), IpPrefix.Parse("10.244.1.0/24")]));
        Assert.Equal(NftCommand("element-ip-delete-one-cidr"), NftStatements.Elements(add: false, PeerPodCidr, [IpPrefix.Parse("10.244.0.0/24")]));
        Assert.Equal(NftCommand("element-ip6-add-two-cidrs"), NftStatements.Elements(add: true,
            new NftSet(NftFamily.Ip6, "antrea", "peer-pod-cidr", SetKeyType.Ipv6Address) { Flags = SetFlags.Interval },
            [IpPrefix.Parse("fd00:10:244::/64"), IpPrefix.Parse("fd00:10:244:1::/64")]));
    }

    [Fact]
    public void RangesAreDeletedAsNftWritesThem()
    {
        Assert.Equal(NftCommand("element-ip-delete-range"), NftStatements.DeleteRanges(PeerPodCidr, [Range("10.20.0.3", "10.20.0.9")]));
        Assert.Equal("delete element ip antrea peer-pod-cidr { 10.244.0.0/24, 10.20.0.3-10.20.0.9 }",
            NftStatements.DeleteRanges(PeerPodCidr, [Range("10.244.0.0", "10.244.0.255"), Range("10.20.0.3", "10.20.0.9")]));
    }

    [Fact]
    public void AFlowtableOrSomeOfItsDevicesAreDeletedAsNftWritesThem()
    {
        Assert.Equal(NftCommand("delete-flowtable-ip-fastpath"), NftStatements.DeleteFlowtable(Fastpath));
        // nft was given "{ eth0 } ; }": the same statement, spaced differently.
        Assert.Equal(NftCommand("delete-flowtable-ip-fastpath-devices").Replace(" ;", ";", StringComparison.Ordinal),
            NftStatements.DeleteFlowtableDevices(Fastpath, ["eth0"]));
        Assert.Equal("delete flowtable ip antrea fastpath { devices = { eth0, \"a b\" }; }", NftStatements.DeleteFlowtableDevices(Fastpath, ["eth0", "a b"]));
    }

    [Fact]
    public void CountersAreResetChainByChain() =>
        Assert.Equal("reset rules chain ip6 antrea \"for ward\"", NftStatements.ResetCounters(NftFamily.Ip6, "antrea", "for ward"));

    [Fact]
    public void ANullSetIsRefusedNamingTheArgument()
    {
        Assert.Equal("set", Assert.Throws<ArgumentNullException>(() => NftStatements.Elements(add: true, null!, [])).ParamName);
        Assert.Equal("set", Assert.Throws<ArgumentNullException>(() => NftStatements.DeleteRanges(null!, [])).ParamName);
    }

    private static AddressRange Range(string first, string last) =>
        new(false, IpPrefix.Parse(first + "/32").Value, IpPrefix.Parse(last + "/32").Value);
}
