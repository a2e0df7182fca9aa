using System.Buffers.Binary;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Tests.Support;
using static HostAccel.Native.Netlink.NetlinkConstants;

namespace HostAccel.Native.Tests.Fuzz;

/// <summary>
/// The inputs mutation starts from, built at run time (nothing large is committed): every datagram of the captured
/// kernel replies (Golden/reply-*.golden and Golden/tc/reply-*.golden), plus messages the captures do not hold, written with
/// <see cref="NetlinkWriter"/>: ctnetlink entries, NLMSG_ERROR with extended-ACK TLVs (capped and with the echoed
/// request), the answers to a batch, and an object of each kind carrying every attribute the decoders read.
/// </summary>
internal static class FuzzCorpus
{
    private const ushort IPCTNL_MSG_CT_NEW = NFNL_SUBSYS_CTNETLINK << 8;

    private static readonly Lazy<IReadOnlyList<byte[]>> Seeds = new(Build);

    public static IReadOnlyList<byte[]> All => Seeds.Value;

    /// <summary>The captured replies of nft (Golden/reply-*) and of tc and ip (Golden/tc/reply-*).</summary>
    public static IEnumerable<string> ReplyFixtures() =>
        Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "Golden"), "reply-*.golden")
            .Select(path => Path.GetFileNameWithoutExtension(path))
            .Concat(Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "Golden", "tc"), "reply-*.golden")
                .Select(path => $"tc/{Path.GetFileNameWithoutExtension(path)}"))
            .Order(StringComparer.Ordinal);

    private static List<byte[]> Build()
    {
        var seeds = new List<byte[]>();
        foreach (string fixture in ReplyFixtures())
        {
            IReadOnlyList<GoldenMessage> datagrams = GoldenFile.Read(fixture);
            seeds.AddRange(datagrams.Select(d => d.Bytes));
            seeds.Add(datagrams.SelectMany(d => d.Bytes).ToArray());
        }

        seeds.AddRange(ObjectMessages());
        seeds.Add(Conntrack(v6: false));
        seeds.Add(Conntrack(v6: true));
        seeds.Add([.. Conntrack(v6: false), .. Conntrack(v6: true), .. Done(77)]);
        seeds.Add(Error(-2, capped: true, "No such file or directory: table antrea", offset: 36));
        seeds.Add(Error(-1, capped: true, null, offset: null));
        seeds.Add(Error(-22, capped: false, "Invalid argument", offset: 20));
        seeds.Add(Error(0, capped: true, null, offset: null));
        seeds.Add(BatchAnswers());
        return seeds;
    }

    /// <summary>One message for each object HostAccel writes, with every attribute and expression the decoders know.</summary>
    private static IEnumerable<byte[]> ObjectMessages()
    {
        var table = new NftTable(NftFamily.Ip, "antrea") { Comment = "Rules for Antrea", Manager = "hostaccel", Flags = 1, Handle = 3 };
        var chain = new NftChain(NftFamily.Ip, "antrea", "forward")
        {
            Base = new BaseChain("filter", ChainHook.Forward, -150, ChainPolicy.Drop),
            Comment = "Forward chain",
        };
        var v4 = new NftSet(NftFamily.Ip, "antrea", "peer-pod-cidr", SetKeyType.Ipv4Address) { Flags = SetFlags.Interval, Comment = "peers" };
        var v6 = new NftSet(NftFamily.Ip6, "antrea", "peer-pod-cidr", SetKeyType.Ipv6Address) { Flags = SetFlags.Interval };
        var lbs = new NftSet(NftFamily.Ip, "antrea", "lb-ips", SetKeyType.Ipv4Address);
        var flowtable = new NftFlowtable(NftFamily.Ip, "antrea", "fastpath")
        {
            Priority = 5,
            Devices = new[] { "antrea-gw0", "eth0" },
            Flags = FlowtableFlags.Counter | FlowtableFlags.HardwareOffload,
        };
        var rule = new NftRule(NftFamily.Ip, "antrea", "forward", new Expression[]
        {
            new MetaExpression(MetaKey.Iif),
            new CmpExpression(Register.R1, CmpOp.Eq, new byte[] { 4, 0, 0, 0 }),
            new PayloadExpression(PayloadBase.Network, 12, 4),
            new BitwiseExpression(Register.R1, Register.R1, new byte[] { 255, 255, 254, 0 }, new byte[4]),
            new CmpExpression(Register.R1, CmpOp.Neq, new byte[] { 10, 244, 2, 0 }),
            new LookupExpression("peer-pod-cidr", Register.R1, SetId: 9, Invert: true),
            new CtExpression(CtKey.State),
            new CounterExpression(12, 3400),
            new FlowOffloadExpression("fastpath"),
            new ImmediateExpression(VerdictCode.Jump, "other"),
            new UnknownExpression("limit", new byte[] { 8, 0, 1, 0, 0, 0, 0, 1 }),
        }) { Comment = "every expression", Handle = 4 };

        var transaction = new NftTransaction();
        transaction.AddTable(table);
        transaction.AddChain(chain);
        transaction.AddSet(v4);
        transaction.AddSet(lbs);
        transaction.AddElements(v4, [IpPrefix.Parse("10.244.0.0/24"), IpPrefix.Parse("10.244.1.0/24"), IpPrefix.Parse("255.0.0.0/8")]);
        transaction.AddElements(v6, [IpPrefix.Parse("fd00:10:244::/64"), IpPrefix.Parse("ffff::/16")]);
        transaction.AddElements(lbs, [IpPrefix.Parse("192.0.2.1/32")]);
        transaction.AddFlowtable(flowtable);
        transaction.AddRule(rule);

        var writer = new NetlinkWriter();
        uint sequence = 500;
        transaction.Encode(writer, () => sequence++, generation: 9);
        byte[] batch = writer.WrittenSpan.ToArray();
        var messages = new List<byte[]>();
        for (int offset = 0; offset < batch.Length;)
        {
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(batch.AsSpan(offset));
            messages.Add(batch[offset..(offset + length)]);
            offset += Align(length);
        }

        // The batch's own begin and end carry nothing a reply decoder reads.
        return messages.Skip(1).SkipLast(1);
    }

    private static byte[] Conntrack(bool v6)
    {
        var w = new NetlinkWriter();
        int start = w.BeginMessage(IPCTNL_MSG_CT_NEW, NLM_F_MULTI, 77);
        w.WriteNfGenMsg(v6 ? (byte)NftFamily.Ip6 : (byte)NftFamily.Ip);
        Tuple(w, 1, v6, reverse: false);
        Tuple(w, 2, v6, reverse: true);
        w.WriteU32Be(3, 0x4000 | 0x8 | 0x2);
        w.WriteU32Be(7, 86400);
        using (w.Nested(9))
        {
            w.WriteU64Be(1, 1200);
            w.WriteU64Be(2, 1_500_000);
        }

        using (w.Nested(10))
        {
            w.WriteU32Be(3, 900);
            w.WriteU32Be(4, 64_000);
        }

        w.EndMessage(start);
        return w.WrittenSpan.ToArray();
    }

    private static void Tuple(NetlinkWriter w, ushort type, bool v6, bool reverse)
    {
        byte[] a = v6 ? [0xfd, 0, 0, 0x10, 0x2, 0x44, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1] : [10, 244, 1, 5];
        byte[] b = v6 ? [0xfd, 0, 0, 0x10, 0x2, 0x44, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2] : [10, 244, 2, 7];
        using (w.Nested(type))
        {
            using (w.Nested(1))
            {
                w.WriteBytes(v6 ? (ushort)3 : (ushort)1, reverse ? b : a);
                w.WriteBytes(v6 ? (ushort)4 : (ushort)2, reverse ? a : b);
            }

            using (w.Nested(2))
            {
                w.WriteU8(1, v6 ? (byte)58 : (byte)6);
                if (v6)
                {
                    w.WriteU16Be(7, 4242);
                }
                else
                {
                    w.WriteU16Be(2, reverse ? (ushort)5201 : (ushort)40000);
                    w.WriteU16Be(3, reverse ? (ushort)40000 : (ushort)5201);
                }
            }
        }
    }

    private static byte[] Done(uint sequence)
    {
        var w = new NetlinkWriter();
        int start = w.BeginMessage(NLMSG_DONE, NLM_F_MULTI, sequence);
        w.WriteRaw([0, 0, 0, 0]);
        w.EndMessage(start);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>An NLMSG_ERROR: errno, the request's header (or, uncapped, the whole request), then the TLVs.</summary>
    internal static byte[] Error(int error, bool capped, string? text, int? offset, uint sequence = 600, uint originalSequence = 600)
    {
        var request = new NetlinkWriter();
        int requestStart = request.BeginMessage((NFNL_SUBSYS_NFTABLES << 8) | 0, NLM_F_REQUEST | NLM_F_ACK, originalSequence);
        request.WriteNfGenMsg((byte)NftFamily.Ip);
        request.WriteString(1, "antrea");
        request.EndMessage(requestStart);

        var w = new NetlinkWriter();
        ushort flags = (ushort)((capped ? NLM_F_CAPPED : 0) | (text is null && offset is null ? 0 : NLM_F_ACK_TLVS));
        int start = w.BeginMessage(NLMSG_ERROR, flags, sequence);
        Span<byte> errno = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(errno, error);
        w.WriteRaw(errno);
        w.WriteRaw(capped || error == 0 ? request.WrittenSpan[..NLMSG_HDRLEN] : request.WrittenSpan);
        if (text is not null)
        {
            w.WriteString(NLMSGERR_ATTR_MSG, text);
        }

        if (offset is int o)
        {
            w.WriteU32Host(NLMSGERR_ATTR_OFFS, (uint)o);
        }

        w.EndMessage(start);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>What a batch of <see cref="DecoderHarness.BatchFirst"/>.. gets back: an error for its second message and the final ACK.</summary>
    private static byte[] BatchAnswers()
    {
        uint first = DecoderHarness.BatchFirst;
        uint last = DecoderHarness.BatchLast;
        return [
            .. Error(-17, capped: true, "File exists", offset: 20, sequence: first + 2, originalSequence: first + 2),
            .. Error(0, capped: true, null, null, sequence: last - 1, originalSequence: last - 1),
        ];
    }
}
