using System.Buffers.Binary;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.TrafficControl.Actions;
using HostAccel.Native.Tests.Support;
using Xunit;
using static HostAccel.Native.TrafficControl.TcConstants;

namespace HostAccel.Native.Tests.Unit;

/// <summary>
/// A filter's action list: how many actions and how long a cookie it takes, the order the kernel numbers, the
/// cookie carried through, and an action of a kind the library does not model kept as the kernel reported it.
/// </summary>
public class ActionCodecTests
{
    [Fact]
    public void AListOfThirtyTwoActionsEncodesAndDecodesInItsOrder()
    {
        TcAction[] actions = Enumerable.Range(1, TCA_ACT_MAX_PRIO).Select(i => (TcAction)(GactAction.Pass() with { Index = (uint)i })).ToArray();
        EquatableArray<TcAction> decoded = ActionBytes.RoundTrip(actions);
        Assert.Equal(Enumerable.Range(1, 32).Select(i => (uint)i), decoded.Select(a => a.Index));
        Assert.Equal(actions, decoded.Select(a => a with { State = null }));
    }

    [Fact]
    public void AListOfThirtyThreeActionsIsRefusedNamingTheLimit()
    {
        TcAction[] actions = Enumerable.Repeat<TcAction>(GactAction.Pass(), 33).ToArray();
        ArgumentException error = Assert.Throws<ArgumentException>(() => ActionCodec.EncodeList(new NetlinkWriter(), 1, actions));
        Assert.Equal("actions", error.ParamName);
        Assert.StartsWith("a filter holds at most 32 actions, not 33", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASixteenByteCookieIsWrittenAfterTheOptionsAndReadBack()
    {
        byte[] cookie = Enumerable.Range(0xA0, 16).Select(i => (byte)i).ToArray();
        TcAction action = MirredAction.EgressRedirect(2) with { Cookie = cookie };

        var writer = new NetlinkWriter();
        ActionCodec.EncodeList(writer, 1, [action]);
        var list = new AttributeReader(writer.WrittenSpan);
        Assert.True(list.Next());
        AttributeReader entries = list.Nested();
        Assert.True(entries.Next());
        AttributeReader entry = entries.Nested();
        var types = new List<ushort>();
        byte[]? written = null;
        while (entry.Next())
        {
            types.Add(entry.Type);
            if (entry.Type == TCA_ACT_COOKIE)
            {
                written = entry.Payload.ToArray();
            }
        }

        Assert.Equal(new[] { TCA_ACT_KIND, TCA_ACT_OPTIONS, TCA_ACT_COOKIE }, types);
        Assert.Equal(cookie, written);

        TcAction decoded = Assert.Single(ActionBytes.RoundTrip([action]));
        Assert.Equal(cookie, decoded.Cookie.AsSpan().ToArray());
        Assert.Equal(action, decoded.AsWritten());
    }

    [Fact]
    public void ACookieOfSeventeenBytesIsRefusedNamingTheLimit()
    {
        TcAction action = GactAction.Pass() with { Cookie = new byte[17] };
        ArgumentException error = Assert.Throws<ArgumentException>(() => ActionCodec.EncodeList(new NetlinkWriter(), 1, [action]));
        Assert.Equal("actions", error.ParamName);
        Assert.StartsWith("an action cookie holds at most 16 bytes, not 17", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnActionWithoutACookieDecodesWithAnEmptyOne()
    {
        TcAction decoded = Assert.Single(ActionBytes.RoundTrip([GactAction.Pass()]));
        Assert.Empty(decoded.Cookie);
        Assert.Equal("gact pass", decoded.RenderWithCookie(null));
    }

    [Fact]
    public void AnActionRendersWithItsCookieInLowerCaseHexAsTcWritesIt()
    {
        TcAction action = MirredAction.EgressRedirect(2) with { Cookie = new byte[] { 0x00, 0xAB, 0x10 } };
        Assert.Equal("mirred egress redirect dev eth0 cookie 00ab10", action.RenderWithCookie(i => i == 2 ? "eth0" : null));
        Assert.Equal("mirred egress redirect dev #2", action.ToString());
    }

    [Fact]
    public void AnEntryWithoutAKindIsRefused()
    {
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() => ActionBytes.Decode(w =>
        {
            using (w.NestedWithoutFlag(1))
            {
                w.WriteU32Host(TCA_ACT_INDEX, 3);
            }
        }));
        Assert.Equal("malformed netlink reply: action without TCA_ACT_KIND", error.Message);
    }

    [Fact]
    public void AnActionOfAnUnmodelledKindKeepsItsOptionsIndexAndCookie()
    {
        byte[] options = [8, 0, 1, 0, 0x2A, 0, 0, 0];
        TcAction decoded = Assert.Single(ActionBytes.Decode(w =>
        {
            using (w.NestedWithoutFlag(1))
            {
                w.WriteString(TCA_ACT_KIND, "skbedit");
                w.WriteBytes(TCA_ACT_OPTIONS, options);
                w.WriteU32Host(TCA_ACT_INDEX, 7);
                w.WriteBytes(TCA_ACT_COOKIE, [0xCA, 0xFE]);
            }
        }));

        UnknownAction unknown = Assert.IsType<UnknownAction>(decoded);
        Assert.Equal(new UnknownAction("skbedit", options) { Index = 7, State = new TcActionState(0, 0), Cookie = new byte[] { 0xCA, 0xFE } }, unknown);
        Assert.Equal("skbedit", unknown.Kind);
        Assert.Equal("skbedit (8 bytes of options) cookie cafe", unknown.RenderWithCookie(null));
        Assert.Equal("skbedit (8 bytes of options)", unknown.ToString());
    }

    [Fact]
    public void AnActionOfAnUnmodelledKindWithoutAnIndexHasIndexZero()
    {
        TcAction decoded = Assert.Single(ActionBytes.Decode(w =>
        {
            using (w.NestedWithoutFlag(1))
            {
                w.WriteString(TCA_ACT_KIND, "vlan");
            }
        }));

        Assert.Equal(new UnknownAction("vlan", Array.Empty<byte>()) { State = new TcActionState(0, 0) }, decoded);
    }

    [Fact]
    public void AnActionOfAnUnmodelledKindCannotBeWrittenBack()
    {
        var unknown = new UnknownAction("skbedit", new byte[] { 1, 2 });
        NotSupportedException error = Assert.Throws<NotSupportedException>(() => ActionCodec.EncodeList(new NetlinkWriter(), 1, [unknown]));
        Assert.Equal("a skbedit action read from the kernel cannot be written back by HostAccel", error.Message);
    }

    [Fact]
    public void ActionsDecodeInTheOrderOfTheirNumbersNotOfTheirBytes()
    {
        EquatableArray<TcAction> decoded = ActionBytes.Decode(w =>
        {
            ActionBytes.WriteEntry(w, 2, "gact", o => o.WriteBytes(2, ActionBytes.Gen(new TcGen(0, 0, TcControl.Shot, 1, 0))));
            ActionBytes.WriteEntry(w, 1, "gact", o => o.WriteBytes(2, ActionBytes.Gen(new TcGen(0, 0, TcControl.Ok, 1, 0))));
        });
        Assert.Equal(["gact pass", "gact drop"], decoded.Select(a => a.ToString()));
    }

    /// <summary>tc_gen: index, capab, action, refcnt, bindcnt, each 32 bits in the host's order, in that order.</summary>
    [Fact]
    public void ATcGenWritesEveryFieldInItsPlaceAndReadsItBack()
    {
        var gen = new TcGen(0x01020304, 0x05060708, TcControl.Stolen, 0x090A0B0C, 0x0D0E0F10);
        byte[] bytes = new byte[TcGen.Length];
        gen.WriteTo(bytes);
        Assert.Equal(
            [0x04, 0x03, 0x02, 0x01, 0x08, 0x07, 0x06, 0x05, 0x04, 0x00, 0x00, 0x00, 0x0C, 0x0B, 0x0A, 0x09, 0x10, 0x0F, 0x0E, 0x0D],
            bytes);
        Assert.Equal(gen, TcGen.Read(bytes, "tc_gen"));
    }

    [Fact]
    public void ATcGenShorterThanTwentyBytesIsRefusedNamingWhatHeldIt()
    {
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() => TcGen.Read(new byte[19], "tc_test"));
        Assert.Equal("malformed netlink reply: tc_test of 19 bytes is shorter than its tc_gen (20)", error.Message);
    }

    [Fact]
    public void AnActionsIndexIsWrittenInItsTcGen()
    {
        TcAction decoded = Assert.Single(ActionBytes.RoundTrip([GactAction.Pass() with { Index = 0x0102 }]));
        Assert.Equal(0x0102u, decoded.Index);
    }
}

/// <summary>Action lists built by hand, as the kernel reports them, and the library's own round trip.</summary>
internal static class ActionBytes
{
    /// <summary>Decodes the numbered entries <paramref name="write"/> writes, as the payload of TCA_FLOWER_ACT.</summary>
    public static EquatableArray<TcAction> Decode(Action<NetlinkWriter> write)
    {
        var writer = new NetlinkWriter();
        write(writer);
        return ActionCodec.DecodeList(new AttributeReader(writer.WrittenSpan));
    }

    /// <summary>One action of <paramref name="kind"/> whose TCA_ACT_OPTIONS <paramref name="options"/> writes.</summary>
    public static TcAction DecodeOne(string kind, Action<NetlinkWriter> options) =>
        Assert.Single(Decode(w => WriteEntry(w, 1, kind, options)));

    public static void WriteEntry(NetlinkWriter w, ushort order, string kind, Action<NetlinkWriter> options)
    {
        using (w.NestedWithoutFlag(order))
        {
            w.WriteString(TCA_ACT_KIND, kind);
            using (w.Nested(TCA_ACT_OPTIONS))
            {
                options(w);
            }
        }
    }

    public static EquatableArray<TcAction> RoundTrip(IReadOnlyList<TcAction> actions)
    {
        var writer = new NetlinkWriter();
        ActionCodec.EncodeList(writer, 1, actions);
        var list = new AttributeReader(writer.WrittenSpan);
        Assert.True(list.Next());
        return ActionCodec.DecodeList(list.Nested());
    }

    public static byte[] Gen(TcGen gen, int extra = 0)
    {
        byte[] bytes = new byte[TcGen.Length + extra];
        gen.WriteTo(bytes);
        return bytes;
    }

    /// <summary>struct tcf_t: install, lastuse, expires, firstuse, in hundredths of a second.</summary>
    public static byte[] Times(ulong install, ulong lastUse, ulong expires, ulong firstUse)
    {
        byte[] bytes = new byte[32];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, install);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), lastUse);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(16), expires);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(24), firstUse);
        return bytes;
    }

    /// <summary>The TCA_ROOT_TAB of tc's request in Golden/tc/<paramref name="name"/>, decoded.</summary>
    public static EquatableArray<TcAction> FromGolden(string name)
    {
        GoldenMessage message = Assert.Single(GoldenFile.Read($"tc/{name}"));
        var root = new AttributeReader(message.Bytes.AsSpan(4)); // after struct tcamsg
        Assert.True(root.Next());
        Assert.Equal(TCA_ROOT_TAB, root.Type);
        return ActionCodec.DecodeList(root.Nested());
    }
}
