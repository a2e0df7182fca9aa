using System.Net;
using System.Net.Sockets;
using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.TrafficControl.Actions;
using HostAccel.Native.TrafficControl.Routing;
using static HostAccel.Native.Netlink.NetlinkConstants;
using static HostAccel.Native.TrafficControl.Routing.RouteConstants;
using static HostAccel.Native.TrafficControl.TcConstants;

namespace HostAccel.Native.TrafficControl;

/// <summary>
/// A conversation with rtnetlink (NETLINK_ROUTE) in one network namespace: clsact qdiscs and flower filters, and the
/// links, routes and neighbours a MAC rewrite is planned from. Every change is one message the kernel acknowledges;
/// an error names the change and carries the kernel's extended-ACK text. No tc or ip process is involved.
/// </summary>
public sealed class TcConnection : IDisposable
{
    private readonly NetlinkSocket _socket;
    private readonly Func<IReadOnlyCollection<string>, IReadOnlyList<string>?> _missingModules;

    private TcConnection(NetlinkSocket socket, Func<IReadOnlyCollection<string>, IReadOnlyList<string>?>? missingModules)
    {
        _socket = socket;
        _socket.EnableStrictChecking();
        _missingModules = missingModules ?? (kinds => KernelSupport.MissingTrafficControlModules(kinds));
    }

    public string? NetworkNamespace => _socket.NetworkNamespace;

    /// <summary>Connects to rtnetlink in a named network namespace, or in the current one when null.</summary>
    public static TcConnection Open(string? networkNamespace = null) => new(NetlinkSocket.Open(NETLINK_ROUTE, networkNamespace), null);

    /// <summary>A connection in a new, empty namespace that vanishes with it (for probes): its only device is lo.</summary>
    internal static TcConnection OpenThrowaway() =>
        new(NetlinkSocket.OpenInThrowawayNamespace(NETLINK_ROUTE), _ => null);

    // ---- qdiscs ----

    /// <summary>The qdiscs of a device (the kernel dumps every device's; this keeps the device's).</summary>
    public IReadOnlyList<TcQdisc> ListQdiscs(int interfaceIndex)
    {
        var qdiscs = new List<TcQdisc>();
        _socket.Dump(
            (w, seq) => TcRequests.ListQdiscs(w, seq, interfaceIndex),
            (in NetlinkMessage m) => qdiscs.Add(TcQdisc.Decode(m)),
            qdiscs.Clear,
            $"listing the qdiscs of device #{interfaceIndex}");
        return qdiscs.Where(q => q.InterfaceIndex == interfaceIndex).ToList();
    }

    /// <summary>Every device's qdiscs, in one dump: for a reader that looks at all devices, one request instead of one per device.</summary>
    public IReadOnlyList<TcQdisc> ListQdiscs()
    {
        var qdiscs = new List<TcQdisc>();
        _socket.Dump(
            (w, seq) => TcRequests.ListQdiscs(w, seq, 0),
            (in NetlinkMessage m) => qdiscs.Add(TcQdisc.Decode(m)),
            qdiscs.Clear,
            "listing the qdiscs");
        return qdiscs;
    }

    /// <summary>The device's clsact qdisc, or null when it has none.</summary>
    public TcQdisc? GetClsact(int interfaceIndex) => ListQdiscs(interfaceIndex).FirstOrDefault(q => q.IsClsact);

    // ---- filters ----

    /// <summary>
    /// The filters on one hook of a device, every priority and chain, with their actions' statistics. Filters this
    /// library does not model (other kinds, other flower keys) come back as <see cref="UnknownFilter"/>.
    /// </summary>
    public IReadOnlyList<TcFilter> ListFilters(int interfaceIndex, ClsactHook hook)
    {
        var filters = new List<TcFilter>();
        _socket.Dump(
            (w, seq) => TcRequests.ListFilters(w, seq, interfaceIndex, hook),
            (in NetlinkMessage m) =>
            {
                if (TcFilter.Decode(m) is TcFilter filter)
                {
                    filters.Add(filter);
                }
            },
            filters.Clear,
            $"listing the {hook.ToString().ToLowerInvariant()} filters of device #{interfaceIndex}");
        return filters;
    }

    // ---- changes ----

    public void AddQdisc(TcQdisc qdisc) => Execute(TcChange.AddQdisc(qdisc));

    /// <summary>Adds the qdisc, or leaves the device's own of that kind in place: <c>tc qdisc replace dev X clsact</c>.</summary>
    public void ReplaceQdisc(TcQdisc qdisc) => Execute(TcChange.ReplaceQdisc(qdisc));

    public void DeleteQdisc(TcQdisc qdisc) => Execute(TcChange.DeleteQdisc(qdisc));

    public void AddFilter(TcFilter filter) => Execute(TcChange.AddFilter(filter));

    public void ReplaceFilter(TcFilter filter) => Execute(TcChange.ReplaceFilter(filter));

    public void DeleteFilter(TcFilter filter) => Execute(TcChange.DeleteFilter(filter));

    /// <summary>Sends one change; a refusal throws a <see cref="NetlinkException"/> naming it.</summary>
    public void Execute(TcChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        NetlinkError reply = _socket.Request((w, seq) => TcRequests.Change(w, seq, change));
        if (!reply.IsAck)
        {
            (KernelReason reason, IReadOnlyList<string>? missing) = Reason(change, reply.Errno);
            throw new NetlinkException(reply.Errno, change.Description, reply.ExtAckMessage, reply.Offset, reply.OriginalSequence, reason, missing)
            {
                Subject = change.Origin,
            };
        }
    }

    /// <summary>
    /// Applies changes in order. When the kernel refuses one, the changes before it are undone, last first (an added
    /// filter deleted, a replaced one put back, a deleted flower filter added again, a clsact added here deleted when
    /// it holds no filter), and a <see cref="TcApplyException"/> names the refused change and what could not be undone.
    /// </summary>
    public void Apply(IReadOnlyList<TcChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var applied = new List<TcChange>();
        for (int i = 0; i < changes.Count; i++)
        {
            try
            {
                Execute(changes[i]);
                applied.Add(changes[i]);
            }
            catch (NetlinkException ex)
            {
                throw new TcApplyException(changes[i], i, ex, applied, Undo(applied));
            }
        }
    }

    private List<TcChange> Undo(List<TcChange> applied)
    {
        var notUndone = new List<TcChange>();
        for (int i = applied.Count - 1; i >= 0; i--)
        {
            TcChange change = applied[i];
            TcChange? inverse = change.Kind switch
            {
                TcChangeKind.AddFilter when change.Filter!.Handle != 0 => TcChange.DeleteFilter(change.Filter),
                TcChangeKind.ReplaceFilter when change.Previous is not null => TcChange.ReplaceFilter(change.Previous),
                TcChangeKind.ReplaceFilter when change.Filter!.Handle != 0 => TcChange.DeleteFilter(change.Filter),
                TcChangeKind.DeleteFilter when change.Filter is FlowerFilter => TcChange.AddFilter(change.Filter),
                TcChangeKind.AddQdisc when IsEmpty(change.Qdisc!) => TcChange.DeleteQdisc(change.Qdisc!),
                _ => null,
            };
            try
            {
                if (inverse is null)
                {
                    notUndone.Add(change);
                    continue;
                }

                Execute(inverse);
            }
            catch (NetlinkException)
            {
                notUndone.Add(change);
            }
        }

        notUndone.Reverse();
        return notUndone;
    }

    private bool IsEmpty(TcQdisc qdisc) =>
        !qdisc.IsClsact || (ListFilters(qdisc.InterfaceIndex, ClsactHook.Ingress).Count == 0 && ListFilters(qdisc.InterfaceIndex, ClsactHook.Egress).Count == 0);

    /// <summary>
    /// <c>tc actions add action …</c>: a standalone action, shared by no filter. Only the support probe sends it, in a
    /// throwaway namespace, to learn whether the kernel has the action's module. Returns the kernel's answer.
    /// </summary>
    internal NetlinkError AddStandaloneAction(TcAction action) =>
        _socket.Request((w, seq) => TcRequests.AddStandaloneAction(w, seq, action));

    /// <summary>Sends a change for the probe and returns the kernel's answer without throwing.</summary>
    internal NetlinkError Try(TcChange change) => _socket.Request((w, seq) => TcRequests.Change(w, seq, change));

    /// <summary>
    /// What the errno alone does not say. rtnetlink refuses changes (not reads) without CAP_NET_ADMIN. A missing
    /// qdisc, classifier or action kind is ENOENT (or EOPNOTSUPP) with no attribute pointed at; which module is missing
    /// is asked of the kernel itself (the support probe, in a throwaway namespace), not read from the message text.
    /// </summary>
    private (KernelReason Reason, IReadOnlyList<string>? Missing) Reason(TcChange change, Errno errno)
    {
        switch (errno, change.Kind)
        {
            case (Errno.EPERM, _):
                return (KernelReason.NetAdminRequired, null);
            case (Errno.EEXIST, TcChangeKind.AddQdisc):
                return (KernelReason.QdiscExists, null);
            case (Errno.EEXIST, TcChangeKind.AddFilter):
                return (KernelReason.FilterExists, null);
            case (Errno.ENOENT or Errno.EOPNOTSUPP, TcChangeKind.AddQdisc or TcChangeKind.ReplaceQdisc or TcChangeKind.AddFilter or TcChangeKind.ReplaceFilter):
                var kinds = new List<string>();
                if (change.Qdisc is TcQdisc q)
                {
                    kinds.Add(q.Kind);
                }

                if (change.Filter is FlowerFilter f)
                {
                    kinds.Add(f.Kind);
                    kinds.AddRange(f.Actions.Select(a => a.Kind));
                }

                IReadOnlyList<string>? missing = _missingModules(kinds.Distinct().ToList());
                return missing is { Count: 0 } ? (KernelReason.None, null) : (KernelReason.TrafficControlModuleMissing, missing);
            default:
                return (KernelReason.None, null);
        }
    }

    // ---- links, neighbours, routes ----

    /// <summary>A device by name, or null when the namespace has none (ip's own lookup, RTM_GETLINK with IFLA_IFNAME).</summary>
    public Link? GetLink(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Length > Interop.NetworkInterface.MaxNameLength)
        {
            return null;
        }

        try
        {
            return GetOne((w, seq) => TcRequests.GetLink(w, seq, name), Link.Decode, $"reading device {name}");
        }
        catch (NetlinkException ex) when (ex.Errno == Errno.ENODEV)
        {
            return null;
        }
    }

    /// <summary>Every device of the namespace (tc's and ip's device cache dump).</summary>
    public IReadOnlyList<Link> ListLinks()
    {
        var links = new List<Link>();
        _socket.Dump(
            TcRequests.ListLinks,
            (in NetlinkMessage m) => links.Add(Link.Decode(m)),
            links.Clear,
            "listing devices");
        return links;
    }

    /// <summary>The neighbour entry of an address on a device (<c>ip neigh get A dev D</c>), or null when there is none.</summary>
    public Neighbour? GetNeighbour(IPAddress address, int interfaceIndex)
    {
        ArgumentNullException.ThrowIfNull(address);
        try
        {
            return GetOne((w, seq) => TcRequests.GetNeighbour(w, seq, address, interfaceIndex), Neighbour.Decode,
                $"reading the neighbour {address} of device #{interfaceIndex}");
        }
        catch (NetlinkException ex) when (ex.Errno == Errno.ENOENT)
        {
            return null;
        }
    }

    /// <summary>The neighbour entries of a device (<c>ip [-4|-6] neigh show dev D</c>), of one family or both.</summary>
    public IReadOnlyList<Neighbour> ListNeighbours(int interfaceIndex, AddressFamily family = AddressFamily.Unspecified)
    {
        byte af = family switch
        {
            AddressFamily.InterNetwork => AF_INET,
            AddressFamily.InterNetworkV6 => AF_INET6,
            AddressFamily.Unspecified => AF_UNSPEC,
            _ => throw new ArgumentOutOfRangeException(nameof(family), family, "neighbours are IPv4 or IPv6"),
        };
        var neighbours = new List<Neighbour>();
        _socket.Dump(
            (w, seq) => TcRequests.ListNeighbours(w, seq, interfaceIndex, af),
            (in NetlinkMessage m) =>
            {
                Neighbour n = Neighbour.Decode(m);
                if (n.InterfaceIndex == interfaceIndex)
                {
                    neighbours.Add(n);
                }
            },
            neighbours.Clear,
            $"listing the neighbours of device #{interfaceIndex}");
        return neighbours;
    }

    /// <summary>
    /// The kernel's route lookup for <paramref name="destination"/> (<c>ip route get [fibmatch] D [from S iif I]</c>).
    /// With <paramref name="source"/> and <paramref name="inputInterface"/> it is the lookup of a packet being
    /// forwarded, policy rules included; with <paramref name="fibMatch"/> the answer is the table entry that matched,
    /// with its real prefix length and every next hop, rather than the result for the one address. Null when the
    /// kernel has no route (ENETUNREACH, EHOSTUNREACH).
    /// </summary>
    public Route? GetRoute(IPAddress destination, IPAddress? source = null, int? inputInterface = null, bool fibMatch = true)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (source is not null && Neighbour.FamilyOf(source) != Neighbour.FamilyOf(destination))
        {
            throw new ArgumentException($"source {source} is not of the family of destination {destination}", nameof(source));
        }

        try
        {
            return GetOne((w, seq) => TcRequests.GetRoute(w, seq, destination, source, inputInterface, fibMatch), Route.Decode, $"looking up the route to {destination}{(source is null ? "" : $" from {source}")}{(inputInterface is int i ? $" arriving on device #{i}" : "")}");
        }
        catch (NetlinkException ex) when (ex.Errno is Errno.ENETUNREACH or Errno.EHOSTUNREACH)
        {
            return null;
        }
    }

    /// <summary>The routes of one table (<c>ip [-4|-6] route show table main</c>), the kernel filtering by table.</summary>
    public IReadOnlyList<Route> ListRoutes(AddressFamily family, uint table = RT_TABLE_MAIN)
    {
        byte af = family == AddressFamily.InterNetworkV6 ? AF_INET6 : family == AddressFamily.InterNetwork ? AF_INET
            : throw new ArgumentOutOfRangeException(nameof(family), family, "routes are listed per family");
        var routes = new List<Route>();
        _socket.Dump(
            (w, seq) => TcRequests.ListRoutes(w, seq, af, table),
            (in NetlinkMessage m) => routes.Add(Route.Decode(m)),
            routes.Clear,
            $"listing the {(af == AF_INET6 ? "IPv6" : "IPv4")} routes of table {table}");
        return routes.Where(r => r.Table == table).ToList();
    }

    public void Dispose() => _socket.Dispose();

    private delegate T ObjectDecoder<out T>(in NetlinkMessage message);

    private T GetOne<T>(Action<NetlinkWriter, uint> request, ObjectDecoder<T> decode, string operation)
        where T : class
    {
        T? result = null;
        _socket.Dump(request, (in NetlinkMessage m) => result = decode(m), null, operation);
        return result ?? throw new NetlinkDecodeException($"{operation}: the kernel acknowledged without answering");
    }
}
