using HostAccel.Native.Netlink;

namespace HostAccel.Native.TrafficControl.Actions;

/// <summary>
/// A generic action that only returns its verdict: <c>gact pass</c> hands the packet back to the stack untouched,
/// which is how a packet whose TTL would expire is left to the kernel's forwarding (and its ICMP time exceeded).
/// </summary>
public sealed record GactAction : TcAction
{
    internal const string KindName = "gact";

    // linux/tc_act/tc_gact.h
    private const ushort TCA_GACT_TM = 1;
    private const ushort TCA_GACT_PARMS = 2;

    public override string Kind => KindName;

    public static GactAction Pass() => new() { Control = TcControl.Ok };

    internal override string Render(Func<int, string?>? interfaceNames) => $"gact {ControlText(Control)}";

    internal override void EncodeOptions(NetlinkWriter writer) => writer.WriteStruct(TCA_GACT_PARMS, new TcGact(TcGen.Of(this)));

    internal static TcAction Decode(AttributeReader options)
    {
        TcGen? gen = null;
        TcActionTimes? times = null;
        while (options.Next())
        {
            switch (options.Type)
            {
                case TCA_GACT_PARMS:
                    gen = TcGen.Read(options.Payload, "tc_gact");
                    break;
                case TCA_GACT_TM:
                    times = TcActionTimes.Decode(options.Payload);
                    break;
            }
        }

        TcGen g = gen ?? throw new NetlinkDecodeException("gact action without TCA_GACT_PARMS");
        return new GactAction { Control = g.Action, Index = g.Index, State = new TcActionState(g.RefCount, g.BindCount) { Times = times } };
    }

    /// <summary>struct tc_gact: a tc_gen and nothing else.</summary>
    private readonly record struct TcGact(TcGen Gen) : INetlinkStruct
    {
        public int Size => TcGen.Length;

        public void WriteTo(Span<byte> destination) => Gen.WriteTo(destination);
    }
}
