using System.Buffers.Binary;
using System.Globalization;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.TrafficControl.Routing;

namespace HostAccel.Native.TrafficControl.Actions;

/// <summary>The header a pedit key's offset counts from (TCA_PEDIT_KEY_EX_HDR_TYPE_* of linux/tc_act/tc_pedit.h).</summary>
public enum PeditHeader : ushort
{
    Network = 0,
    Ethernet = 1,
    IPv4 = 2,
    IPv6 = 3,
    Tcp = 4,
    Udp = 5,
}

/// <summary>What a pedit key does with its word (TCA_PEDIT_KEY_EX_CMD_*).</summary>
public enum PeditCommand : ushort
{
    Set = 0,
    Add = 1,
}

/// <summary>
/// One 32-bit edit of a pedit action (struct tc_pedit_key with its extended header type and command). The word at
/// <see cref="Offset"/> (a multiple of 4, counted from the start of <see cref="Header"/>) becomes
/// <c>(word &amp; Mask) ^ Value</c> for Set, and for Add keeps the <see cref="Mask"/> bits and adds
/// <see cref="Value"/> to the others. Mask and value are the word as it lies in the packet, read big-endian: mask
/// 0x00FFFFFF keeps all but the word's first byte.
/// </summary>
public sealed record PeditKey(PeditHeader Header, PeditCommand Command, uint Offset, uint Mask, uint Value)
{
    /// <summary>
    /// The keys that set <paramref name="bytes"/> at <paramref name="offset"/> of a header, one per 32-bit word they
    /// touch, first word first: how iproute2 packs <c>munge eth dst set …</c> (two keys for a MAC address).
    /// </summary>
    public static IReadOnlyList<PeditKey> SetBytes(PeditHeader header, int offset, ReadOnlySpan<byte> bytes)
    {
        var keys = new List<PeditKey>();
        int end = offset + bytes.Length;
        for (int word = offset & ~3; word < end; word += 4)
        {
            uint mask = 0, value = 0;
            for (int i = 0; i < 4; i++)
            {
                int at = word + i;
                int shift = 8 * (3 - i);
                if (at >= offset && at < end)
                {
                    value |= (uint)bytes[at - offset] << shift;
                }
                else
                {
                    mask |= 0xFFu << shift;
                }
            }

            keys.Add(new PeditKey(header, PeditCommand.Set, (uint)word, mask, value));
        }

        return keys;
    }

    /// <summary>The key that adds <paramref name="value"/> to the byte at <paramref name="offset"/> (modulo 256).</summary>
    public static PeditKey AddToByte(PeditHeader header, int offset, byte value)
    {
        int shift = 8 * (3 - (offset & 3));
        return new PeditKey(header, PeditCommand.Add, (uint)(offset & ~3), ~(0xFFu << shift), (uint)value << shift);
    }

    /// <summary><c>munge eth src set MAC</c>: the source address is bytes 6–11 of the Ethernet header.</summary>
    public static IReadOnlyList<PeditKey> SetEthernetSource(MacAddress address) => SetBytes(PeditHeader.Ethernet, 6, address.GetBytes());

    /// <summary><c>munge eth dst set MAC</c>: bytes 0–5 of the Ethernet header.</summary>
    public static IReadOnlyList<PeditKey> SetEthernetDestination(MacAddress address) => SetBytes(PeditHeader.Ethernet, 0, address.GetBytes());

    /// <summary><c>munge ip ttl add 0xff</c>: the TTL (byte 8 of the IPv4 header) less one, modulo 256.</summary>
    public static PeditKey DecrementIPv4Ttl() => AddToByte(PeditHeader.IPv4, 8, 0xFF);

    /// <summary><c>munge ip6 hoplimit add 0xff</c>: the hop limit (byte 7 of the IPv6 header) less one.</summary>
    public static PeditKey DecrementIPv6HopLimit() => AddToByte(PeditHeader.IPv6, 7, 0xFF);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Header.ToString().ToLowerInvariant()} +{Offset} {Command.ToString().ToLowerInvariant()} 0x{Value:x8} mask 0x{Mask:x8}");
}

/// <summary>
/// <c>pedit ex munge …</c>: edits packet bytes. HostAccel writes it with extended keys, each naming the header its
/// offset counts from (TCA_PEDIT_PARMS_EX + TCA_PEDIT_KEYS_EX), as iproute2 does for <c>pedit ex</c>.
/// </summary>
public sealed record PeditAction(EquatableArray<PeditKey> Keys) : TcAction
{
    internal const string KindName = "pedit";

    // linux/tc_act/tc_pedit.h
    private const ushort TCA_PEDIT_TM = 1;
    private const ushort TCA_PEDIT_PARMS = 2;
    private const ushort TCA_PEDIT_PARMS_EX = 4;
    private const ushort TCA_PEDIT_KEYS_EX = 5;
    private const ushort TCA_PEDIT_KEY_EX = 6;
    private const ushort TCA_PEDIT_KEY_EX_HTYPE = 1;
    private const ushort TCA_PEDIT_KEY_EX_CMD = 2;

    /// <summary>MAX_OFFS of linux/tc_act/tc_pedit.h: the most keys one action holds.</summary>
    public const int MaxKeys = 128;

    public override string Kind => KindName;

    /// <summary>
    /// What a router does to a forwarded frame, in the order of <c>pedit ex munge eth src set S munge eth dst set D
    /// munge ip ttl add 0xff</c> (or <c>ip6 hoplimit</c>): the egress device's address as source, the next hop's as
    /// destination, one hop less to live. Verdict pipe: a checksum fix (IPv4) and the redirect follow.
    /// </summary>
    public static PeditAction RewriteForForwarding(MacAddress source, MacAddress destination, bool ipv6) =>
        new(new EquatableArray<PeditKey>([
            .. PeditKey.SetEthernetSource(source),
            .. PeditKey.SetEthernetDestination(destination),
            ipv6 ? PeditKey.DecrementIPv6HopLimit() : PeditKey.DecrementIPv4Ttl(),
        ]))
        { Control = TcControl.Pipe };

    /// <summary>
    /// <c>pedit ex munge … CONTROL</c>, in tc's words for the edits HostAccel makes (Ethernet addresses, TTL and hop
    /// limit decrements) and as raw offsets for any other key.
    /// </summary>
    internal override string Render(Func<int, string?>? interfaceNames)
    {
        var parts = new List<string>();
        for (int i = 0; i < Keys.Count;)
        {
            if (i + 1 < Keys.Count && MacAt(i) is (string field, MacAddress mac))
            {
                parts.Add($"munge eth {field} set {mac}");
                i += 2;
                continue;
            }

            PeditKey key = Keys[i++];
            parts.Add(key == PeditKey.DecrementIPv4Ttl() ? "munge ip ttl add 0xff"
                : key == PeditKey.DecrementIPv6HopLimit() ? "munge ip6 hoplimit add 0xff"
                : $"munge offset {key.Offset} u32 {key.Command.ToString().ToLowerInvariant()} 0x{key.Value:x8} retain 0x{~key.Mask:x8} ({key.Header.ToString().ToLowerInvariant()} header)");
        }

        return $"pedit ex {string.Join(" ", parts)} {ControlText(Control)}";
    }

    /// <summary>Keys i and i+1 as the two that set an Ethernet source or destination address, if they are.</summary>
    private (string Field, MacAddress Address)? MacAt(int i)
    {
        byte[] bytes = new byte[MacAddress.Length];
        foreach ((string field, int offset) in new[] { ("dst", 0), ("src", 6) })
        {
            for (int b = 0; b < MacAddress.Length; b++)
            {
                bytes[b] = ByteOf(Keys[i + ((offset + b) >= (offset & ~3) + 4 ? 1 : 0)], offset + b);
            }

            var mac = MacAddress.FromBytes(bytes);
            var expected = PeditKey.SetBytes(PeditHeader.Ethernet, offset, bytes);
            if (Keys[i] == expected[0] && Keys[i + 1] == expected[1])
            {
                return (field, mac);
            }
        }

        return null;
    }

    private static byte ByteOf(PeditKey key, int offset) =>
        offset < key.Offset || offset >= key.Offset + 4 ? (byte)0 : (byte)(key.Value >> (8 * (3 - (offset - (int)key.Offset))));

    internal override void EncodeOptions(NetlinkWriter writer)
    {
        if (Keys.Count is 0 or > MaxKeys)
        {
            throw new ArgumentException($"a pedit action holds 1 to {MaxKeys} keys, not {Keys.Count}");
        }

        writer.WriteStruct(TCA_PEDIT_PARMS_EX, new TcPeditSel(TcGen.Of(this), Keys));
        using (writer.Nested(TCA_PEDIT_KEYS_EX))
        {
            foreach (PeditKey key in Keys)
            {
                using (writer.Nested(TCA_PEDIT_KEY_EX))
                {
                    writer.WriteU16Host(TCA_PEDIT_KEY_EX_HTYPE, (ushort)key.Header);
                    writer.WriteU16Host(TCA_PEDIT_KEY_EX_CMD, (ushort)key.Command);
                }
            }
        }
    }

    internal static TcAction Decode(AttributeReader options)
    {
        ReadOnlySpan<byte> all = options.All;
        TcGen? gen = null;
        bool modelled = true;
        var words = new List<(uint Mask, uint Value, uint Offset)>();
        var extended = new List<(PeditHeader Header, PeditCommand Command)>();
        TcActionTimes? times = null;
        while (options.Next())
        {
            switch (options.Type)
            {
                case TCA_PEDIT_PARMS or TCA_PEDIT_PARMS_EX:
                    gen = TcPeditSel.Read(options.Payload, words, out modelled);
                    break;
                case TCA_PEDIT_KEYS_EX:
                    AttributeReader list = options.Nested();
                    while (list.Next())
                    {
                        if (list.Type != TCA_PEDIT_KEY_EX)
                        {
                            continue;
                        }

                        PeditHeader header = PeditHeader.Network;
                        PeditCommand command = PeditCommand.Set;
                        AttributeReader key = list.Nested();
                        while (key.Next())
                        {
                            switch (key.Type)
                            {
                                case TCA_PEDIT_KEY_EX_HTYPE:
                                    header = (PeditHeader)key.GetU16Host();
                                    break;
                                case TCA_PEDIT_KEY_EX_CMD:
                                    command = (PeditCommand)key.GetU16Host();
                                    break;
                            }
                        }

                        extended.Add((header, command));
                    }

                    break;
                case TCA_PEDIT_TM:
                    times = TcActionTimes.Decode(options.Payload);
                    break;
            }
        }

        TcGen g = gen ?? throw new NetlinkDecodeException("pedit action without TCA_PEDIT_PARMS(_EX)");
        if (!modelled)
        {
            // Another program's pedit with offsets taken from the packet (at/offmask/shift): listed, not modelled.
            return new UnknownAction(KindName, new EquatableArray<byte>(all.ToArray()))
            {
                Control = g.Action,
                Index = g.Index,
                State = new TcActionState(g.RefCount, g.BindCount) { Times = times },
            };
        }

        if (extended.Count != 0 && extended.Count != words.Count)
        {
            throw new NetlinkDecodeException($"pedit action with {words.Count} keys and {extended.Count} extended keys");
        }

        var keys = words.Select((w, i) => extended.Count == 0
            ? new PeditKey(PeditHeader.Network, PeditCommand.Set, w.Offset, w.Mask, w.Value)
            : new PeditKey(extended[i].Header, extended[i].Command, w.Offset, w.Mask, w.Value));
        return new PeditAction(new EquatableArray<PeditKey>(keys))
        {
            Control = g.Action,
            Index = g.Index,
            State = new TcActionState(g.RefCount, g.BindCount) { Times = times },
        };
    }

    /// <summary>
    /// struct tc_pedit_sel (tc_gen, __u8 nkeys, __u8 flags, then 2 bytes of padding) followed by nkeys struct
    /// tc_pedit_key (__u32 mask, val, off, at, offmask, shift). Mask and value are bytes as they lie in the packet;
    /// the rest are host-order numbers.
    /// </summary>
    private readonly record struct TcPeditSel(TcGen Gen, EquatableArray<PeditKey> Keys) : INetlinkStruct
    {
        private const int HeaderLength = TcGen.Length + 4;
        private const int KeyLength = 24;

        public int Size => HeaderLength + (KeyLength * Keys.Count);

        public void WriteTo(Span<byte> destination)
        {
            Gen.WriteTo(destination);
            destination[TcGen.Length] = (byte)Keys.Count;
            for (int i = 0; i < Keys.Count; i++)
            {
                Span<byte> key = destination.Slice(HeaderLength + (i * KeyLength), KeyLength);
                BinaryPrimitives.WriteUInt32BigEndian(key, Keys[i].Mask);
                BinaryPrimitives.WriteUInt32BigEndian(key[4..], Keys[i].Value);
                BinaryPrimitives.WriteUInt32LittleEndian(key[8..], Keys[i].Offset);
            }
        }

        public static TcGen Read(ReadOnlySpan<byte> payload, List<(uint Mask, uint Value, uint Offset)> keys, out bool modelled)
        {
            modelled = true;
            TcGen gen = TcGen.Read(payload, "tc_pedit_sel");
            if (payload.Length < HeaderLength)
            {
                throw new NetlinkDecodeException($"tc_pedit_sel of {payload.Length} bytes, at least {HeaderLength} expected");
            }

            int count = payload[TcGen.Length];
            if (payload.Length < HeaderLength + (count * KeyLength))
            {
                throw new NetlinkDecodeException($"tc_pedit_sel claims {count} keys in {payload.Length} bytes");
            }

            for (int i = 0; i < count; i++)
            {
                ReadOnlySpan<byte> key = payload.Slice(HeaderLength + (i * KeyLength), KeyLength);
                uint at = BinaryPrimitives.ReadUInt32LittleEndian(key[12..]);
                uint offmask = BinaryPrimitives.ReadUInt32LittleEndian(key[16..]);
                uint shift = BinaryPrimitives.ReadUInt32LittleEndian(key[20..]);
                modelled &= at == 0 && offmask == 0 && shift == 0;

                keys.Add((BinaryPrimitives.ReadUInt32BigEndian(key), BinaryPrimitives.ReadUInt32BigEndian(key[4..]),
                    BinaryPrimitives.ReadUInt32LittleEndian(key[8..])));
            }

            return gen;
        }
    }
}
