using HostAccel.Native.TrafficControl;
using HostAccel.Native.TrafficControl.Routing;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine.TrafficControl;

/// <summary>The reads of the Traffic Control mode over a cmdlet's session: Get-Fastpath's objects and Get-FastpathCounter's.</summary>
internal static class TrafficControlFastpaths
{
    public static IReadOnlyList<Fastpath> Get(AccelSession session, IReadOnlyCollection<AccelFamily>? families)
    {
        using TcConnection tc = TcCommit.Open(session.NetworkNamespace);
        return Get(tc, session.NetworkNamespace, families);
    }

    /// <summary>Get-Fastpath's objects over an open connection, its failures as HostAccel's naming the namespace.</summary>
    internal static IReadOnlyList<Fastpath> Get(TcConnection tc, string? networkNamespace, IReadOnlyCollection<AccelFamily>? families)
    {
        try
        {
            return TcFastpaths.Get(tc, networkNamespace, families);
        }
        catch (Exception ex) when (ex is not HostAccelException)
        {
            throw Failures.From(ex, networkNamespace);
        }
    }

    /// <summary>Each HostAccel filter's packets and bytes (its first action's counters, which see every match).</summary>
    public static IReadOnlyList<FastpathCounter> Counters(AccelSession session, IReadOnlyCollection<AccelFamily>? families)
    {
        using TcConnection tc = TcCommit.Open(session.NetworkNamespace);
        return Counters(tc, session.NetworkNamespace, families);
    }

    /// <summary>Get-FastpathCounter's objects over an open connection, its failures as HostAccel's naming the namespace.</summary>
    internal static IReadOnlyList<FastpathCounter> Counters(TcConnection tc, string? networkNamespace, IReadOnlyCollection<AccelFamily>? families)
    {
        try
        {
            IReadOnlyList<(Link Device, IReadOnlyList<FlowerFilter> Filters)> owned = TcFastpaths.OwnedEverywhere(tc);
            return Counters(owned, tc.ListLinks(), networkNamespace, families);
        }
        catch (Exception ex) when (ex is not HostAccelException)
        {
            throw Failures.From(ex, networkNamespace);
        }
    }

    /// <summary>Get-FastpathCounter's objects from what it reads: every device's HostAccel filters and the devices.</summary>
    internal static IReadOnlyList<FastpathCounter> Counters(IReadOnlyList<(Link Device, IReadOnlyList<FlowerFilter> Filters)> owned, IEnumerable<Link> links,
        string? networkNamespace, IReadOnlyCollection<AccelFamily>? families)
    {
        Func<int, string?> names = TcFastpaths.Names(links);
        return owned.SelectMany(o => o.Filters.Select(f => new FastpathCounter
        {
            Mode = AccelMode.TrafficControl,
            Family = TcFastpaths.FamilyOf(f),
            Device = o.Device.Name,
            Priority = f.Priority,
            Handle = f.Handle,
            Source = f.Source?.ToString(),
            Destination = f.Destination?.ToString(),
            Action = TcDesign.IsGuard(f) ? "ttl guard: to the stack" : $"redirect to {names(Redirects(f)) ?? $"#{Redirects(f)}"}",
            Packets = f.Statistics?.Packets ?? 0,
            Bytes = f.Statistics?.Bytes ?? 0,
            Filter = f.AsWritten().Render(names),
            NetworkNamespace = networkNamespace,
        }))
            .Where(c => families is not { Count: > 0 } || families.Contains(c.Family))
            .ToList();
    }

    private static int Redirects(FlowerFilter filter) =>
        filter.Actions.OfType<Native.TrafficControl.Actions.MirredAction>().Select(m => m.InterfaceIndex).FirstOrDefault();
}
