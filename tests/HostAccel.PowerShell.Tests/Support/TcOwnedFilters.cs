using HostAccel.Native.Nftables;
using HostAccel.Native.TrafficControl;
using HostAccel.Native.TrafficControl.Actions;
using HostAccel.Native.TrafficControl.Routing;
using HostAccel.PowerShell.Engine.TrafficControl;

namespace HostAccel.PowerShell.Tests.Support;

/// <summary>
/// HostAccel's filters as the kernel would list them, built as the plain objects a read returns (no cls_flower
/// needed): the demo Node's devices antrea-gw0 (index 4) and eth0 (index 2), guards and redirects with HostAccel's
/// cookie, and the counters the kernel reports with them.
/// </summary>
internal static class TcOwnedFilters
{
    public const string Added = "686f7374616363656c01";
    public const string Found = "686f7374616363656c00";

    public static readonly Link Gateway = new(4, "antrea-gw0");
    public static readonly Link Transport = new(2, "eth0");

    public static IpPrefix P(string text) => IpPrefix.Parse(text);

    public static FlowerFilter Guard(Link device, bool v6, uint handle = 1, bool addedClsact = true) =>
        TcDesign.Marked(FlowerFilter.TtlGuard(device.Index, v6 ? TcDesign.Guard6 : TcDesign.Guard4, handle, v6), addedClsact);

    public static FlowerFilter Redirect(Link device, string source, string destination, int egress, uint handle = 1, bool addedClsact = true,
        string destinationMac = "02:00:00:00:00:02")
    {
        bool v6 = source.Contains(':', StringComparison.Ordinal);
        return TcDesign.Marked(FlowerFilter.Redirect(device.Index, v6 ? TcDesign.Redirect6 : TcDesign.Redirect4, handle, P(source), P(destination),
            MacAddress.Parse("02:00:00:00:00:01"), MacAddress.Parse(destinationMac), egress), addedClsact);
    }

    /// <summary>The filter as a dump returns it: the kernel's action indexes and state (with the first action's counters), not in hardware.</summary>
    public static FlowerFilter AsRead(FlowerFilter filter, ulong packets = 0, ulong bytes = 0) => filter with
    {
        InHardware = false,
        Actions = new EquatableArray<TcAction>(filter.Actions.Select((a, i) => a with
        {
            Index = (uint)(i + 7),
            State = new TcActionState(1, 1) { Statistics = new TcStatistics(packets, bytes) },
        })),
    };

    public static IReadOnlyList<(Link Device, IReadOnlyList<FlowerFilter> Filters)> Owned(params (Link Device, FlowerFilter[] Filters)[] devices) =>
        devices.Select(d => (d.Device, (IReadOnlyList<FlowerFilter>)d.Filters)).ToList();

    /// <summary>The tc text of a filter (what follows <c>tc filter add</c>), devices by name.</summary>
    public static string GuardText(string device, bool v6, uint handle, string cookie = Added) =>
        $"dev {device} ingress protocol {(v6 ? "ipv6 prio 40009" : "ip prio 40008")} handle {handle} flower skip_hw ip_ttl 0/0xfe action gact pass cookie {cookie}";

    public static string RedirectText(string device, uint handle, string source, string destination, string egress, string cookie = Added,
        string destinationMac = "02:00:00:00:00:02") =>
        source.Contains(':', StringComparison.Ordinal)
            ? $"dev {device} ingress protocol ipv6 prio 40011 handle {handle} flower skip_hw src_ip {source} dst_ip {destination} action pedit ex munge eth src set 02:00:00:00:00:01 munge eth dst set {destinationMac} munge ip6 hoplimit add 0xff pipe cookie {cookie} action mirred egress redirect dev {egress}"
            : $"dev {device} ingress protocol ip prio 40010 handle {handle} flower skip_hw src_ip {source} dst_ip {destination} action pedit ex munge eth src set 02:00:00:00:00:01 munge eth dst set {destinationMac} munge ip ttl add 0xff pipe cookie {cookie} action csum ip pipe action mirred egress redirect dev {egress}";
}
