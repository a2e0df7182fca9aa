using System.Buffers.Binary;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using static HostAccel.Native.TrafficControl.TcConstants;

namespace HostAccel.Native.TrafficControl;

/// <summary>
/// A classifier instance on a clsact hook. The kernel knows a filter by device, hook, priority, protocol and handle
/// (and chain): a priority holds filters of one kind and one protocol, and the handle tells them apart.
/// <c>Protocol</c> is the EtherType the filter sees (0x0800 IPv4, 0x86DD IPv6), in the host's order.
/// </summary>
public abstract record TcFilter(int InterfaceIndex, ClsactHook Hook, ushort Priority, ushort Protocol)
{
    /// <summary>The filter's handle within its priority; 0 lets the kernel choose one when adding.</summary>
    public uint Handle { get; init; }

    /// <summary>The filter chain (TCA_CHAIN); null is chain 0, which tc does not write.</summary>
    public uint? Chain { get; init; }

    /// <summary>The classifier's kernel name (TCA_KIND): "flower", "u32", "bpf" …</summary>
    public abstract string Kind { get; }

    /// <summary>tcm_info: the priority in the upper half, the protocol in network order in the lower.</summary>
    internal uint Info => ((uint)Priority << 16) | BinaryPrimitives.ReverseEndianness(Protocol);

    /// <summary>The filter as HostAccel writes it: without what the kernel adds when it reports one.</summary>
    public abstract TcFilter AsWritten();

    /// <summary>
    /// The filter in tc's syntax, what follows <c>tc filter add</c>, naming devices with
    /// <paramref name="interfaceNames"/> where it knows them (#index otherwise).
    /// </summary>
    public abstract string Render(Func<int, string?>? interfaceNames);

    public sealed override string ToString() => $"filter {Render(null)}";

    /// <summary>The message's tcmsg, TCA_CHAIN and TCA_KIND, in tc's order; the options follow.</summary>
    internal void EncodeHeader(NetlinkWriter writer, uint handle, uint info)
    {
        writer.WriteStruct(new TcMsg(0, InterfaceIndex, handle, (uint)Hook, info));
        if (Chain is uint chain)
        {
            writer.WriteU32Host(TCA_CHAIN, chain);
        }

        writer.WriteString(TCA_KIND, Kind);
    }

    /// <summary>RTM_NEWTFILTER's body: the header, then TCA_OPTIONS with the keys and actions.</summary>
    internal abstract void Encode(NetlinkWriter writer);

    /// <summary>RTM_DELTFILTER's body for exactly this filter, as <c>tc filter del … handle H KIND</c> writes it.</summary>
    internal abstract void EncodeDelete(NetlinkWriter writer);

    /// <summary>
    /// A filter of a dump, or null for the message that only announces a priority (handle 0, no options), which the
    /// kernel sends before that priority's filters.
    /// </summary>
    internal static TcFilter? Decode(in NetlinkMessage message)
    {
        TcMsg header = TcMsg.Read(message.Payload);
        string kind = "";
        uint? chain = null;
        byte[]? options = null;
        var reader = new AttributeReader(message.Payload[TcMsg.Length..]);
        while (reader.Next())
        {
            switch (reader.Type)
            {
                case TCA_KIND:
                    kind = reader.GetString();
                    break;
                case TCA_CHAIN:
                    uint value = reader.GetU32Host();
                    chain = value == 0 ? null : value;
                    break;
                case TCA_OPTIONS:
                    options = reader.Payload.ToArray();
                    break;
            }
        }

        if (options is null && header.Handle == 0)
        {
            return null;
        }

        var hook = (ClsactHook)header.Parent;
        var priority = (ushort)(header.Info >> 16);
        ushort protocol = BinaryPrimitives.ReverseEndianness((ushort)(header.Info & 0xFFFF));
        options ??= [];
        TcFilter? filter = kind == FlowerFilter.KindName
            ? FlowerFilter.Decode(header.InterfaceIndex, hook, priority, protocol, new AttributeReader(options))
            : null;
        filter ??= new UnknownFilter(header.InterfaceIndex, hook, priority, protocol, kind, new EquatableArray<byte>(options));
        return filter with { Handle = header.Handle, Chain = chain };
    }

    /// <summary>
    /// The filter's identity as tc writes it after <c>tc filter add</c>: <c>dev X ingress protocol ip prio N [chain C]
    /// [handle H] KIND</c>.
    /// </summary>
    private protected string Identity(Func<int, string?>? interfaceNames) =>
        $"dev {DeviceName(InterfaceIndex, interfaceNames)} {Hook.ToString().ToLowerInvariant()} " +
        $"protocol {ProtocolName(Protocol)} prio {Priority}{(Chain is uint c ? $" chain {c}" : "")}{(Handle == 0 ? "" : $" handle {Handle}")} {Kind}";

    internal static string DeviceName(int index, Func<int, string?>? interfaceNames) => interfaceNames?.Invoke(index) ?? $"#{index}";

    internal static string ProtocolName(ushort protocol) => protocol switch
    {
        ETH_P_IP => "ip",
        ETH_P_IPV6 => "ipv6",
        ETH_P_ALL => "all",
        _ => $"0x{protocol:x4}",
    };
}

/// <summary>A filter this library does not model (another program's u32 or bpf, a flower with other keys): listed only.</summary>
public sealed record UnknownFilter(int InterfaceIndex, ClsactHook Hook, ushort Priority, ushort Protocol, string FilterKind, EquatableArray<byte> Options)
    : TcFilter(InterfaceIndex, Hook, Priority, Protocol)
{
    public override string Kind => FilterKind;

    public override TcFilter AsWritten() => this;

    public override string Render(Func<int, string?>? interfaceNames) => $"{Identity(interfaceNames)} ({Options.Count} bytes of options)";

    internal override void Encode(NetlinkWriter writer) =>
        throw new NotSupportedException($"a {FilterKind} filter read from the kernel cannot be written back by HostAccel");

    /// <summary>Any filter can be deleted by its identity; tc writes no options for a kind it does not parse.</summary>
    internal override void EncodeDelete(NetlinkWriter writer) => EncodeHeader(writer, Handle, Info);
}
