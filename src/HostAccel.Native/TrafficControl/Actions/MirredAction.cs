using System.Buffers.Binary;
using HostAccel.Native.Netlink;

namespace HostAccel.Native.TrafficControl.Actions;

/// <summary>The direction and kind of a mirred action (TCA_EGRESS_REDIR … of linux/tc_act/tc_mirred.h).</summary>
public enum MirredKind
{
    EgressRedirect = 1,
    EgressMirror = 2,
    IngressRedirect = 3,
    IngressMirror = 4,
}

/// <summary>
/// <c>mirred egress redirect dev Y</c>: hands the packet to device <see cref="InterfaceIndex"/>'s transmit path,
/// bypassing the rest of this host's stack.
/// </summary>
public sealed record MirredAction(MirredKind Mode, int InterfaceIndex) : TcAction
{
    internal const string KindName = "mirred";

    // linux/tc_act/tc_mirred.h
    private const ushort TCA_MIRRED_TM = 1;
    private const ushort TCA_MIRRED_PARMS = 2;

    public override string Kind => KindName;

    /// <summary>A redirect ends the filter's work on the packet: tc's default verdict for it is stolen.</summary>
    public static MirredAction EgressRedirect(int interfaceIndex) =>
        new(MirredKind.EgressRedirect, interfaceIndex) { Control = TcControl.Stolen };

    /// <summary><c>mirred egress redirect dev Y</c>; the verdict only when it is not tc's default for the mode.</summary>
    internal override string Render(Func<int, string?>? interfaceNames)
    {
        bool redirect = Mode is MirredKind.EgressRedirect or MirredKind.IngressRedirect;
        string mode = Mode switch
        {
            MirredKind.EgressRedirect => "egress redirect",
            MirredKind.EgressMirror => "egress mirror",
            MirredKind.IngressRedirect => "ingress redirect",
            _ => "ingress mirror",
        };
        TcControl byDefault = redirect ? TcControl.Stolen : TcControl.Pipe;
        return $"mirred {mode} dev {TcFilter.DeviceName(InterfaceIndex, interfaceNames)}{(Control == byDefault ? "" : $" {ControlText(Control)}")}";
    }

    internal override void EncodeOptions(NetlinkWriter writer) =>
        writer.WriteStruct(TCA_MIRRED_PARMS, new TcMirred(TcGen.Of(this), Mode, InterfaceIndex));

    internal static TcAction Decode(AttributeReader options)
    {
        TcMirred? parms = null;
        TcActionTimes? times = null;
        while (options.Next())
        {
            switch (options.Type)
            {
                case TCA_MIRRED_PARMS:
                    parms = TcMirred.Read(options.Payload);
                    break;
                case TCA_MIRRED_TM:
                    times = TcActionTimes.Decode(options.Payload);
                    break;
            }
        }

        TcMirred p = parms ?? throw new NetlinkDecodeException("mirred action without TCA_MIRRED_PARMS");
        return new MirredAction(p.Mode, p.InterfaceIndex)
        {
            Control = p.Gen.Action,
            Index = p.Gen.Index,
            State = new TcActionState(p.Gen.RefCount, p.Gen.BindCount) { Times = times },
        };
    }

    /// <summary>struct tc_mirred: tc_gen, int eaction, __u32 ifindex — 28 bytes, as the kernel's uapi has it.</summary>
    private readonly record struct TcMirred(TcGen Gen, MirredKind Mode, int InterfaceIndex) : INetlinkStruct
    {
        private const int Length = TcGen.Length + 8;

        public int Size => Length;

        public void WriteTo(Span<byte> destination)
        {
            Gen.WriteTo(destination);
            BinaryPrimitives.WriteInt32LittleEndian(destination[TcGen.Length..], (int)Mode);
            BinaryPrimitives.WriteInt32LittleEndian(destination[(TcGen.Length + 4)..], InterfaceIndex);
        }

        public static TcMirred Read(ReadOnlySpan<byte> payload)
        {
            if (payload.Length < Length)
            {
                throw new NetlinkDecodeException($"TCA_MIRRED_PARMS of {payload.Length} bytes, {Length} expected");
            }

            return new TcMirred(TcGen.Read(payload, "tc_mirred"),
                (MirredKind)BinaryPrimitives.ReadInt32LittleEndian(payload[TcGen.Length..]),
                BinaryPrimitives.ReadInt32LittleEndian(payload[(TcGen.Length + 4)..]));
        }
    }
}
