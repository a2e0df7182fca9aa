using HostAccel.Native.Netlink;
using static HostAccel.Native.TrafficControl.TcConstants;

namespace HostAccel.Native.TrafficControl;

/// <summary>Where a filter under a clsact qdisc runs: its parent handle (TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_…)).</summary>
public enum ClsactHook : uint
{
    /// <summary>Frames the device receives, before the stack sees them: <c>tc filter … ingress</c> (ffff:fff2).</summary>
    Ingress = 0xFFFFFFF2,

    /// <summary>Frames the device is about to send: <c>tc filter … egress</c> (ffff:fff3).</summary>
    Egress = 0xFFFFFFF3,
}

/// <summary>
/// A queueing discipline of a device. HostAccel writes one kind: <c>clsact</c> (module sch_ingress), which holds no
/// queue, only the ingress and egress hooks filters attach to.
/// </summary>
public sealed record TcQdisc(int InterfaceIndex, string Kind)
{
    public const string ClsactKind = "clsact";

    /// <summary>The clsact qdisc's own handle, ffff:0, which tc gives it.</summary>
    public const uint ClsactHandle = 0xFFFF0000;

    public uint Handle { get; init; }

    public uint Parent { get; init; }

    /// <summary><c>tc qdisc add dev X clsact</c>.</summary>
    public static TcQdisc Clsact(int interfaceIndex) => new(interfaceIndex, ClsactKind) { Handle = ClsactHandle, Parent = TC_H_CLSACT };

    public bool IsClsact => Kind == ClsactKind && Parent == TC_H_CLSACT;

    public override string ToString() => $"qdisc {Kind} {Handle >> 16:x}: dev #{InterfaceIndex} parent {Parent >> 16:x}:{Parent & 0xFFFF:x}";

    /// <summary>tcmsg and TCA_KIND, as tc writes them for add, replace and delete alike.</summary>
    internal void Encode(NetlinkWriter writer)
    {
        writer.WriteStruct(new TcMsg(0, InterfaceIndex, Handle, Parent, 0));
        writer.WriteString(TCA_KIND, Kind);
    }

    internal static TcQdisc Decode(in NetlinkMessage message)
    {
        TcMsg header = TcMsg.Read(message.Payload);
        string kind = "";
        var reader = new AttributeReader(message.Payload[TcMsg.Length..]);
        while (reader.Next())
        {
            if (reader.Type == TCA_KIND)
            {
                kind = reader.GetString();
            }
        }

        return new TcQdisc(header.InterfaceIndex, kind) { Handle = header.Handle, Parent = header.Parent };
    }
}
