using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.TrafficControl;
using HostAccel.Native.TrafficControl.Actions;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>
/// The flower filter record without a kernel (this host has no cls_flower): what it refuses before anything is sent,
/// the attributes it writes when keys or actions are absent, and how it renders as tc's syntax.
/// </summary>
public class FlowerFilterTests
{
    private const ushort EthPAll = 0x0003;
    private const ushort TcaOptions = 2;
    private const ushort TcaFlowerAct = 3;
    private const ushort TcaFlowerKeyEthType = 8;
    private const ushort TcaFlowerFlags = 22;

    private static void Send(TcFilter filter) => TcRequests.Change(new NetlinkWriter(), 1, TcChange.AddFilter(filter));

    /// <summary>The attributes of TCA_OPTIONS in the RTM_NEWTFILTER the filter is sent as, with their payloads.</summary>
    private static List<(ushort Type, string Payload)> Options(TcFilter filter)
    {
        var writer = new NetlinkWriter();
        TcRequests.Change(writer, 1, TcChange.AddFilter(filter));
        var options = new List<(ushort, string)>();
        foreach (NetlinkMessage message in NetlinkMessage.Parse(writer.WrittenSpan))
        {
            var reader = new AttributeReader(message.Payload[TcMsg.Length..]);
            while (reader.Next())
            {
                if (reader.Type == TcaOptions)
                {
                    AttributeReader nested = reader.Nested();
                    while (nested.Next())
                    {
                        options.Add((nested.Type, Convert.ToHexString(nested.Payload)));
                    }
                }
            }
        }

        return options;
    }

    [Fact]
    public void ARedirectBetweenPrefixesOfDifferentFamiliesIsRefusedNamingBoth()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => FlowerFilter.Redirect(
            TcFixtures.AntreaGw0, 40010, 1, TcFixtures.LocalPodCidr(false), TcFixtures.PeerPodCidr(true), TcFixtures.Eth0Mac, TcFixtures.PeerMac, TcFixtures.Eth0));
        Assert.Equal("destination", error.ParamName);
        Assert.Equal("source 10.244.2.0/24 and destination fd00:10:244::/64 are of different families (Parameter 'destination')", error.Message);
    }

    [Theory]
    [InlineData(0x0800, "fd00:10:244::/64", null, "flower filter with protocol ip cannot match source fd00:10:244::/64: the protocol must be ipv6")]
    [InlineData(0x0800, null, "fd00:10:244::/64", "flower filter with protocol ip cannot match destination fd00:10:244::/64: the protocol must be ipv6")]
    [InlineData(0x86DD, "10.244.0.0/24", null, "flower filter with protocol ipv6 cannot match source 10.244.0.0/24: the protocol must be ip")]
    [InlineData(0x86DD, null, "10.244.2.2/32", "flower filter with protocol ipv6 cannot match destination 10.244.2.2/32: the protocol must be ip")]
    [InlineData(EthPAll, "10.244.0.0/24", null, "flower filter with protocol all cannot match source 10.244.0.0/24: the protocol must be ip")]
    [InlineData(EthPAll, null, "fd00:10:244::/64", "flower filter with protocol all cannot match destination fd00:10:244::/64: the protocol must be ipv6")]
    public void AnAddressKeyOfAnotherFamilyThanTheProtocolIsRefusedNamingTheKeyAndTheProtocolItNeeds(int protocol, string? source, string? destination, string message)
    {
        var filter = new FlowerFilter(TcFixtures.Eth0, ClsactHook.Ingress, 40010, (ushort)protocol)
        {
            Handle = 1,
            Source = source is null ? null : IpPrefix.Parse(source),
            Destination = destination is null ? null : IpPrefix.Parse(destination),
        };
        ArgumentException error = Assert.Throws<ArgumentException>(() => Send(filter));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void ATtlKeyIsRefusedOnAFilterOfEveryProtocol()
    {
        var filter = new FlowerFilter(TcFixtures.Eth0, ClsactHook.Ingress, 1, EthPAll) { Handle = 1, IpTtl = 1 };
        ArgumentException error = Assert.Throws<ArgumentException>(() => Send(filter));
        Assert.Equal("flower filter with protocol all cannot match ip_ttl: the protocol must be ip or ipv6", error.Message);
    }

    /// <summary>Protocol all with no key is a valid flower (tc's "protocol all flower"): its options are the flags only.</summary>
    [Fact]
    public void AFilterOfEveryProtocolWithoutKeysIsWrittenWithItsFlagsAndNoEtherType()
    {
        var filter = new FlowerFilter(TcFixtures.Eth0, ClsactHook.Ingress, 1, EthPAll) { Handle = 1 };
        Assert.Equal([(TcaFlowerFlags, "01000000")], Options(filter));
    }

    /// <summary>Without actions no TCA_FLOWER_ACT is written at all, not an empty list.</summary>
    [Fact]
    public void AFilterWithoutActionsIsWrittenWithoutAnActionList()
    {
        var filter = new FlowerFilter(TcFixtures.Eth0, ClsactHook.Ingress, 1, 0x0800) { Handle = 1, Flags = FlowerFlags.SkipSoftware };
        Assert.Equal(
            [(TcaFlowerFlags, "02000000"), (TcaFlowerKeyEthType, "0800")],
            Options(filter));

        List<(ushort Type, string Payload)> withAction = Options(filter with { Actions = new TcAction[] { GactAction.Pass() } });
        Assert.Equal([TcaFlowerAct, TcaFlowerFlags, TcaFlowerKeyEthType], withAction.Select(o => o.Type));
    }

    [Fact]
    public void AFilterWithoutActionsHasNoStatistics()
    {
        var filter = new FlowerFilter(TcFixtures.Eth0, ClsactHook.Ingress, 1, 0x0800) { Handle = 1 };
        Assert.Null(filter.Statistics);
        Assert.Null(TcFixtures.SeedEth0.Statistics);
    }

    [Theory]
    [InlineData(FlowerFlags.None, "dev eth0 ingress protocol ip prio 3 handle 1 flower")]
    [InlineData(FlowerFlags.SkipHardware, "dev eth0 ingress protocol ip prio 3 handle 1 flower skip_hw")]
    [InlineData(FlowerFlags.SkipSoftware, "dev eth0 ingress protocol ip prio 3 handle 1 flower skip_sw")]
    [InlineData(FlowerFlags.SkipHardware | FlowerFlags.SkipSoftware, "dev eth0 ingress protocol ip prio 3 handle 1 flower skip_hw skip_sw")]
    public void FlagsRenderAsTcsSkipKeywords(FlowerFlags flags, string text)
    {
        var filter = new FlowerFilter(TcFixtures.Eth0, ClsactHook.Ingress, 3, 0x0800) { Handle = 1, Flags = flags };
        Assert.Equal(text, filter.Render(i => i == TcFixtures.Eth0 ? "eth0" : null));
    }

    [Theory]
    [InlineData(0xFF, "dev #2 ingress protocol ipv6 prio 3 flower skip_hw ip_ttl 64")]
    [InlineData(0xF0, "dev #2 ingress protocol ipv6 prio 3 flower skip_hw ip_ttl 64/0xf0")]
    public void ATtlRendersWithItsMaskOnlyWhenTheMaskIsNotFull(int mask, string text)
    {
        var filter = new FlowerFilter(TcFixtures.Eth0, ClsactHook.Ingress, 3, 0x86DD) { IpTtl = 64, IpTtlMask = (byte)mask };
        Assert.Equal(text, filter.Render(null));
    }
}
