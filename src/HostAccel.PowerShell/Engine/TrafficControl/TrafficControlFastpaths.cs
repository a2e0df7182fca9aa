using HostAccel.Native.TrafficControl;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine.TrafficControl;

/// <summary>The reads of the Traffic Control mode over a cmdlet's session: Get-Fastpath's objects and Get-FastpathCounter's.</summary>
internal static class TrafficControlFastpaths
{
    public static IReadOnlyList<Fastpath> Get(AccelSession session, IReadOnlyCollection<AccelFamily>? families)
    {
        using TcConnection tc = TcCommit.Open(session.NetworkNamespace);
        try
        {
            return TcFastpaths.Get(tc, session.NetworkNamespace, families);
        }
        catch (Exception ex) when (ex is not HostAccelException)
        {
            throw Failures.From(ex, session.NetworkNamespace);
        }
    }

    /// <summary>Each HostAccel filter's packets and bytes (its first action's counters, which see every match).</summary>
    public static IReadOnlyList<FastpathCounter> Counters(AccelSession session, IReadOnlyCollection<AccelFamily>? families)
    {
        using TcConnection tc = TcCommit.Open(session.NetworkNamespace);
        try
        {
            IReadOnlyList<(Native.TrafficControl.Routing.Link Device, IReadOnlyList<FlowerFilter> Filters)> owned = TcFastpaths.OwnedEverywhere(tc);
            Func<int, string?> names = TcFastpaths.Names(tc.ListLinks());
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
                NetworkNamespace = session.NetworkNamespace,
            }))
                .Where(c => families is not { Count: > 0 } || families.Contains(c.Family))
                .ToList();
        }
        catch (Exception ex) when (ex is not HostAccelException)
        {
            throw Failures.From(ex, session.NetworkNamespace);
        }
    }

    private static int Redirects(FlowerFilter filter) =>
        filter.Actions.OfType<Native.TrafficControl.Actions.MirredAction>().Select(m => m.InterfaceIndex).FirstOrDefault();
}
