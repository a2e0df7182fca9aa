using System.Collections;
using System.Globalization;
using HostAccel.Bench;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;

// Control-plane benchmark: HostAccel against nft, same objects, same kernel, in throwaway network namespaces.
// Usage: HostAccel.Bench [--sizes 10,1000,10000,100000] [--quick] [--reps 7]
int[] sizes = [10, 1000, 10_000, 100_000];
int reps = 7;
bool quick = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--sizes":
            sizes = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s.Replace("_", "", StringComparison.Ordinal), CultureInfo.InvariantCulture)).ToArray();
            break;
        case "--quick":
            quick = true;
            break;
        case "--reps":
            reps = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}; usage: HostAccel.Bench [--sizes 10,1000,10000,100000] [--quick] [--reps 7]");
            return 2;
    }
}

if (quick)
{
    reps = Math.Min(reps, 3);
}

if (Environment.UserName != "root")
{
    Console.Error.WriteLine("The benchmark creates network namespaces: run it as root.");
    return 1;
}

string[] measures = ["apply", "add", "remove", "counters", "counters-json", "list", "elements", "sync"];
var results = new Dictionary<(string Measure, int N), (Samples HostAccel, Samples Nft)>();
var peaks = new Dictionary<int, (long Before, long Peak)>();
var nftPeaks = new Dictionary<int, List<(string Measure, long Peak)>>();
BenchNamespace? current = null;
Console.CancelKeyPress += (_, _) => current?.Dispose();

Console.Error.WriteLine($"warming up (N=10, discarded); then N = {string.Join(", ", sizes)}, {reps} repetitions ({NftReps(100_000)} for nft at 100 000)");
RunSize(10, 2, 2, record: false);
foreach (int n in sizes)
{
    Console.Error.WriteLine($"N={n} …");
    RunSize(n, reps, NftReps(n), record: true);
}

Report();
return 0;

int NftReps(int n) => n >= 100_000 ? (quick ? 1 : Math.Min(reps, 3)) : reps;

void RunSize(int n, int haReps, int nftReps, bool record)
{
    using var ns = new BenchNamespace();
    current = ns;
    using NftConnection conn = NftConnection.Open(ns.Name);
    var w = new Workload(n);
    Samples Ha(string m) => Slot(m).HostAccel;
    Samples Nft(string m) => Slot(m).Nft;
    (Samples HostAccel, Samples Nft) Slot(string m)
    {
        if (!results.TryGetValue((m, n), out var slot) || !record)
        {
            slot = (new Samples(), new Samples());
            if (record)
            {
                results[(m, n)] = slot;
            }
        }

        return slot;
    }

    // HostAccel: one connection, no cache; every step goes to the kernel.
    GC.Collect();
    long before = Memory.ResidentBytes();
    Memory.ResetPeak();
    for (int r = 0; r < haReps; r++)
    {
        Ha("apply").Measure(
            () => conn.Commit(w.Apply(conn.InterfaceIndex("antrea-gw0")!.Value, conn.InterfaceIndex("eth0")!.Value)),
            setup: () => DropTable(conn));
    }

    Check(conn, n, "HostAccel apply");
    for (int r = 0; r < haReps; r++)
    {
        Ha("add").Measure(() => Change(conn, add: w.Extra));
        Ha("remove").Measure(() => Change(conn, remove: w.Extra));
    }

    ulong packets = 0;
    for (int r = 0; r < haReps; r++)
    {
        Ha("counters").Measure(() => packets += (ulong)conn.ListRules(NftFamily.Ip, Workload.TableName, "forward").Sum(rule => (long)(rule.Counter?.Packets ?? 0)));
        Ha("list").Measure(() => conn.ListPrefixes(Workload.Set));
        Ha("elements").Measure(() => conn.ListSetElements(Workload.Set));
    }

    // Sync-AccelConfiguration's engine, the whole of it: read the generation and the table, plan, commit pinned. The
    // table is first made what a configuration without traffic describes (table and peer set: this kernel has no
    // flowtable for the rules), so that the one change is all there is to sync.
    DropChain(conn);
    AccelConfiguration[] states = [Prepared(w.SwappedPeers), Prepared(w.Peers)];
    using (AccelSession session = AccelSession.Open(ns.Name))
    {
        for (int r = 0; r < haReps; r++)
        {
            AccelConfiguration desired = states[r % 2];
            Ha("sync").Measure(() =>
            {
                AccelSyncResult result = Synchronizer.Sync(session, desired, new SyncOptions(), CancellationToken.None);
                if (!result.Applied || result.Changes.Sum(c => c.Statements.Count) != 2)
                {
                    throw new InvalidOperationException($"HostAccel sync at {n}: {result}, expected one delete and one add");
                }
            });
        }
    }

    if (conn.ListPrefixes(Workload.Set).Count != n)
    {
        throw new InvalidOperationException($"after HostAccel sync: expected {n} prefixes");
    }

    GC.KeepAlive(packets);
    if (record)
    {
        peaks[n] = (before, Memory.PeakBytes());
    }

    // nft: one process per command, as a script or a controller shelling out would run it.
    DropTable(conn);
    string script = Path.Combine(Path.GetTempPath(), $"{ns.Name}.nft");
    string swap = Path.Combine(Path.GetTempPath(), $"{ns.Name}-swap.nft");
    File.WriteAllText(script, w.NftScript());
    try
    {
        for (int r = 0; r < nftReps; r++)
        {
            Nft("apply").Measure(() => ns.Nft("-f", script), setup: () => DropTable(conn));
        }

        Check(conn, n, "nft -f");
        string element = $"{{ {w.Extra} }}";
        for (int r = 0; r < nftReps; r++)
        {
            Nft("add").Measure(() => ns.Nft("add", "element", "ip", Workload.TableName, Workload.SetName, element));
            Nft("remove").Measure(() => ns.Nft("delete", "element", "ip", Workload.TableName, Workload.SetName, element));
        }

        for (int r = 0; r < nftReps; r++)
        {
            Nft("counters").Measure(() => ns.Nft("list", "chain", "ip", Workload.TableName, "forward"));
            Nft("counters-json").Measure(() => ns.Nft("-j", "list", "chain", "ip", Workload.TableName, "forward"));
            Nft("list").Measure(() => ns.Nft("list", "set", "ip", Workload.TableName, Workload.SetName));
        }

        for (int r = 0; r < nftReps; r++)
        {
            (IpPrefix remove, IpPrefix add) = r % 2 == 0 ? (w.Replaced, w.Replacement) : (w.Replacement, w.Replaced);
            Nft("sync").Measure(() => ns.Nft("-f", swap), setup: () => File.WriteAllText(swap, Workload.NftSwapScript(remove, add)));
        }

        Check(conn, n, "nft sync");
        if (record && n == sizes.Max())
        {
            // Untimed extra runs under GNU time, for nft's own peak memory.
            nftPeaks[n] =
            [
                ("list", ns.NftPeakBytes("list", "set", "ip", Workload.TableName, Workload.SetName)),
                ("counters", ns.NftPeakBytes("list", "chain", "ip", Workload.TableName, "forward")),
                ("add", ns.NftPeakBytes("add", "element", "ip", Workload.TableName, Workload.SetName, element)),
                ("remove", ns.NftPeakBytes("delete", "element", "ip", Workload.TableName, Workload.SetName, element)),
                ("apply", PeakOfApply()),
            ];

            long PeakOfApply()
            {
                DropTable(conn);
                return ns.NftPeakBytes("-f", script);
            }
        }
    }
    finally
    {
        File.Delete(script);
        File.Delete(swap);
    }

    current = null;
}

static void DropTable(NftConnection conn)
{
    if (conn.GetTable(NftFamily.Ip, Workload.TableName) is not null)
    {
        var tx = new NftTransaction();
        tx.DeleteTable(Workload.Table);
        conn.Commit(tx);
    }
}

static void Change(NftConnection conn, IpPrefix? add = null, IpPrefix? remove = null)
{
    var tx = new NftTransaction();
    if (add is IpPrefix a)
    {
        tx.AddElements(Workload.Set, [a]);
    }

    if (remove is IpPrefix d)
    {
        tx.DeleteElements(Workload.Set, [d]);
    }

    conn.Commit(tx);
}

// The configuration of the table with these peers and no traffic: what the sync measure syncs to.
static AccelConfiguration Prepared(IEnumerable<IpPrefix> peers) => ConfigurationReader.Read(
    new Hashtable { ["Family"] = "ip", ["Traffic"] = "None", ["PeerPodCidr"] = peers.Select(p => p.ToString()).ToArray() }, "benchmark");

static void DropChain(NftConnection conn)
{
    var tx = new NftTransaction();
    foreach (NftRule rule in conn.ListRules(NftFamily.Ip, Workload.TableName, "forward"))
    {
        tx.DeleteRule(rule);
    }

    tx.DeleteChain(Workload.Forward);
    conn.Commit(tx);
}

// Both sides must leave the same objects: N prefixes and two counted rules.
static void Check(NftConnection conn, int n, string after)
{
    int prefixes = conn.ListPrefixes(Workload.Set).Count;
    int rules = conn.ListRules(NftFamily.Ip, Workload.TableName, "forward").Count(r => r.Counter is not null);
    if (prefixes != n || rules != 2)
    {
        throw new InvalidOperationException($"after {after}: {prefixes} prefixes and {rules} counted rules, expected {n} and 2");
    }
}

void Report()
{
    Console.WriteLine();
    Console.WriteLine($"HostAccel vs nft ({NftVersion()}), {Environment.ProcessorCount} CPUs, kernel {Environment.OSVersion.Version}, medians");
    Console.WriteLine();
    Console.WriteLine($"{"measure",-14} {"N",7} {"HostAccel ms",13} {"user",8} {"kernel",8} {"nft ms",10} {"nft/HostAccel",14} {"HostAccel alloc",16} {"reps",6}");
    foreach (int n in sizes)
    {
        foreach (string m in measures)
        {
            (Samples ha, Samples nft) = Pair(m, n);
            string nftMs = nft.Count == 0 ? "—" : nft.MedianMs.ToString("F2", CultureInfo.InvariantCulture);
            string ratio = nft.Count == 0 ? "—" : $"{nft.MedianMs / ha.MedianMs:F1}×";
            Console.WriteLine($"{m,-14} {n,7} {ha.MedianMs,13:F3} {ha.MedianUserMs,8:F1} {ha.MedianKernelMs,8:F1} {nftMs,10} {ratio,14} {Bytes(ha.MedianAllocated),16} {$"{ha.Count}/{nft.Count}",6}");
        }
    }

    Console.WriteLine();
    foreach (string m in measures.Where(m => m != "elements"))
    {
        foreach (int n in sizes)
        {
            (Samples ha, Samples nft) = Pair(m, n);
            Console.WriteLine(FormattableString.Invariant($"ratio {m}@{n} = {nft.MedianMs / ha.MedianMs:F1}"));
        }
    }

    Console.WriteLine();
    foreach ((int n, (long before, long peak)) in peaks.OrderBy(p => p.Key))
    {
        Console.WriteLine($"memory HostAccel@{n}: peak RSS {Bytes(peak)} (VmHWM of this process over the HostAccel measures, garbage not yet collected included; {Bytes(before)} before them)");
    }

    foreach ((int n, List<(string Measure, long Peak)> runs) in nftPeaks)
    {
        Console.WriteLine($"memory nft@{n}: peak RSS of one nft process: {string.Join(", ", runs.Select(r => $"{r.Measure} {Bytes(r.Peak)}"))}");
    }

    int largest = sizes.Max();
    (Samples list, _) = Pair("list", largest);
    (Samples elements, _) = Pair("elements", largest);
    Console.WriteLine($"decode@{largest}: ListPrefixes {list.MedianMs:F1} ms wall ({list.MedianUserMs:F1} ms user, {list.MedianKernelMs:F1} ms kernel), {Bytes(list.MedianAllocated)}; ListSetElements {elements.MedianMs:F1} ms wall ({elements.MedianUserMs:F1} ms user), {Bytes(elements.MedianAllocated)}");
    if (sizes.Contains(100_000))
    {
        Console.WriteLine();
        Target("add", 500);
        Target("remove", 500);
        Target("counters", 300);
        Target("apply", 2);
        bool small = list.MedianAllocated <= 40L * 1024 * 1024;
        Console.WriteLine($"target decode@100000 <= 150 ms and <= 40 MB: wall {list.MedianMs:F1} ms, {Bytes(list.MedianAllocated)} {(list.MedianMs <= 150 && small ? "met" : "MISSED")}; user time only {list.MedianUserMs:F1} ms {(list.MedianUserMs <= 150 && small ? "met" : "MISSED")}");
    }
}

void Target(string m, double wanted)
{
    (Samples ha, Samples nft) = Pair(m, 100_000);
    double ratio = nft.MedianMs / ha.MedianMs;
    Console.WriteLine(FormattableString.Invariant($"target {m}@100000 >= {wanted}×: {ratio:F1}× {(ratio >= wanted ? "met" : "MISSED")}"));
}

(Samples HostAccel, Samples Nft) Pair(string m, int n) =>
    m == "counters-json" ? (results[("counters", n)].HostAccel, results[(m, n)].Nft) : results[(m, n)];

static string Bytes(long bytes) => bytes switch
{
    < 0 => "?",
    < 10 * 1024 => $"{bytes} B",
    < 10 * 1024 * 1024 => $"{bytes / 1024.0:F1} KB",
    _ => $"{bytes / 1024.0 / 1024.0:F1} MB",
};

static string NftVersion()
{
    try
    {
        return BenchNamespace.Run("nft", "--version").Trim();
    }
    catch (InvalidOperationException)
    {
        return "nft";
    }
}
