using HostAccel.Native.Nftables;
using HostAccel.Native.TrafficControl;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine.TrafficControl;

/// <summary>
/// The Traffic Control mode, written once: the priorities of its filters (TrafficControl/README.md of the native
/// layer), the mark it writes in their first action's cookie, and which traffic types it can carry.
/// </summary>
internal static class TcDesign
{
    public const ushort Guard4 = 40008;
    public const ushort Guard6 = 40009;
    public const ushort Redirect4 = 40010;
    public const ushort Redirect6 = 40011;

    /// <summary>The traffic a stateless redirect carries correctly: addresses final at the gateway (Antrea resolves Services in OVS).</summary>
    public const AccelTraffic Carried = AccelTraffic.PodToPod;

    /// <summary>
    /// The cookie of every filter HostAccel writes (TCA_ACT_COOKIE of its first action): "hostaccel" and one byte,
    /// 1 when HostAccel added the device's clsact (so that Disable-Fastpath removes it again) and 0 when it was there.
    /// A filter without it is never changed or deleted, whatever its priority.
    /// </summary>
    private static ReadOnlySpan<byte> Mark => "hostaccel"u8;

    public static EquatableArray<byte> Cookie(bool addedClsact) => new([.. Mark, addedClsact ? (byte)1 : (byte)0]);

    public static bool IsOwned(TcFilter filter) =>
        filter is FlowerFilter { Actions.Count: > 0 } f && f.Actions[0].Cookie.Count == Mark.Length + 1 && f.Actions[0].Cookie.AsSpan()[..Mark.Length].SequenceEqual(Mark);

    /// <summary>Whether an owned filter says HostAccel added its device's clsact.</summary>
    public static bool AddedClsact(TcFilter filter) => IsOwned(filter) && ((FlowerFilter)filter).Actions[0].Cookie[Mark.Length] == 1;

    public static FlowerFilter Marked(FlowerFilter filter, bool addedClsact) => filter with
    {
        Actions = new EquatableArray<Native.TrafficControl.Actions.TcAction>(filter.Actions.Select((a, i) => i == 0 ? a with { Cookie = Cookie(addedClsact) } : a)),
    };

    public static bool IsGuard(FlowerFilter filter) => filter.Priority is Guard4 or Guard6;

    /// <summary>Why the mode refuses a traffic type, in words, or null when it carries it.</summary>
    public static string? WhyNotCarried(AccelTraffic traffic)
    {
        AccelTraffic refused = traffic & ~Carried & AccelTraffic.All;
        if (refused == AccelTraffic.None)
        {
            return null;
        }

        static string Why(AccelTraffic t) => t switch
        {
            AccelTraffic.ExternalToPod => "ExternalToPod traffic is SNATed by the Node",
            AccelTraffic.ExternalToNodePort => "ExternalToNodePort traffic is DNATed by the Node",
            AccelTraffic.ExternalIP => "ExternalIP (LoadBalancer and External IP) traffic is DNATed by the Node",
            _ => "FullPath traffic is addressed to this Node's transport IP and needs its conntrack and NAT",
        };

        string[] reasons = Enum.GetValues<AccelTraffic>().Where(t => t is not (AccelTraffic.None or AccelTraffic.All) && (refused & t) != 0).Select(Why).ToArray();
        return $"Mode TrafficControl cannot carry {refused} traffic: its filters are stateless (no conntrack entry is made or read, so no NAT), " +
            $"and {string.Join("; ", reasons)}. Only PodToPod (Pod-to-Pod and Pod-to-Service) traffic, whose addresses are final at the gateway, can be redirected; use Mode Flowtable for the rest";
    }
}
