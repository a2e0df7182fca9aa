using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.TrafficControl;
using HostAccel.Native.TrafficControl.Actions;

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

/// <summary>
/// What the kernel can do for the Traffic Control mode: each kind found by asking the kernel to create one in a
/// throwaway network namespace (modules are the whole machine's, so the answer holds for every namespace).
/// </summary>
public sealed record TrafficControlSupportReport(
    bool Probed,
    bool Clsact,
    bool Flower,
    bool Mirred,
    bool Pedit,
    bool Csum,
    bool Gact,
    IReadOnlyList<ModuleStatus> Modules,
    IReadOnlyList<string> Reasons)
{
    /// <summary>Everything the mode's filters use is there.</summary>
    public bool Supported => Clsact && Flower && Mirred && Pedit && Csum && Gact;

    /// <summary>The modules of <see cref="KernelSupport.TrafficControlModules"/> the kernel refused, by name.</summary>
    public IReadOnlyList<string> Missing { get; init; } = [];
}

/// <summary>Probes nf_tables, flowtable and traffic control support without leaving anything behind.</summary>
public static class KernelSupport
{
    /// <summary>
    /// The modules of the Traffic Control mode: the tc kind each provides (what a message names in TCA_KIND or
    /// TCA_ACT_KIND), and the kernel option that builds it.
    /// </summary>
    public static readonly IReadOnlyList<(string Name, string Kind, string Config, string Purpose)> TrafficControlModules =
    [
        ("sch_ingress", TcQdisc.ClsactKind, "CONFIG_NET_SCH_INGRESS", "the clsact qdisc that filters attach to"),
        ("cls_flower", "flower", "CONFIG_NET_CLS_FLOWER", "the flower classifier (source and destination prefixes)"),
        ("act_mirred", "mirred", "CONFIG_NET_ACT_MIRRED", "the redirect to the other device"),
        ("act_pedit", "pedit", "CONFIG_NET_ACT_PEDIT", "the MAC address and TTL / hop limit rewrite"),
        ("act_csum", "csum", "CONFIG_NET_ACT_CSUM", "the IPv4 header checksum after the TTL change"),
        ("act_gact", "gact", "CONFIG_NET_ACT_GACT", "handing packets whose TTL expires back to the stack"),
    ];

    /// <summary>The module that provides a tc kind ("flower" → cls_flower), or the kind itself when unknown.</summary>
    public static string TrafficControlModuleOf(string kind) =>
        TrafficControlModules.FirstOrDefault(m => m.Kind == kind).Name ?? kind;

    /// <summary>
    /// Asks the kernel, in a throwaway namespace, for each tc kind the Traffic Control mode uses: a clsact qdisc and a
    /// flower filter on its loopback device, and each action on its own (RTM_NEWACTION). The namespace, and all that
    /// was created in it, vanishes when the probe's socket closes. Needs CAP_SYS_ADMIN to create it (and the kernel
    /// may load the modules on demand, as it does for tc).
    /// </summary>
    public static TrafficControlSupportReport ProbeTrafficControl()
    {
        string release = ReadFirstLine("/proc/sys/kernel/osrelease") ?? "unknown";
        List<ModuleStatus> modules = ModuleStates(release, TrafficControlModules.Select(m => (m.Name, m.Purpose)));
        var reasons = new List<string>();
        Dictionary<string, Errno> answers;
        try
        {
            answers = AskForTrafficControlKinds();
        }
        catch (SystemCallException ex) when (ex.Errno is Errno.EPERM or Errno.EACCES)
        {
            reasons.Add($"traffic control support was not probed: {ex.Message}");
            return new TrafficControlSupportReport(false, false, false, false, false, false, false, modules, reasons);
        }

        var missing = new List<string>();
        foreach ((string name, string kind, string config, string purpose) in TrafficControlModules)
        {
            Errno answer = answers[kind];
            if (answer != Errno.None)
            {
                missing.Add(name);
                reasons.Add(answer is Errno.ENOENT or Errno.EOPNOTSUPP
                    ? $"{kind} is not available ({ErrnoText.Name(answer)}): the kernel needs {config} (module {name}) for {purpose}"
                    : $"{kind} could not be created ({ErrnoText.Name(answer)}): {purpose} may not work");
            }
        }

        bool Has(string kind) => answers[kind] == Errno.None;
        return new TrafficControlSupportReport(true, Has("clsact"), Has("flower"), Has("mirred"), Has("pedit"), Has("csum"), Has("gact"), modules, reasons)
        {
            Missing = missing,
        };
    }

    /// <summary>
    /// Of the tc kinds given, the modules the kernel lacks (probed in a throwaway namespace); null when the probe
    /// could not run (no CAP_SYS_ADMIN).
    /// </summary>
    public static IReadOnlyList<string>? MissingTrafficControlModules(IReadOnlyCollection<string> kinds)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        try
        {
            Dictionary<string, Errno> answers = AskForTrafficControlKinds();
            return kinds.Where(k => answers.TryGetValue(k, out Errno e) && e is Errno.ENOENT or Errno.EOPNOTSUPP)
                .Select(TrafficControlModuleOf).ToList();
        }
        catch (SystemCallException)
        {
            return null;
        }
        catch (NetlinkException)
        {
            return null;
        }
    }

    private static Dictionary<string, Errno> AskForTrafficControlKinds()
    {
        // Every new namespace has a loopback device, index 1.
        const int lo = 1;
        using TcConnection tc = TcConnection.OpenThrowaway();
        var answers = new Dictionary<string, Errno>(StringComparer.Ordinal)
        {
            [TcQdisc.ClsactKind] = tc.Try(TcChange.AddQdisc(TcQdisc.Clsact(lo))).Errno,
        };
        answers["flower"] = answers[TcQdisc.ClsactKind] == Errno.None
            ? tc.Try(TcChange.AddFilter(new FlowerFilter(lo, ClsactHook.Ingress, 1, 0x0800) { Handle = 1 })).Errno
            : answers[TcQdisc.ClsactKind];
        foreach (TcAction action in new TcAction[]
        {
            MirredAction.EgressRedirect(lo),
            PeditAction.RewriteForForwarding(TrafficControl.Routing.MacAddress.Parse("02:00:00:00:00:01"), TrafficControl.Routing.MacAddress.Parse("02:00:00:00:00:02"), ipv6: false),
            CsumAction.IPv4Header(),
            GactAction.Pass(),
        })
        {
            answers[action.Kind] = tc.AddStandaloneAction(action).Errno;
        }

        return answers;
    }

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
        IReadOnlyList<ModuleStatus> modules = ModuleStates(release, RequiredModules);
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

    private static List<ModuleStatus> ModuleStates(string release, IEnumerable<(string Name, string Purpose)> wanted)
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
        return wanted.Select(m => new ModuleStatus(m.Name, m switch
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
