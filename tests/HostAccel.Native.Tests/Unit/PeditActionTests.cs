using System.Buffers.Binary;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.TrafficControl.Actions;
using HostAccel.Native.TrafficControl.Routing;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>
/// pedit: the edits in tc's words, the number of keys an action holds, tc's bytes decoded, the legacy (not
/// extended) form, another program's packet-relative keys kept unmodelled, and the malformed replies refused.
/// </summary>
public class PeditActionTests
{
    // linux/tc_act/tc_pedit.h
    private const ushort TCA_PEDIT_TM = 1;
    private const ushort TCA_PEDIT_PARMS = 2;
    private const ushort TCA_PEDIT_PARMS_EX = 4;
    private const ushort TCA_PEDIT_KEYS_EX = 5;
    private const ushort TCA_PEDIT_KEY_EX = 6;

    private static readonly MacAddress Mac = MacAddress.Parse("02:11:22:33:44:55");

    [Fact]
    public void TheActionTcWroteForAForwardingRewriteDecodesAndRendersAsTcsCommand()
    {
        TcAction action = Assert.Single(ActionBytes.FromGolden("action-add-pedit"));
        Assert.Equal(PeditAction.RewriteForForwarding(TcFixtures.Eth0Mac, TcFixtures.PeerMac, ipv6: false), action.AsWritten());
        string command = File.ReadLines(GoldenFile.PathOf("tc/action-add-pedit")).First();
        Assert.Equal(command[(command.IndexOf(" action ", StringComparison.Ordinal) + 8)..], action.ToString());
    }

    [Fact]
    public void TtlAndHopLimitDecrementsRenderInTcsWords()
    {
        var action = new PeditAction(new EquatableArray<PeditKey>([PeditKey.DecrementIPv4Ttl(), PeditKey.DecrementIPv6HopLimit()]));
        Assert.Equal("pedit ex munge ip ttl add 0xff munge ip6 hoplimit add 0xff pipe", action.ToString());
    }

    [Fact]
    public void AnyOtherKeyRendersAsAnOffsetWithTheBitsItRetains()
    {
        var action = new PeditAction(new EquatableArray<PeditKey>([
            new PeditKey(PeditHeader.IPv4, PeditCommand.Set, 12, 0x00FFFFFF, 0x0A000000),
            new PeditKey(PeditHeader.Tcp, PeditCommand.Add, 4, 0, 1),
        ])) { Control = TcControl.Ok };
        Assert.Equal(
            "pedit ex munge offset 12 u32 set 0x0a000000 retain 0xff000000 (ipv4 header) munge offset 4 u32 add 0x00000001 retain 0xffffffff (tcp header) pass",
            action.ToString());
    }

    /// <summary>Only both words of an address are an address: half of one is two raw offsets.</summary>
    [Fact]
    public void HalfAMacAddressRendersAsRawOffsets()
    {
        IReadOnlyList<PeditKey> destination = PeditKey.SetEthernetDestination(Mac);
        var firstHalf = new PeditAction(new EquatableArray<PeditKey>([destination[0], PeditKey.DecrementIPv4Ttl()]));
        Assert.Equal("pedit ex munge offset 0 u32 set 0x02112233 retain 0xffffffff (ethernet header) munge ip ttl add 0xff pipe", firstHalf.ToString());

        var secondHalf = new PeditAction(new EquatableArray<PeditKey>([new PeditKey(PeditHeader.Ethernet, PeditCommand.Set, 0, 0xFF, 0x02112200), destination[1]]));
        Assert.Equal(
            "pedit ex munge offset 0 u32 set 0x02112200 retain 0xffffff00 (ethernet header) munge offset 4 u32 set 0x44550000 retain 0xffff0000 (ethernet header) pipe",
            secondHalf.ToString());

        var both = new PeditAction(new EquatableArray<PeditKey>([.. PeditKey.SetEthernetSource(Mac), .. destination]));
        Assert.Equal("pedit ex munge eth src set 02:11:22:33:44:55 munge eth dst set 02:11:22:33:44:55 pipe", both.ToString());
    }

    [Fact]
    public void AnActionOfOneHundredTwentyEightKeysEncodesAndDecodes()
    {
        var action = new PeditAction(new EquatableArray<PeditKey>(
            Enumerable.Range(0, PeditAction.MaxKeys).Select(i => new PeditKey((PeditHeader)(i % 6), (PeditCommand)(i % 2), (uint)(4 * i), (uint)~i, (uint)i))));
        Assert.Equal(action, Assert.Single(ActionBytes.RoundTrip([action])).AsWritten());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(129)]
    public void AnActionOfNoKeysOrMoreThanOneHundredTwentyEightIsRefused(int count)
    {
        var action = new PeditAction(new EquatableArray<PeditKey>(Enumerable.Range(0, count).Select(i => PeditKey.DecrementIPv4Ttl())));
        ArgumentException error = Assert.Throws<ArgumentException>(() => ActionBytes.RoundTrip([action]));
        Assert.Equal($"a pedit action holds 1 to 128 keys, not {count}", error.Message);
    }

    [Fact]
    public void ALegacyPeditWithoutExtendedKeysHasNetworkSetKeys()
    {
        TcAction action = ActionBytes.DecodeOne("pedit", o => o.WriteBytes(TCA_PEDIT_PARMS,
            Sel(new TcGen(6, 0, TcControl.Pipe, 1, 0), (0xFFFFFF00, 0x00000040, 8, 0, 0, 0), (0, 0x0A000001, 16, 0, 0, 0))));
        Assert.Equal(
            new PeditAction(new EquatableArray<PeditKey>([
                new PeditKey(PeditHeader.Network, PeditCommand.Set, 8, 0xFFFFFF00, 0x00000040),
                new PeditKey(PeditHeader.Network, PeditCommand.Set, 16, 0, 0x0A000001),
            ])) { Index = 6, State = new TcActionState(1, 0) },
            action);
    }

    /// <summary>A key whose offset is taken from the packet (at, offmask, shift) is listed, never modelled.</summary>
    [Theory]
    [InlineData(4u, 0u, 0u)]
    [InlineData(0u, 0xFFu, 0u)]
    [InlineData(0u, 0u, 2u)]
    public void APeditWithAPacketRelativeKeyIsKeptAsAnUnknownAction(uint at, uint offmask, uint shift)
    {
        void Write(NetlinkWriter o)
        {
            o.WriteBytes(TCA_PEDIT_TM, ActionBytes.Times(100, 200, 0, 0));
            o.WriteBytes(TCA_PEDIT_PARMS, Sel(new TcGen(11, 0, TcControl.Ok, 3, 2), (0, 1, 0, 0, 0, 0), (0, 2, 4, at, offmask, shift)));
        }

        var options = new NetlinkWriter();
        Write(options);
        TcAction action = ActionBytes.DecodeOne("pedit", Write);
        Assert.Equal(
            new UnknownAction("pedit", options.WrittenSpan.ToArray())
            {
                Control = TcControl.Ok,
                Index = 11,
                State = new TcActionState(3, 2) { Times = new TcActionTimes(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), null) },
            },
            action);
    }

    [Fact]
    public void APeditWhoseExtendedKeysAreFewerThanItsKeysIsRefused()
    {
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() => ActionBytes.DecodeOne("pedit", o =>
        {
            o.WriteBytes(TCA_PEDIT_PARMS_EX, Sel(new TcGen(1, 0, TcControl.Pipe, 1, 0), (0, 1, 0, 0, 0, 0), (0, 2, 4, 0, 0, 0)));
            using (o.Nested(TCA_PEDIT_KEYS_EX))
            {
                using (o.Nested(TCA_PEDIT_KEY_EX))
                {
                    o.WriteU16Host(1, (ushort)PeditHeader.IPv4);
                    o.WriteU16Host(2, (ushort)PeditCommand.Add);
                }
            }
        }));
        Assert.Equal("malformed netlink reply: pedit action with 2 keys and 1 extended keys", error.Message);
    }

    [Fact]
    public void APeditWithoutParametersIsRefused()
    {
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() => ActionBytes.DecodeOne("pedit", o => o.WriteBytes(TCA_PEDIT_TM, ActionBytes.Times(1, 1, 0, 0))));
        Assert.Equal("malformed netlink reply: pedit action without TCA_PEDIT_PARMS(_EX)", error.Message);
    }

    [Theory]
    [InlineData(10, "tc_pedit_sel of 10 bytes is shorter than its tc_gen (20)")]
    [InlineData(22, "tc_pedit_sel of 22 bytes, at least 24 expected")]
    [InlineData(23, "tc_pedit_sel of 23 bytes, at least 24 expected")]
    [InlineData(47, "tc_pedit_sel claims 1 keys in 47 bytes")]
    [InlineData(24, "tc_pedit_sel claims 1 keys in 24 bytes")]
    public void PeditParametersShorterThanTheirKeysAreRefused(int length, string message)
    {
        byte[] sel = Sel(new TcGen(1, 0, TcControl.Pipe, 1, 0), (0, 1, 0, 0, 0, 0))[..length];
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() => ActionBytes.DecodeOne("pedit", o => o.WriteBytes(TCA_PEDIT_PARMS_EX, sel)));
        Assert.Equal($"malformed netlink reply: {message}", error.Message);
    }

    [Fact]
    public void PeditParametersOfExactlyTheirKeysDecode()
    {
        TcAction none = ActionBytes.DecodeOne("pedit", o => o.WriteBytes(TCA_PEDIT_PARMS_EX, Sel(new TcGen(1, 0, TcControl.Pipe, 1, 0))));
        Assert.Empty(Assert.IsType<PeditAction>(none).Keys);

        TcAction one = ActionBytes.DecodeOne("pedit", o => o.WriteBytes(TCA_PEDIT_PARMS_EX, Sel(new TcGen(1, 0, TcControl.Pipe, 1, 0), (0xFF, 0x0100, 4, 0, 0, 0))));
        Assert.Equal([new PeditKey(PeditHeader.Network, PeditCommand.Set, 4, 0xFF, 0x0100)], Assert.IsType<PeditAction>(one).Keys);
    }

    /// <summary>struct tc_pedit_sel: tc_gen, nkeys, flags, 2 bytes of padding, then each key: mask and val as packet bytes, off, at, offmask, shift in the host's order.</summary>
    private static byte[] Sel(TcGen gen, params (uint Mask, uint Value, uint Offset, uint At, uint OffMask, uint Shift)[] keys)
    {
        byte[] bytes = ActionBytes.Gen(gen, 4 + (24 * keys.Length));
        bytes[20] = (byte)keys.Length;
        for (int i = 0; i < keys.Length; i++)
        {
            Span<byte> key = bytes.AsSpan(24 + (24 * i), 24);
            BinaryPrimitives.WriteUInt32BigEndian(key, keys[i].Mask);
            BinaryPrimitives.WriteUInt32BigEndian(key[4..], keys[i].Value);
            BinaryPrimitives.WriteUInt32LittleEndian(key[8..], keys[i].Offset);
            BinaryPrimitives.WriteUInt32LittleEndian(key[12..], keys[i].At);
            BinaryPrimitives.WriteUInt32LittleEndian(key[16..], keys[i].OffMask);
            BinaryPrimitives.WriteUInt32LittleEndian(key[20..], keys[i].Shift);
        }

        return bytes;
    }
}
