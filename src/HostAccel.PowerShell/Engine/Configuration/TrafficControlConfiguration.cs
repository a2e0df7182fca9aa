using HostAccel.Native.Nftables;
using HostAccel.Native.TrafficControl;
using HostAccel.Native.TrafficControl.Routing;
using HostAccel.PowerShell.Engine.TrafficControl;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine.Configuration;

/// <summary>
/// The configuration's Mode TrafficControl: what it refuses, the nftables state it leaves (the table and its peer
/// set, no flowtable or rules), its filters as part of a sync, and how it is read back.
/// </summary>
internal static class TrafficControlConfiguration
{
    /// <summary>Refuses what the mode cannot carry, and the flowtable's settings, which it has no object for.</summary>
    public static void Check(AccelConfiguration c)
    {
        if (c.Mode == AccelMode.Flowtable)
        {
            return;
        }

        if (!Enum.IsDefined(c.Mode))
        {
            throw ConfigurationReader.Invalid($"{(int)c.Mode} is not a mode", c.Mode);
        }

        if (TcDesign.WhyNotCarried(c.Traffic) is string why)
        {
            throw new HostAccelException(ErrorIds.TrafficNotCarried, FailureKind.InvalidArgument, why, c.Traffic & ~TcDesign.Carried);
        }

        foreach ((bool set, string key) in new[] { (c.Counter, nameof(c.Counter)), (c.HardwareOffload, nameof(c.HardwareOffload)), (c.Priority != 0, nameof(c.Priority)), (c.Devices.Count > 0, nameof(c.Devices)) })
        {
            if (set)
            {
                throw ConfigurationReader.Invalid($"{key} is a setting of the flowtable, which Mode TrafficControl does not have", key);
            }
        }
    }

    /// <summary>The nftables part of the desired state: in the Traffic Control mode, the table and its peer set only.</summary>
    public static AccelConfiguration NftPart(AccelConfiguration c) =>
        c.Mode == AccelMode.TrafficControl && c.Traffic != AccelTraffic.None ? c with { Traffic = AccelTraffic.None, Mode = AccelMode.Flowtable } : c;

    /// <summary>
    /// The filter changes of a sync: the configuration's filters in the Traffic Control mode; otherwise (or with no
    /// traffic) none, so HostAccel's filters on the configuration's devices are deleted. With
    /// <paramref name="pending"/>, a missing gateway or transport device is no error: every redirect names both
    /// devices, so none is made, HostAccel's filters on the other device are deleted (a mirred redirect to a device
    /// that is gone drops the packets it takes), and the device is listed as pending until it appears.
    /// </summary>
    public static IReadOnlyList<TcPlannedChange> Plan(TcConnection tc, AccelConfiguration c, ICollection<PendingDevice>? pending = null)
    {
        string[] devices = new[] { c.GatewayInterface, c.TransportInterface ?? "" }.Where(d => d.Length > 0).ToArray();
        if (c.Mode == AccelMode.TrafficControl && c.Traffic != AccelTraffic.None && c.TransportInterface is string transport)
        {
            string[] missing = pending is null ? [] : devices.Where(d => tc.GetLink(d) is null).ToArray();
            if (missing.Length == 0)
            {
                return TcFastpaths.PlanEnable(tc, new TcFastpathSpec(c.GatewayInterface, transport,
                    c.LocalPodCidr.Select(IpPrefix.Parse).ToList(), c.PeerPodCidr.Select(IpPrefix.Parse).ToList()));
            }

            foreach (string device in missing)
            {
                pending!.Add(PendingDevice.OfRedirects(c, device));
            }
        }

        return TcFastpaths.PlanDisable(tc, devices);
    }

    /// <summary>
    /// Get-AccelConfiguration: when HostAccel's redirects are in the kernel, the mode and what they say (gateway,
    /// transport, local Pod CIDRs) on top of what the table says (the peer set).
    /// </summary>
    public static AccelConfiguration ReadBack(TcConnection tc, AccelConfiguration fromTables) =>
        ReadBack(TcFastpaths.OwnedEverywhere(tc), fromTables);

    /// <summary><see cref="ReadBack(TcConnection, AccelConfiguration)"/> from every device's HostAccel filters (<see cref="TcFastpaths.OwnedEverywhere"/>).</summary>
    internal static AccelConfiguration ReadBack(IReadOnlyList<(Link Device, IReadOnlyList<FlowerFilter> Filters)> owned, AccelConfiguration fromTables)
    {
        var redirects = owned.SelectMany(o => o.Filters.Where(f => !TcDesign.IsGuard(f)).Select(f => (o.Device, Filter: f))).ToList();
        if (redirects.Count == 0)
        {
            return fromTables;
        }

        var peers = fromTables.PeerPodCidr.Select(IpPrefix.Parse).ToHashSet();
        // The gateway's filters match the local Pod CIDRs as source; the transport's match the peers.
        var gateway = redirects.FirstOrDefault(r => r.Filter.Source is IpPrefix s && !peers.Contains(s));
        if (gateway.Device is null)
        {
            return fromTables;
        }

        var transport = redirects.FirstOrDefault(r => r.Device.Index != gateway.Device.Index);
        var configuration = fromTables with
        {
            Mode = AccelMode.TrafficControl,
            Traffic = AccelTraffic.PodToPod,
            GatewayInterface = gateway.Device.Name,
            TransportInterface = transport.Device?.Name,
            LocalPodCidr = redirects.Where(r => r.Device.Index == gateway.Device.Index && r.Filter.Source is not null)
                .Select(r => r.Filter.Source!.Value.ToString()).Distinct(StringComparer.Ordinal).ToList(),
            ServiceSnatAddress = [],
            NodePortDnatAddress = [],
        };
        return ConfigurationValidator.Validate(configuration) with { NetworkNamespace = fromTables.NetworkNamespace };
    }
}
