using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine.Configuration;

/// <summary>
/// A configured device that does not exist (yet): left out of the flowtable and of the rules that name it, the rest
/// of the configuration applied. Not drift: the kernel holds everything that can be held without it, and a sync after
/// it appears (Sync-AccelConfiguration -Watch does that by itself) adds it and its rules.
/// In the Traffic Control mode every redirect names both devices, so a missing gateway or transport device leaves all
/// of HostAccel's redirects out (and takes those on the other device away: a redirect to a device that is gone drops).
/// </summary>
internal sealed record PendingDevice(string Device, string Role, AccelTraffic WaitingTraffic, AccelMode Mode = AccelMode.Flowtable)
{
    public static PendingDevice Of(AccelConfiguration c, string device, bool gateway, bool transport)
    {
        // The traffic types whose rules name the device (Design): the gateway's and the transport's.
        AccelTraffic waiting = gateway
            ? c.Traffic & (AccelTraffic.PodToPod | AccelTraffic.ExternalToPod | AccelTraffic.ExternalToNodePort | AccelTraffic.ExternalIP)
            : transport ? c.Traffic & (AccelTraffic.PodToPod | AccelTraffic.ExternalToPod) : AccelTraffic.None;
        return new PendingDevice(device, gateway ? "gateway" : transport ? "transport" : "flowtable", waiting);
    }

    /// <summary>A gateway or transport device of the Traffic Control mode that does not exist: none of its redirects can be made.</summary>
    public static PendingDevice OfRedirects(AccelConfiguration c, string device) =>
        new(device, device == c.GatewayInterface ? "gateway" : "transport", c.Traffic, AccelMode.TrafficControl);

    public override string ToString() => Mode == AccelMode.TrafficControl
        ? $"{Role} device '{Device}' does not exist: the Traffic Control redirects of {WaitingTraffic} are left out until it appears"
        : $"{Role} device '{Device}' does not exist: it is left out of the flowtable{(WaitingTraffic == AccelTraffic.None ? "" : $", and the rules of {WaitingTraffic} are left out")} until it appears";
}
