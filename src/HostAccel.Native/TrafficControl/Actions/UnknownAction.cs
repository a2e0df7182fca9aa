using HostAccel.Native.Netlink;

namespace HostAccel.Native.TrafficControl.Actions;

/// <summary>
/// An action of a kind this library does not model (another program's filter, say): kept with its options as the
/// kernel sent them, and with the index and statistics every action has.
/// </summary>
public sealed record UnknownAction(string ActionKind, Nftables.EquatableArray<byte> Options) : TcAction
{
    public override string Kind => ActionKind;

    internal override string Render(Func<int, string?>? interfaceNames) => $"{ActionKind} ({Options.Count} bytes of options)";

    internal override void EncodeOptions(NetlinkWriter writer) =>
        throw new NotSupportedException($"a {ActionKind} action read from the kernel cannot be written back by HostAccel");
}
