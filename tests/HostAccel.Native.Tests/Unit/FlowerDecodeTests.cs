using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.TrafficControl;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>
/// Flower filters in dump replies built by hand (this host has no cls_flower, and the captured replies hold only what
/// tc writes): the kernel's hardware flags, keys without a mask, keys that no prefix describes, keys of two families.
/// </summary>
public class FlowerDecodeTests
{
    private const ushort RtmNewTfilter = 44;
    private const ushort Ipv4Src = 10, Ipv4SrcMask = 11, Ipv4Dst = 12, Ipv4DstMask = 13;
    private const ushort Ipv6Src = 14, Ipv6SrcMask = 15, Ipv6Dst = 16, Ipv6DstMask = 17;
    private const ushort Flags = 22;

    private static readonly byte[] V4 = [10, 244, 0, 0];
    private static readonly byte[] V4Mask = [255, 255, 255, 0];
    private static readonly byte[] V6 = [0xfd, 0, 0, 0x10, 0x02, 0x44, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    private static readonly byte[] V6Mask = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0];

    /// <summary>An RTM_NEWTFILTER of a flower filter (ingress, prio 40010, protocol ip, handle 1) with these options.</summary>
    private static TcFilter Decode(params (ushort Type, byte[] Payload)[] options)
    {
        var writer = new NetlinkWriter();
        int start = writer.BeginMessage(RtmNewTfilter, 0, 1);
        writer.WriteStruct(new TcMsg(0, 2, 1, (uint)ClsactHook.Ingress, (40010u << 16) | 0x0008));
        writer.WriteString(1, "flower");
        using (writer.NestedWithoutFlag(2))
        {
            foreach ((ushort type, byte[] payload) in options)
            {
                writer.WriteBytes(type, payload);
            }
        }

        writer.EndMessage(start);
        TcFilter? filter = null;
        foreach (NetlinkMessage message in NetlinkMessage.Parse(writer.WrittenSpan))
        {
            filter = TcFilter.Decode(message);
        }

        return filter!;
    }

    private static byte[] U32(uint value) => BitConverter.GetBytes(value);

    [Theory]
    [InlineData(0u, null)]
    [InlineData(1u, null)] // skip_hw only: the kernel said nothing of hardware
    [InlineData(1u | 4u, true)] // TCA_CLS_FLAGS_IN_HW
    [InlineData(1u | 8u, false)] // TCA_CLS_FLAGS_NOT_IN_HW
    [InlineData(2u | 4u, true)]
    public void TheKernelsHardwareFlagsTellWhetherANicRunsTheFilter(uint flags, bool? inHardware)
    {
        FlowerFilter filter = Assert.IsType<FlowerFilter>(Decode((Flags, U32(flags))));
        Assert.Equal(inHardware, filter.InHardware);
        // The state flags are the kernel's, not settings: only the skip flags come back as Flags.
        Assert.Equal((FlowerFlags)(flags & 3), filter.Flags);
    }

    [Fact]
    public void AnAddressKeyWithoutAMaskIsAHostPrefix()
    {
        FlowerFilter v4 = Assert.IsType<FlowerFilter>(Decode((Ipv4Src, [10, 244, 0, 7]), (Ipv4Dst, V4), (Ipv4DstMask, V4Mask)));
        Assert.Equal(IpPrefix.Parse("10.244.0.7/32"), v4.Source);
        Assert.Equal(IpPrefix.Parse("10.244.0.0/24"), v4.Destination);

        FlowerFilter v6 = Assert.IsType<FlowerFilter>(Decode((Ipv6Dst, V6)));
        Assert.Null(v6.Source);
        Assert.Equal(IpPrefix.Parse("fd00:10:244::/128"), v6.Destination);
    }

    [Fact]
    public void AMaskThatIsNoPrefixMakesTheFilterUnknown()
    {
        UnknownFilter filter = Assert.IsType<UnknownFilter>(Decode((Ipv4Dst, V4), (Ipv4DstMask, [255, 0, 255, 0])));
        Assert.Equal("flower", filter.Kind);
    }

    [Theory]
    [InlineData(5, -1, "flower address key of 5 bytes with a mask of  bytes")]
    [InlineData(4, 16, "flower address key of 4 bytes with a mask of 16 bytes")]
    [InlineData(16, 4, "flower address key of 16 bytes with a mask of 4 bytes")]
    public void AnAddressKeyOfAnImpossibleSizeIsADecodeError(int keyLength, int maskLength, string message)
    {
        var options = new List<(ushort, byte[])> { (Ipv4Src, new byte[keyLength]) };
        if (maskLength >= 0)
        {
            options.Add((Ipv4SrcMask, new byte[maskLength]));
        }

        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() => Decode([.. options]));
        Assert.Equal($"malformed netlink reply: {message}", error.Message);
    }

    /// <summary>
    /// A filter with IPv4 and IPv6 keys at once (which no protocol can match) is listed as unknown, whichever keys
    /// hold the two families: never read as a filter on one family's keys with the other's dropped.
    /// </summary>
    [Theory]
    [InlineData(Ipv4Src, Ipv6Src)]
    [InlineData(Ipv4Dst, Ipv6Dst)]
    [InlineData(Ipv4Src, Ipv6Dst)]
    [InlineData(Ipv4Dst, Ipv6Src)]
    public void KeysOfBothFamiliesMakeTheFilterUnknown(ushort v4Key, ushort v6Key)
    {
        TcFilter filter = Decode((v4Key, V4), ((ushort)(v4Key + 1), V4Mask), (v6Key, V6), ((ushort)(v6Key + 1), V6Mask));
        UnknownFilter unknown = Assert.IsType<UnknownFilter>(filter);
        Assert.Equal(("flower", (ushort)40010, 1u), (unknown.Kind, unknown.Priority, unknown.Handle));
    }
}
