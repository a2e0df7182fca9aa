namespace HostAccel.Native.TrafficControl;

/// <summary>What a planned traffic control change does.</summary>
public enum TcChangeKind
{
    /// <summary><c>tc qdisc add dev X clsact</c>: fails (EEXIST) when the device has one.</summary>
    AddQdisc,

    /// <summary>
    /// <c>tc qdisc replace dev X clsact</c>: adds it, or leaves the device's clsact (and its filters) as it is. Not
    /// undone by <see cref="TcConnection.Apply"/>, which cannot tell which of the two happened.
    /// </summary>
    ReplaceQdisc,

    /// <summary><c>tc qdisc del dev X clsact</c>: removes every filter of the device's hooks with it.</summary>
    DeleteQdisc,

    /// <summary><c>tc filter add …</c>: fails (EEXIST) when a filter with its priority, protocol and handle exists.</summary>
    AddFilter,

    /// <summary><c>tc filter replace …</c>: swaps the filter with the same identity in one step, or adds it.</summary>
    ReplaceFilter,

    /// <summary><c>tc filter del … handle H flower</c>: exactly one filter.</summary>
    DeleteFilter,

    /// <summary><c>tc filter del dev X ingress prio N</c>: every filter of a priority.</summary>
    DeletePriority,
}

/// <summary>Every filter of one priority of a hook (and of one protocol, unless 0).</summary>
public sealed record TcPriority(int InterfaceIndex, ClsactHook Hook, ushort Priority, ushort Protocol = 0);

/// <summary>
/// One planned change, as plain data: what it adds, replaces or deletes, and <see cref="Origin"/>, the caller's object
/// it serves, which comes back on the error if the kernel refuses it. rtnetlink has no transactions: each change is a
/// message of its own, applied in order (<see cref="TcConnection.Apply"/>).
/// </summary>
public sealed record TcChange
{
    private TcChange(TcChangeKind kind)
    {
        Kind = kind;
    }

    public TcChangeKind Kind { get; }

    public TcQdisc? Qdisc { get; private init; }

    public TcFilter? Filter { get; private init; }

    public TcPriority? Priority { get; private init; }

    /// <summary>For a replace: the filter it replaces, so that a plan that fails later can put it back.</summary>
    public TcFilter? Previous { get; private init; }

    /// <summary>The caller's object this change serves (a peer CIDR, a Pod …); opaque here.</summary>
    public object? Origin { get; init; }

    public static TcChange AddQdisc(TcQdisc qdisc) => new(TcChangeKind.AddQdisc) { Qdisc = qdisc ?? throw new ArgumentNullException(nameof(qdisc)) };

    public static TcChange ReplaceQdisc(TcQdisc qdisc) => new(TcChangeKind.ReplaceQdisc) { Qdisc = qdisc ?? throw new ArgumentNullException(nameof(qdisc)) };

    public static TcChange DeleteQdisc(TcQdisc qdisc) => new(TcChangeKind.DeleteQdisc) { Qdisc = qdisc ?? throw new ArgumentNullException(nameof(qdisc)) };

    public static TcChange AddFilter(TcFilter filter) => new(TcChangeKind.AddFilter) { Filter = Writable(filter) };

    public static TcChange ReplaceFilter(TcFilter filter, TcFilter? previous = null) =>
        new(TcChangeKind.ReplaceFilter) { Filter = Writable(filter), Previous = previous?.AsWritten() };

    public static TcChange DeleteFilter(TcFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.Handle == 0)
        {
            throw new ArgumentException($"{filter} has no handle: only a filter with its handle is deleted alone (DeletePriority removes a whole priority)", nameof(filter));
        }

        return new(TcChangeKind.DeleteFilter) { Filter = filter.AsWritten() };
    }

    public static TcChange DeletePriority(TcPriority priority) => new(TcChangeKind.DeletePriority) { Priority = priority ?? throw new ArgumentNullException(nameof(priority)) };

    /// <summary>What the change is about, in words: the operation a kernel error is reported against.</summary>
    public string Description => Kind switch
    {
        TcChangeKind.AddQdisc => $"adding qdisc {Qdisc!.Kind} to device #{Qdisc.InterfaceIndex}",
        TcChangeKind.ReplaceQdisc => $"replacing qdisc {Qdisc!.Kind} of device #{Qdisc.InterfaceIndex}",
        TcChangeKind.DeleteQdisc => $"deleting qdisc {Qdisc!.Kind} of device #{Qdisc.InterfaceIndex}",
        TcChangeKind.AddFilter => $"adding {FilterText(Filter!)}",
        TcChangeKind.ReplaceFilter => $"replacing {FilterText(Filter!)}",
        TcChangeKind.DeleteFilter => $"deleting {FilterText(Filter!)}",
        _ => $"deleting every filter of prio {Priority!.Priority} on device #{Priority.InterfaceIndex} {Priority.Hook.ToString().ToLowerInvariant()}",
    };

    /// <summary>
    /// The change as the tc command that sends the same message (Golden/tc checks both against each other): what a
    /// dry run shows. Devices are named with <paramref name="interfaceNames"/> where it knows them, #index otherwise.
    /// </summary>
    public string Render(Func<int, string?>? interfaceNames = null)
    {
        string Dev(int index) => interfaceNames?.Invoke(index) ?? $"#{index}";
        return Kind switch
        {
            TcChangeKind.AddQdisc => $"tc qdisc add dev {Dev(Qdisc!.InterfaceIndex)} {Qdisc.Kind}",
            TcChangeKind.ReplaceQdisc => $"tc qdisc replace dev {Dev(Qdisc!.InterfaceIndex)} {Qdisc.Kind}",
            TcChangeKind.DeleteQdisc => $"tc qdisc del dev {Dev(Qdisc!.InterfaceIndex)} {Qdisc.Kind}",
            TcChangeKind.AddFilter => $"tc filter add {Filter!.Render(interfaceNames)}",
            TcChangeKind.ReplaceFilter => $"tc filter replace {Filter!.Render(interfaceNames)}",
            TcChangeKind.DeleteFilter => $"tc filter del dev {Dev(Filter!.InterfaceIndex)} {Filter.Hook.ToString().ToLowerInvariant()} protocol {TcFilter.ProtocolName(Filter.Protocol)} prio {Filter.Priority}{(Filter.Chain is uint c ? $" chain {c}" : "")} handle {Filter.Handle} {Filter.Kind}",
            _ => $"tc filter del dev {Dev(Priority!.InterfaceIndex)} {Priority.Hook.ToString().ToLowerInvariant()}{(Priority.Protocol == 0 ? "" : $" protocol {TcFilter.ProtocolName(Priority.Protocol)}")} prio {Priority.Priority}",
        };
    }

    public override string ToString() => Render();

    private static string FilterText(TcFilter filter) =>
        $"{filter.Kind} filter prio {filter.Priority} protocol {TcFilter.ProtocolName(filter.Protocol)}{(filter.Handle == 0 ? "" : $" handle 0x{filter.Handle:x}")} on device #{filter.InterfaceIndex} {filter.Hook.ToString().ToLowerInvariant()}";

    private static TcFilter Writable(TcFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter is UnknownFilter)
        {
            throw new ArgumentException($"{filter} was read from the kernel and is not modelled: HostAccel can delete it, not write it", nameof(filter));
        }

        return filter.AsWritten();
    }
}

/// <summary>
/// A change of a list given to <see cref="TcConnection.Apply"/> was refused. The changes before it were undone where
/// they could be (<see cref="NotUndone"/> lists those that could not), so a refused plan leaves the device as it was.
/// </summary>
public sealed class TcApplyException : ErrnoException
{
    internal TcApplyException(TcChange change, int index, Netlink.NetlinkException inner, IReadOnlyList<TcChange> applied, IReadOnlyList<TcChange> notUndone)
        : base(inner.Errno, Format(inner, applied, notUndone), inner.Reason, inner)
    {
        Change = change;
        Index = index;
        NotUndone = notUndone;
    }

    /// <summary>The change the kernel refused.</summary>
    public TcChange Change { get; }

    /// <summary>Its position in the list given.</summary>
    public int Index { get; }

    /// <summary>Changes applied before the refusal that are still in place.</summary>
    public IReadOnlyList<TcChange> NotUndone { get; }

    public Netlink.NetlinkException KernelError => (Netlink.NetlinkException)InnerException!;

    private static string Format(Netlink.NetlinkException inner, IReadOnlyList<TcChange> applied, IReadOnlyList<TcChange> notUndone) =>
        inner.Message + (applied.Count == 0
            ? ""
            : notUndone.Count == 0
                ? $" (the {applied.Count} change(s) before it were undone)"
                : $" ({notUndone.Count} of the {applied.Count} change(s) before it could not be undone: {string.Join("; ", notUndone.Select(c => c.Render()))})");
}
