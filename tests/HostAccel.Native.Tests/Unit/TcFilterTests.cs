using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.TrafficControl;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>
/// Filter messages of kinds and shapes tc's captures do not hold (built by hand, as the kernel lays them out), and
/// the text a filter the library does not model is shown with.
/// </summary>
public class TcFilterTests
{
    private const ushort RTM_NEWTFILTER = 44, TCA_KIND = 1, TCA_OPTIONS = 2;

    /// <summary>One RTM_NEWTFILTER message: tcmsg, then TCA_KIND when given and TCA_OPTIONS when given.</summary>
    private static TcFilter? Decode(uint handle, uint info, string? kind, byte[]? options)
    {
        var writer = new NetlinkWriter();
        int start = writer.BeginMessage(RTM_NEWTFILTER, 0, 1);
        writer.WriteStruct(new TcMsg(0, 4, handle, (uint)ClsactHook.Egress, info));
        if (kind is not null)
        {
            writer.WriteString(TCA_KIND, kind);
        }

        if (options is not null)
        {
            writer.WriteBytes(TCA_OPTIONS, options);
        }

        writer.EndMessage(start);
        TcFilter? filter = null;
        int count = 0;
        foreach (NetlinkMessage message in NetlinkMessage.Parse(writer.WrittenSpan))
        {
            filter = TcFilter.Decode(message);
            count++;
        }

        Assert.Equal(1, count);
        return filter;
    }

    [Fact]
    public void AFilterWithAHandleButNoOptionsIsAFilterAndOnlyThePriorityAnnouncementIsNone()
    {
        // Priority 0x9c4a (40010), protocol 0x0800 in network order.
        uint info = (40010u << 16) | 0x0008;
        UnknownFilter bare = Assert.IsType<UnknownFilter>(Decode(7, info, "u32", null));
        Assert.Equal(new UnknownFilter(4, ClsactHook.Egress, 40010, 0x0800, "u32", new EquatableArray<byte>([])) { Handle = 7 }, bare);

        // Options without a handle are a filter too (the kernel's own u32 root node, handle 0 in some dumps).
        UnknownFilter rootless = Assert.IsType<UnknownFilter>(Decode(0, info, "u32", [4, 0, 1, 0]));
        Assert.Equal(0u, rootless.Handle);
        Assert.Equal<byte>([4, 0, 1, 0], rootless.Options);

        Assert.Null(Decode(0, info, "u32", null));
    }

    [Fact]
    public void OnlyAFlowerKindIsDecodedAsAFlowerFilter()
    {
        // Empty options are a flower filter matching everything when the kind is flower, nothing modelled otherwise.
        Assert.IsType<FlowerFilter>(Decode(1, (1u << 16) | 0x0008, "flower", []));
        UnknownFilter bpf = Assert.IsType<UnknownFilter>(Decode(1, (1u << 16) | 0x0008, "bpf", []));
        Assert.Equal("bpf", bpf.Kind);
    }

    [Fact]
    public void AFilterWithoutAKindDecodesWithAnEmptyKind()
    {
        UnknownFilter nameless = Assert.IsType<UnknownFilter>(Decode(3, (2u << 16) | 0x0008, null, [4, 0, 1, 0]));
        Assert.Equal("", nameless.Kind);
        Assert.Equal((ushort)2, nameless.Priority);
    }

    [Fact]
    public void APriorityInTheUpperHalfOfTcmInfoDecodesWhole()
    {
        UnknownFilter high = Assert.IsType<UnknownFilter>(Decode(1, 0xFFFF_0008, "u32", []));
        Assert.Equal((ushort)0xFFFF, high.Priority);
        Assert.Equal((ushort)0x0800, high.Protocol);
    }

    public static TheoryData<UnknownFilter, string> Texts => new()
    {
        { new UnknownFilter(4, ClsactHook.Ingress, 5, 0x0800, "u32", new EquatableArray<byte>([1, 2, 3])), "dev #4 ingress protocol ip prio 5 u32 (3 bytes of options)" },
        { new UnknownFilter(4, ClsactHook.Egress, 6, 0x86DD, "bpf", new EquatableArray<byte>([])) { Handle = 9 }, "dev #4 egress protocol ipv6 prio 6 handle 9 bpf (0 bytes of options)" },
        { new UnknownFilter(2, ClsactHook.Ingress, 7, 0x0003, "matchall", new EquatableArray<byte>([1])) { Chain = 3, Handle = 1 }, "dev #2 ingress protocol all prio 7 chain 3 handle 1 matchall (1 bytes of options)" },
        { new UnknownFilter(2, ClsactHook.Ingress, 8, 0x8100, "u32", new EquatableArray<byte>([])), "dev #2 ingress protocol 0x8100 prio 8 u32 (0 bytes of options)" },
    };

    [Theory]
    [MemberData(nameof(Texts))]
    public void AFilterNotModelledIsShownWithItsIdentityAndTheSizeOfItsOptions(UnknownFilter filter, string text)
    {
        Assert.Equal(text, filter.Render(null));
        Assert.Equal($"filter {text}", filter.ToString());
        Assert.Equal(text.Replace($"dev #{filter.InterfaceIndex} ", "dev eth0 ", StringComparison.Ordinal), filter.Render(_ => "eth0"));
    }

    [Fact]
    public void AFilterNotModelledCannotBeWrittenBack()
    {
        var filter = new UnknownFilter(4, ClsactHook.Ingress, 5, 0x0800, "u32", new EquatableArray<byte>([1, 2, 3])) { Handle = 1 };
        NotSupportedException error = Assert.Throws<NotSupportedException>(() => filter.Encode(new NetlinkWriter()));
        Assert.Equal("a u32 filter read from the kernel cannot be written back by HostAccel", error.Message);
    }
}
