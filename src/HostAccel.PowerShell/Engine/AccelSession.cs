using HostAccel.Native.Conntrack;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine;

/// <summary>
/// The engine's handle on one network namespace: an nf_tables connection, opened once and reused by every plan and
/// query of a cmdlet invocation, and a conntrack reader opened when needed.
/// </summary>
internal sealed class AccelSession : IDisposable
{
    private IReadOnlyDictionary<uint, string>? _interfaces;
    private Native.TrafficControl.TcConnection? _tc;

    private AccelSession(string? networkNamespace, NftConnection connection)
    {
        NetworkNamespace = networkNamespace;
        Nft = connection;
    }

    public string? NetworkNamespace { get; }

    /// <summary>Which namespace the session was opened in (<see cref="SessionPool"/>): its nsfs inode, 0 for the caller's own.</summary>
    internal ulong? Identity { get; set; }

    /// <summary>Forgets what a previous invocation read (device names), before the session serves another.</summary>
    internal void Refresh() => _interfaces = null;

    public NftConnection Nft { get; }

    /// <summary>
    /// An rtnetlink connection in the same namespace, opened on first use and kept with the session: every
    /// Add-/Remove-PeerPodCidr asks it whether the Traffic Control mode is there, and opening one costs more than asking.
    /// </summary>
    public Native.TrafficControl.TcConnection Tc => _tc ??= TrafficControl.TcCommit.Open(NetworkNamespace);

    /// <summary>Opens a session in a named namespace, or the caller's own when null or empty.</summary>
    public static AccelSession Open(string? networkNamespace)
    {
        string? ns = string.IsNullOrEmpty(networkNamespace) ? null : networkNamespace;
        try
        {
            return new AccelSession(ns, NftConnection.Open(ns));
        }
        catch (Exception ex) when (ex is not HostAccelException)
        {
            throw Failures.From(ex, ns);
        }
    }

    /// <summary>A table, or null when there is none.</summary>
    public NftTable? Table(NftFamily family, string name) => Nft.GetTable(family, name);

    /// <summary>
    /// Visits each family in scope with its table: the families asked for, where a missing table is an error, or
    /// IPv4 and IPv6, where it is skipped. The visitor is told whether its family was asked for, so that it can treat
    /// a missing object the same way. Kernel errors are reported against <paramref name="target"/>.
    /// </summary>
    public void ForEachTable(IReadOnlyCollection<AccelFamily>? families, string table, Func<NftFamily, string> target, Action<NftFamily, NftTable, bool> visit, bool named = false)
    {
        foreach ((NftFamily family, NftTable found, bool asked) in Tables(families, table, named, target))
        {
            try
            {
                visit(family, found, asked);
            }
            catch (Exception ex) when (ex is not HostAccelException)
            {
                throw Failures.From(ex, target(family));
            }
        }
    }

    /// <summary>
    /// The tables in scope: of the families asked for, where a missing one is an error, or of IPv4 and IPv6, where a
    /// missing one is skipped — unless the table was <paramref name="named"/> by the caller and neither family has
    /// it: an explicit name that does not exist is an error, as Get-Item's would be.
    /// </summary>
    public IReadOnlyList<(NftFamily Family, NftTable Table, bool Asked)> Tables(IReadOnlyCollection<AccelFamily>? families, string table, bool named, Func<NftFamily, string> target)
    {
        bool asked = families is { Count: > 0 };
        var found = new List<(NftFamily, NftTable, bool)>();
        foreach (NftFamily family in asked ? families!.Select(f => f.ToNft()).Distinct() : [NftFamily.Ip, NftFamily.Ip6])
        {
            NftTable? t;
            try
            {
                t = Table(family, table);
            }
            catch (Exception ex) when (ex is not HostAccelException)
            {
                throw Failures.From(ex, target(family));
            }

            if (t is not null)
            {
                found.Add((family, t, asked));
            }
            else if (asked)
            {
                throw Failures.TableNotFound(family, table);
            }
        }

        if (found.Count == 0 && named)
        {
            throw new HostAccelException(ErrorIds.TableNotFound, FailureKind.ObjectNotFound, $"there is no table ip {table} or ip6 {table}", table);
        }

        return found;
    }

    /// <summary>A table that must exist.</summary>
    public NftTable RequireTable(NftFamily family, string name) =>
        Table(family, name) ?? throw Failures.TableNotFound(family, name);

    public uint ResolveInterface(string name)
    {
        uint? index = string.IsNullOrEmpty(name) ? null : Nft.InterfaceIndex(name);
        return index ?? throw new HostAccelException(ErrorIds.UnknownInterface, FailureKind.ObjectNotFound,
            $"there is no network device '{name}' in {(NetworkNamespace is null ? "this network namespace" : $"network namespace {NetworkNamespace}")}", name);
    }

    /// <summary>Device names by index, read once per session, for rendering rules.</summary>
    public string? InterfaceName(uint index)
    {
        _interfaces ??= Nft.Interfaces();
        return _interfaces.GetValueOrDefault(index);
    }

    public string Render(NftRule rule) => RuleText.Body(rule, InterfaceName);

    /// <summary>The conntrack table, or null with the reason when it cannot be read (no ctnetlink, no privilege).</summary>
    public IReadOnlyList<ConntrackFlow>? TryListFlows(NftFamily family, out string? reason)
    {
        try
        {
            using ConntrackConnection conntrack = ConntrackConnection.Open(NetworkNamespace);
            reason = null;
            return conntrack.ListFlows(family);
        }
        catch (Native.ErrnoException ex)
        {
            reason = ex.Message;
            return null;
        }
    }

    public void Dispose()
    {
        _tc?.Dispose();
        Nft.Dispose();
    }
}
