using System.Buffers.Binary;
using HostAccel.Native.Netlink;

namespace HostAccel.Native.TrafficControl.Actions;

/// <summary>Which checksums csum recomputes (TCA_CSUM_UPDATE_FLAG_* of linux/tc_act/tc_csum.h).</summary>
[Flags]
public enum CsumUpdate : uint
{
    None = 0,
    IPv4Header = 1,
    Icmp = 2,
    Igmp = 4,
    Tcp = 8,
    Udp = 16,
    UdpLite = 32,
    Sctp = 64,
}

/// <summary>
/// <c>csum ip</c>: recomputes the IPv4 header checksum after pedit changed the TTL. IPv6 has no header checksum and
/// its hop limit is in no pseudo-header, so an IPv6 filter needs none.
/// </summary>
public sealed record CsumAction(CsumUpdate Update) : TcAction
{
    internal const string KindName = "csum";

    // linux/tc_act/tc_csum.h
    private const ushort TCA_CSUM_PARMS = 1;
    private const ushort TCA_CSUM_TM = 2;

    public override string Kind => KindName;

    public static CsumAction IPv4Header() => new(CsumUpdate.IPv4Header) { Control = TcControl.Pipe };

    internal override string Render(Func<int, string?>? interfaceNames)
    {
        var parts = new List<string>();
        foreach ((CsumUpdate flag, string name) in new[] { (CsumUpdate.IPv4Header, "ip"), (CsumUpdate.Icmp, "icmp"), (CsumUpdate.Igmp, "igmp"), (CsumUpdate.Tcp, "tcp"), (CsumUpdate.Udp, "udp"), (CsumUpdate.UdpLite, "udplite"), (CsumUpdate.Sctp, "sctp") })
        {
            if (Update.HasFlag(flag))
            {
                parts.Add(name);
            }
        }

        return $"csum {string.Join(" and ", parts)} {ControlText(Control)}";
    }

    internal override void EncodeOptions(NetlinkWriter writer) =>
        writer.WriteStruct(TCA_CSUM_PARMS, new TcCsum(TcGen.Of(this), Update));

    internal static TcAction Decode(AttributeReader options)
    {
        TcCsum? parms = null;
        TcActionTimes? times = null;
        while (options.Next())
        {
            switch (options.Type)
            {
                case TCA_CSUM_PARMS:
                    parms = TcCsum.Read(options.Payload);
                    break;
                case TCA_CSUM_TM:
                    times = TcActionTimes.Decode(options.Payload);
                    break;
            }
        }

        TcCsum p = parms ?? throw new NetlinkDecodeException("csum action without TCA_CSUM_PARMS");
        return new CsumAction(p.Update)
        {
            Control = p.Gen.Action,
            Index = p.Gen.Index,
            State = new TcActionState(p.Gen.RefCount, p.Gen.BindCount) { Times = times },
        };
    }

    /// <summary>struct tc_csum: tc_gen, __u32 update_flags.</summary>
    private readonly record struct TcCsum(TcGen Gen, CsumUpdate Update) : INetlinkStruct
    {
        private const int Length = TcGen.Length + 4;

        public int Size => Length;

        public void WriteTo(Span<byte> destination)
        {
            Gen.WriteTo(destination);
            BinaryPrimitives.WriteUInt32LittleEndian(destination[TcGen.Length..], (uint)Update);
        }

        public static TcCsum Read(ReadOnlySpan<byte> payload)
        {
            if (payload.Length < Length)
            {
                throw new NetlinkDecodeException($"TCA_CSUM_PARMS of {payload.Length} bytes, {Length} expected");
            }

            return new TcCsum(TcGen.Read(payload, "tc_csum"), (CsumUpdate)BinaryPrimitives.ReadUInt32LittleEndian(payload[TcGen.Length..]));
        }
    }
}
