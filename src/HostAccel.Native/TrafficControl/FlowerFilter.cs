using System.Globalization;
using System.Net;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.TrafficControl.Actions;
using HostAccel.Native.TrafficControl.Routing;
using static HostAccel.Native.TrafficControl.TcConstants;

namespace HostAccel.Native.TrafficControl;

/// <summary>TCA_CLS_FLAGS_SKIP_* of linux/pkt_cls.h: where the filter may run.</summary>
[Flags]
public enum FlowerFlags : uint
{
    None = 0,

    /// <summary><c>skip_hw</c>: software only, never offloaded to the NIC (seed 001's filters: not_in_hw).</summary>
    SkipHardware = 1,

    /// <summary><c>skip_sw</c>: hardware only.</summary>
    SkipSoftware = 2,
}

/// <summary>
/// A <c>flower</c> filter (module cls_flower): matches the EtherType (<see cref="TcFilter.Protocol"/>), IPv4 or IPv6
/// source and destination prefixes and, optionally, the TTL / hop limit under a mask, then runs its actions in order.
/// Written as <c>tc filter add dev X ingress protocol ip prio P handle H flower skip_hw src_ip S dst_ip D
/// [ip_ttl T/M] action … action …</c>.
/// </summary>
public sealed record FlowerFilter(int InterfaceIndex, ClsactHook Hook, ushort Priority, ushort Protocol)
    : TcFilter(InterfaceIndex, Hook, Priority, Protocol)
{
    internal const string KindName = "flower";

    public override string Kind => KindName;

    public FlowerFlags Flags { get; init; } = FlowerFlags.SkipHardware;

    public IpPrefix? Source { get; init; }

    public IpPrefix? Destination { get; init; }

    /// <summary>The TTL (IPv4) or hop limit (IPv6) to match under <see cref="IpTtlMask"/>; null matches any.</summary>
    public byte? IpTtl { get; init; }

    public byte IpTtlMask { get; init; } = 0xFF;

    public EquatableArray<TcAction> Actions { get; init; }

    /// <summary>Read from the kernel: whether a NIC runs the filter (TCA_CLS_FLAGS_IN_HW / NOT_IN_HW); null when written.</summary>
    public bool? InHardware { get; init; }

    /// <summary>Read from the kernel: on how many devices' hardware it runs (TCA_FLOWER_IN_HW_COUNT).</summary>
    public uint? InHardwareCount { get; init; }

    /// <summary>The counters of the first action, which sees every packet the filter matched; null when written.</summary>
    public TcStatistics? Statistics => Actions.Count > 0 ? Actions[0].State?.Statistics : null;

    /// <summary>
    /// What the Traffic Control mode installs on a device's ingress for traffic from <paramref name="source"/> to
    /// <paramref name="destination"/>: rewrite the frame as the kernel's forwarding would have (source MAC the
    /// egress device's, destination MAC the next hop's, one hop less to live), fix the IPv4 header checksum, and
    /// redirect it to <paramref name="egressInterface"/>'s transmit path —
    /// <c>flower skip_hw src_ip S dst_ip D action pedit ex munge eth src set … munge eth dst set … munge ip ttl add
    /// 0xff pipe action csum ip pipe action mirred egress redirect dev E</c> (IPv6: hoplimit, no csum).
    /// </summary>
    public static FlowerFilter Redirect(int interfaceIndex, ushort priority, uint handle, IpPrefix source, IpPrefix destination,
        MacAddress sourceMac, MacAddress destinationMac, int egressInterface)
    {
        if (source.IsIPv6 != destination.IsIPv6)
        {
            throw new ArgumentException($"source {source} and destination {destination} are of different families", nameof(destination));
        }

        bool v6 = source.IsIPv6;
        TcAction[] actions = v6
            ? [PeditAction.RewriteForForwarding(sourceMac, destinationMac, ipv6: true), MirredAction.EgressRedirect(egressInterface)]
            : [PeditAction.RewriteForForwarding(sourceMac, destinationMac, ipv6: false), CsumAction.IPv4Header(), MirredAction.EgressRedirect(egressInterface)];
        return new FlowerFilter(interfaceIndex, ClsactHook.Ingress, priority, v6 ? ETH_P_IPV6 : ETH_P_IP)
        {
            Handle = handle,
            Source = source,
            Destination = destination,
            Actions = actions,
        };
    }

    /// <summary>
    /// <c>flower skip_hw ip_ttl 0/0xfe action gact pass</c>: a packet that would leave with a TTL (hop limit) of 0 is
    /// handed back to the stack, which drops it and sends ICMP time exceeded, as a router must; it belongs at a
    /// priority before the redirects of its protocol.
    /// </summary>
    public static FlowerFilter TtlGuard(int interfaceIndex, ushort priority, uint handle, bool ipv6) =>
        new(interfaceIndex, ClsactHook.Ingress, priority, ipv6 ? ETH_P_IPV6 : ETH_P_IP)
        {
            Handle = handle,
            IpTtl = 0,
            IpTtlMask = 0xFE,
            Actions = new TcAction[] { GactAction.Pass() },
        };

    public override TcFilter AsWritten() => this with
    {
        InHardware = null,
        InHardwareCount = null,
        Actions = new EquatableArray<TcAction>(Actions.Select(a => a.AsWritten())),
    };

    /// <summary>Checks what the kernel would refuse less clearly: keys of another family than the protocol.</summary>
    internal void Validate()
    {
        bool? v6 = Protocol switch { ETH_P_IP => false, ETH_P_IPV6 => true, _ => null };
        foreach ((string name, IpPrefix? prefix) in new[] { ("source", Source), ("destination", Destination) })
        {
            if (prefix is IpPrefix p && v6 != p.IsIPv6)
            {
                throw new ArgumentException($"flower filter with protocol {ProtocolName(Protocol)} cannot match {name} {p}: the protocol must be {(p.IsIPv6 ? "ipv6" : "ip")}");
            }
        }

        if (IpTtl is not null && v6 is null)
        {
            throw new ArgumentException($"flower filter with protocol {ProtocolName(Protocol)} cannot match ip_ttl: the protocol must be ip or ipv6");
        }
    }

    internal override void Encode(NetlinkWriter writer)
    {
        Validate();
        EncodeHeader(writer, Handle, Info);
        using (writer.NestedWithoutFlag(TCA_OPTIONS))
        {
            // Keys in the order tc writes them for "src_ip S dst_ip D ip_ttl T", then actions, flags and the EtherType.
            WritePrefix(writer, Source, TCA_FLOWER_KEY_IPV4_SRC, TCA_FLOWER_KEY_IPV6_SRC);
            WritePrefix(writer, Destination, TCA_FLOWER_KEY_IPV4_DST, TCA_FLOWER_KEY_IPV6_DST);
            if (IpTtl is byte ttl)
            {
                writer.WriteU8(TCA_FLOWER_KEY_IP_TTL, ttl);
                writer.WriteU8(TCA_FLOWER_KEY_IP_TTL_MASK, IpTtlMask);
            }

            if (Actions.Count > 0)
            {
                ActionCodec.EncodeList(writer, TCA_FLOWER_ACT, Actions);
            }

            writer.WriteU32Host(TCA_FLOWER_FLAGS, (uint)Flags);
            WriteEtherType(writer);
        }
    }

    /// <summary>
    /// <c>tc filter del … protocol P prio N handle H flower</c>: tc sends the flower options its parser produced from
    /// no arguments (flags 0 and the EtherType); the kernel identifies the filter by the rest.
    /// </summary>
    internal override void EncodeDelete(NetlinkWriter writer)
    {
        EncodeHeader(writer, Handle, Info);
        using (writer.NestedWithoutFlag(TCA_OPTIONS))
        {
            writer.WriteU32Host(TCA_FLOWER_FLAGS, 0);
            WriteEtherType(writer);
        }
    }

    private void WriteEtherType(NetlinkWriter writer)
    {
        if (Protocol != ETH_P_ALL)
        {
            writer.WriteU16Be(TCA_FLOWER_KEY_ETH_TYPE, Protocol);
        }
    }

    private static void WritePrefix(NetlinkWriter writer, IpPrefix? prefix, ushort v4Attribute, ushort v6Attribute)
    {
        if (prefix is not IpPrefix p)
        {
            return;
        }

        // Each family's key is followed by its mask: KEY_IPV4_SRC (10), KEY_IPV4_SRC_MASK (11) …
        ushort attribute = p.IsIPv6 ? v6Attribute : v4Attribute;
        UInt128 mask = ~IpPrefix.HostMask(p.AddressBits, p.Length) & (p.IsIPv6 ? UInt128.MaxValue : uint.MaxValue);
        writer.WriteBytes(attribute, p.GetAddressBytes());
        writer.WriteBytes((ushort)(attribute + 1), IpPrefix.ToBytes(mask, p.IsIPv6));
    }

    /// <summary>
    /// The flower options of a dump, or null when they hold a key or setting this record does not model: such a
    /// filter is listed as an <see cref="UnknownFilter"/> rather than mistaken for a simpler one.
    /// </summary>
    internal static FlowerFilter? Decode(int interfaceIndex, ClsactHook hook, ushort priority, ushort protocol, AttributeReader options)
    {
        byte[]? v4Src = null, v4SrcMask = null, v4Dst = null, v4DstMask = null, v6Src = null, v6SrcMask = null, v6Dst = null, v6DstMask = null;
        byte? ttl = null, ttlMask = null;
        uint flags = 0;
        uint? inHwCount = null;
        EquatableArray<TcAction> actions = default;
        while (options.Next())
        {
            switch (options.Type)
            {
                case TCA_FLOWER_KEY_ETH_TYPE:
                    // The same as the filter's protocol, which tc writes into both.
                    break;
                case TCA_FLOWER_KEY_IPV4_SRC:
                    v4Src = options.Payload.ToArray();
                    break;
                case TCA_FLOWER_KEY_IPV4_SRC_MASK:
                    v4SrcMask = options.Payload.ToArray();
                    break;
                case TCA_FLOWER_KEY_IPV4_DST:
                    v4Dst = options.Payload.ToArray();
                    break;
                case TCA_FLOWER_KEY_IPV4_DST_MASK:
                    v4DstMask = options.Payload.ToArray();
                    break;
                case TCA_FLOWER_KEY_IPV6_SRC:
                    v6Src = options.Payload.ToArray();
                    break;
                case TCA_FLOWER_KEY_IPV6_SRC_MASK:
                    v6SrcMask = options.Payload.ToArray();
                    break;
                case TCA_FLOWER_KEY_IPV6_DST:
                    v6Dst = options.Payload.ToArray();
                    break;
                case TCA_FLOWER_KEY_IPV6_DST_MASK:
                    v6DstMask = options.Payload.ToArray();
                    break;
                case TCA_FLOWER_KEY_IP_TTL:
                    ttl = options.GetU8();
                    break;
                case TCA_FLOWER_KEY_IP_TTL_MASK:
                    ttlMask = options.GetU8();
                    break;
                case TCA_FLOWER_FLAGS:
                    flags = options.GetU32Host();
                    break;
                case TCA_FLOWER_IN_HW_COUNT:
                    inHwCount = options.GetU32Host();
                    break;
                case TCA_FLOWER_ACT:
                    actions = ActionCodec.DecodeList(options.Nested());
                    break;
                default:
                    return null;
            }
        }

        if (!TryPrefix(v4Src ?? v6Src, v4SrcMask ?? v6SrcMask, out IpPrefix? source) ||
            !TryPrefix(v4Dst ?? v6Dst, v4DstMask ?? v6DstMask, out IpPrefix? destination) ||
            (v4Src ?? v4Dst) is not null && (v6Src ?? v6Dst) is not null)
        {
            return null;
        }

        return new FlowerFilter(interfaceIndex, hook, priority, protocol)
        {
            Flags = (FlowerFlags)(flags & (TCA_CLS_FLAGS_SKIP_HW | TCA_CLS_FLAGS_SKIP_SW)),
            Source = source,
            Destination = destination,
            IpTtl = ttl,
            IpTtlMask = ttl is null ? (byte)0xFF : ttlMask ?? 0xFF,
            Actions = actions,
            InHardware = (flags & TCA_CLS_FLAGS_IN_HW) != 0 ? true : (flags & TCA_CLS_FLAGS_NOT_IN_HW) != 0 ? false : null,
            InHardwareCount = inHwCount,
        };
    }

    /// <summary>A key and its mask as a prefix; false for a mask that is not a prefix (10.0.0.0/255.0.255.0).</summary>
    private static bool TryPrefix(byte[]? key, byte[]? mask, out IpPrefix? prefix)
    {
        prefix = null;
        if (key is null)
        {
            return true;
        }

        if (key.Length is not (4 or 16) || (mask is not null && mask.Length != key.Length))
        {
            throw new NetlinkDecodeException($"flower address key of {key.Length} bytes with a mask of {mask?.Length} bytes");
        }

        bool v6 = key.Length == 16;
        int bits = v6 ? 128 : 32;
        UInt128 m = mask is null ? IpPrefix.FromBytes(Enumerable.Repeat((byte)0xFF, key.Length).ToArray()) : IpPrefix.FromBytes(mask);
        int length = 0;
        while (length < bits && ((m >> (bits - 1 - length)) & 1) == 1)
        {
            length++;
        }

        if ((m & IpPrefix.HostMask(bits, length)) != 0)
        {
            return false;
        }

        prefix = IpPrefix.Create(v6, IpPrefix.FromBytes(key) & ~IpPrefix.HostMask(bits, length), length);
        return true;
    }

    public override string Render(Func<int, string?>? interfaceNames)
    {
        var text = new System.Text.StringBuilder(Identity(interfaceNames));
        if (Flags.HasFlag(FlowerFlags.SkipHardware))
        {
            text.Append(" skip_hw");
        }

        if (Flags.HasFlag(FlowerFlags.SkipSoftware))
        {
            text.Append(" skip_sw");
        }

        AppendPrefix(text, "src_ip", Source);
        AppendPrefix(text, "dst_ip", Destination);
        if (IpTtl is byte ttl)
        {
            text.Append(CultureInfo.InvariantCulture, $" ip_ttl {ttl}{(IpTtlMask == 0xFF ? "" : $"/0x{IpTtlMask:x}")}");
        }

        foreach (TcAction action in Actions)
        {
            text.Append(" action ").Append(action.RenderWithCookie(interfaceNames));
        }

        return text.ToString();
    }

    private static void AppendPrefix(System.Text.StringBuilder text, string key, IpPrefix? prefix)
    {
        if (prefix is IpPrefix p)
        {
            text.Append(' ').Append(key).Append(' ').Append(p.Length == p.AddressBits ? new IPAddress(p.GetAddressBytes()).ToString() : p.ToString());
        }
    }
}
