using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;

namespace HostAccel.Native;

/// <summary>Where a kernel module of the flowtable feature stands on this machine.</summary>
public enum ModuleState
{
    Unknown,
    BuiltIn,
    Loaded,
    Loadable,
    Missing,
}

public sealed record ModuleStatus(string Name, ModuleState State, string Purpose);

/// <summary>What the kernel can do for HostAccel, found by asking it, not by comparing version numbers.</summary>
public sealed record KernelSupportReport(
    string KernelRelease,
    bool Privileged,
    bool NfTables,
    bool Flowtable,
    bool FlowtableCounter,
    bool? ConntrackAccounting,
    IReadOnlyList<ModuleStatus> Modules,
    IReadOnlyList<string> Reasons)
{
    /// <summary>Everything acceleration needs is there.</summary>
    public bool Supported => Privileged && NfTables && Flowtable;
}

/// <summary>Probes nf_tables and flowtable support without leaving anything behind.</summary>
public static class KernelSupport
{
    /// <summary>The modules the design document lists as prerequisites.</summary>
    public static readonly IReadOnlyList<(string Name, string Purpose)> RequiredModules =
    [
        ("nf_tables", "nftables core"),
        ("nf_flow_table", "generic flow table infrastructure"),
        ("nft_flow_offload", "flowtable offload support for nftables"),
        ("nf_flow_table_inet", "flowtable support for IPv4 and IPv6"),
        ("nf_flow_table_ipv4", "flowtable for IPv4 (only before Linux 5.17)"),
        ("nf_flow_table_ipv6", "flowtable for IPv6 (only before Linux 5.17)"),
    ];

    /// <summary>
    /// Asks the kernel in the given namespace (or the current one). The flowtable probe is a batch that creates a
    /// scratch table with two flowtables (without and with the counter flag) and ends with a message bound to
    /// fail, so the kernel validates everything and commits nothing.
    /// </summary>
    public static KernelSupportReport Probe(string? networkNamespace = null)
    {
        string release = ReadFirstLine("/proc/sys/kernel/osrelease") ?? "unknown";
        var reasons = new List<string>();
        IReadOnlyList<ModuleStatus> modules = ModuleStates(release);
        bool privileged = true, nftables = false, flowtable = false, counter = false;
        try
        {
            using NftConnection connection = NftConnection.Open(networkNamespace);
            connection.GetGeneration();
            nftables = true;
            (Errno plain, Errno withCounter) = ProbeFlowtables(connection);
            flowtable = plain == Errno.None;
            counter = flowtable && withCounter == Errno.None;
            if (!flowtable)
            {
                reasons.Add($"flowtables are not supported ({ErrnoText.Name(plain)}): the kernel needs CONFIG_NF_FLOW_TABLE, CONFIG_NF_FLOW_TABLE_INET and CONFIG_NFT_FLOW_OFFLOAD (modules nf_flow_table, nf_flow_table_inet, nft_flow_offload)");
            }
            else if (!counter)
            {
                reasons.Add($"the flowtable counter flag is not supported ({ErrnoText.Name(withCounter)}): offloaded traffic is not added to conntrack's counters (Linux 5.7 or later)");
            }
        }
        catch (NetlinkException ex) when (ex.Errno == Errno.EPERM)
        {
            privileged = false;
            reasons.Add(KernelReasonText.Hint(KernelReason.NetAdminRequired)!);
        }
        catch (SystemCallException ex) when (ex.Errno is Errno.EPROTONOSUPPORT or Errno.EAFNOSUPPORT)
        {
            reasons.Add($"netlink netfilter sockets are not available: {ex.Message}");
        }
        catch (NetlinkException ex) when (ex.Errno is Errno.EOPNOTSUPP or Errno.ENOENT or Errno.EINVAL)
        {
            reasons.Add($"nf_tables is not available (CONFIG_NF_TABLES): {ex.Message}");
        }

        return new KernelSupportReport(release, privileged, nftables, flowtable, counter, ConntrackAccounting(networkNamespace), modules, reasons);
    }

    /// <summary>
    /// net.netfilter.nf_conntrack_acct in the namespace: whether new conntrack entries count packets and bytes. The
    /// flowtable counter flag adds offloaded traffic to those counts, so it counts nothing without it. Null when
    /// conntrack is not loaded there (the sysctl does not exist yet).
    /// </summary>
    public static bool? ConntrackAccounting(string? networkNamespace = null) =>
        Interop.NetworkNamespace.Run(networkNamespace, () =>
            ReadFirstLine("/proc/sys/net/netfilter/nf_conntrack_acct") is string value ? value.Trim() != "0" : (bool?)null);

    private static (Errno Plain, Errno Counter) ProbeFlowtables(NftConnection connection)
    {
        string suffix = $"{Environment.ProcessId}-{Random.Shared.Next():x8}";
        var table = new NftTable(NftFamily.Ip, $"hostaccel-probe-{suffix}");
        var tx = new NftTransaction();
        tx.AddTable(table, exclusive: true);
        tx.AddFlowtable(new NftFlowtable(NftFamily.Ip, table.Name, "plain"));
        tx.AddFlowtable(new NftFlowtable(NftFamily.Ip, table.Name, "counted") { Flags = FlowtableFlags.Counter });
        tx.DeleteTable(new NftTable(NftFamily.Ip, $"hostaccel-probe-absent-{suffix}"));

        IReadOnlyList<Errno> results = connection.Validate(tx);
        if (results[0] != Errno.None)
        {
            throw new NetlinkException(results[0], $"probing with scratch table {table.Name}");
        }

        if (results[^1] == Errno.None)
        {
            // The closing delete cannot succeed; if it did, the batch committed and the scratch table must go.
            var cleanup = new NftTransaction();
            cleanup.DeleteTable(table);
            connection.Commit(cleanup);
            throw new NetlinkException(Errno.EPROTO, "probing flowtable support: the kernel committed a batch that should have failed");
        }

        return (results[1], results[2]);
    }

    private static List<ModuleStatus> ModuleStates(string release)
    {
        string directory = Path.Combine("/lib/modules", release);
        HashSet<string> builtIn = ModuleNames(Path.Combine(directory, "modules.builtin"));
        HashSet<string> loadable = ModuleNames(Path.Combine(directory, "modules.dep"));
        var loaded = new HashSet<string>(StringComparer.Ordinal);
        foreach (string line in ReadLines("/proc/modules"))
        {
            loaded.Add(line.Split(' ', 2)[0]);
        }

        bool known = builtIn.Count > 0 || loadable.Count > 0;
        return RequiredModules.Select(m => new ModuleStatus(m.Name, m switch
        {
            _ when loaded.Contains(m.Name) => ModuleState.Loaded,
            _ when builtIn.Contains(m.Name) => ModuleState.BuiltIn,
            _ when loadable.Contains(m.Name) => ModuleState.Loadable,
            _ when known => ModuleState.Missing,
            _ => ModuleState.Unknown,
        }, m.Purpose)).ToList();
    }

    /// <summary>Module names from modules.builtin or modules.dep ("kernel/net/netfilter/nf_tables.ko[.xz]: …").</summary>
    private static HashSet<string> ModuleNames(string path)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (string line in ReadLines(path))
        {
            string file = line.Split(':', 2)[0];
            string name = Path.GetFileName(file);
            int ko = name.IndexOf(".ko", StringComparison.Ordinal);
            if (ko > 0)
            {
                names.Add(name[..ko].Replace('-', '_'));
            }
        }

        return names;
    }

    private static IEnumerable<string> ReadLines(string path) => File.Exists(path) ? File.ReadLines(path) : [];

    private static string? ReadFirstLine(string path) => ReadLines(path).FirstOrDefault()?.Trim();
}
