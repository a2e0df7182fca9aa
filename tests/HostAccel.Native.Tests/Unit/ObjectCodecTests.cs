using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Tests.Support;
using Xunit;
using static HostAccel.Native.Nftables.NfTablesConstants;

namespace HostAccel.Native.Tests.Unit;

/// <summary>
/// Tables, chains, sets and flowtables: their nft text, the messages nft never captured for us (a flowtable without
/// devices, devices removed by handle, userdata at its limits) and what an object missing its names decodes to.
/// </summary>
public class ObjectCodecTests
{
    [Fact]
    public void ObjectsRenderAsNftWritesThem()
    {
        Assert.Equal("table ip plain", new NftTable(NftFamily.Ip, "plain").ToString());
        Assert.Equal("table ip6 antrea { comment \"Rules for Antrea\"; }", Seed.Table(NftFamily.Ip6).ToString());
        Assert.Equal("chain ip antrea regular", new NftChain(NftFamily.Ip, "antrea", "regular").ToString());
        Assert.Equal(
            "chain ip antrea forward { comment \"Forward chain for storing rules\"; type filter hook forward priority filter; policy accept; }",
            Seed.Forward(NftFamily.Ip).ToString());
        Assert.Equal("set ip6 antrea peer-pod-cidr { type ipv6_addr; flags interval; comment \"Set for storing IPv6 peer Pods CIDRs\"; }",
            Seed.PeerSet(NftFamily.Ip6).ToString());
        Assert.Equal("set ip t s { type type9; }", new NftSet(NftFamily.Ip, "t", "s", (SetKeyType)9).ToString());
    }

    [Theory]
    [InlineData(FlowtableFlags.None, "")]
    [InlineData(FlowtableFlags.HardwareOffload, " flags offload;")]
    [InlineData(FlowtableFlags.Counter, " counter;")]
    [InlineData(FlowtableFlags.HardwareOffload | FlowtableFlags.Counter, " flags offload; counter;")]
    public void AFlowtableShowsItsFlagsAsNftDoes(FlowtableFlags flags, string shown) =>
        Assert.Equal(
            $"flowtable ip antrea fastpath {{ hook ingress priority filter; devices = {{ antrea-gw0, eth0 }};{shown} }}",
            (Seed.Fastpath(NftFamily.Ip) with { Flags = flags }).ToString());

    [Fact]
    public void AFlowtableWithoutDevicesSendsNoDeviceList()
    {
        var writer = new NetlinkWriter();
        new NftFlowtable(NftFamily.Ip, "t", "f") { Priority = -10 }.Encode(writer);
        Assert.Equal(
            Convert.FromHexString(
                "06000100" + "74000000" +                     // NFTA_FLOWTABLE_TABLE "t"
                "06000200" + "66000000" +                     // NFTA_FLOWTABLE_NAME "f"
                "14000380" +                                  // NFTA_FLOWTABLE_HOOK, nested, 20 bytes: no NFTA_FLOWTABLE_HOOK_DEVS
                "08000100" + "00000000" +                     //   NFTA_FLOWTABLE_HOOK_NUM: ingress
                "08000200" + "fffffff6" +                     //   NFTA_FLOWTABLE_HOOK_PRIORITY: -10
                "08000700" + "00000000"),                     // NFTA_FLOWTABLE_FLAGS
            writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void RemovingDevicesFromAFlowtableReadFromTheKernelNamesItByHandle()
    {
        var tx = new NftTransaction();
        tx.DeleteFlowtableDevices(Seed.Fastpath(NftFamily.Ip) with { Handle = 5 }, ["eth0"]);
        var writer = new NetlinkWriter();
        uint sequence = 0;
        tx.Encode(writer, () => ++sequence, generation: null);
        byte[] payload = [];
        foreach (NetlinkMessage message in NetlinkMessage.Parse(writer.WrittenSpan))
        {
            if (message.Type == MessageType(NFT_MSG_DELFLOWTABLE))
            {
                payload = message.Payload.ToArray();
            }
        }

        Assert.Equal(
            Convert.FromHexString(
                "02000000" +                                  // nfgenmsg: NFPROTO_IPV4
                "0b000100" + "616e747265610000" +             // NFTA_FLOWTABLE_TABLE "antrea"
                "0c000500" + "0000000000000005" +             // NFTA_FLOWTABLE_HANDLE 5, instead of the name
                "24000380" +                                  // NFTA_FLOWTABLE_HOOK, nested
                "08000100" + "00000000" +                     //   NFTA_FLOWTABLE_HOOK_NUM
                "08000200" + "00000000" +                     //   NFTA_FLOWTABLE_HOOK_PRIORITY
                "10000380" +                                  //   NFTA_FLOWTABLE_HOOK_DEVS
                "09000100" + "6574683000000000"),             //     NFTA_DEVICE_NAME "eth0"
            payload);
    }

    [Fact]
    public void ATableCommentAndManagerOf254BytesEachRoundTrip()
    {
        var table = new NftTable(NftFamily.Ip, "t") { Comment = new string('c', 254), Manager = new string('é', 127) };
        var writer = new NetlinkWriter();
        writer.WriteNfGenMsg((byte)NftFamily.Ip);
        table.Encode(writer);
        Assert.Equal(table, NftTable.Decode(new NetlinkMessage(0, 0, 0, 0, writer.WrittenSpan)));
    }

    [Fact]
    public void ATableCommentOver254BytesIsRefused()
    {
        var writer = new NetlinkWriter();
        ArgumentException error = Assert.Throws<ArgumentException>(() => new NftTable(NftFamily.Ip, "t") { Comment = new string('c', 255) }.Encode(writer));
        Assert.Equal("userdata string of 255 bytes does not fit a record (Parameter 'value')", error.Message);
    }

    private delegate void Write(NetlinkWriter writer);

    private static T Decode<T>(Write attributes, Func<NetlinkMessage, T> decode)
    {
        var writer = new NetlinkWriter();
        writer.WriteNfGenMsg((byte)NftFamily.Ip6);
        attributes(writer);
        return decode(new NetlinkMessage(0, 0, 0, 0, writer.WrittenSpan));
    }

    [Fact]
    public void AnObjectWithoutItsNamesDecodesWithEmptyNames()
    {
        Assert.Equal(new NftTable(NftFamily.Ip6, ""), Decode(_ => { }, m => NftTable.Decode(m)));
        Assert.Equal(new NftChain(NftFamily.Ip6, "", ""), Decode(_ => { }, m => NftChain.Decode(m)));
        Assert.Equal(new NftSet(NftFamily.Ip6, "", "", 0) { KeyLength = 0 }, Decode(_ => { }, m => NftSet.Decode(m)));
        Assert.Equal(new NftFlowtable(NftFamily.Ip6, "", ""), Decode(_ => { }, m => NftFlowtable.Decode(m)));
        Assert.Equal(new NftRule(NftFamily.Ip6, "", "", Array.Empty<Nftables.Expressions.Expression>()), Decode(_ => { }, m => NftRule.Decode(m)));
    }

    [Fact]
    public void ABaseChainWithoutATypeIsAFilterChain()
    {
        NftChain chain = Decode(w =>
        {
            w.WriteString(NFTA_CHAIN_TABLE, "t");
            w.WriteString(NFTA_CHAIN_NAME, "c");
            using (w.Nested(NFTA_CHAIN_HOOK))
            {
                w.WriteU32Be(NFTA_HOOK_HOOKNUM, (uint)ChainHook.Input);
                w.WriteU32Be(NFTA_HOOK_PRIORITY, unchecked((uint)-5));
            }
        }, m => NftChain.Decode(m));
        Assert.Equal(new NftChain(NftFamily.Ip6, "t", "c") { Base = new BaseChain("filter", ChainHook.Input, -5) }, chain);
    }
}
