using System.Text.Json;
using HostAccel.Native;
using HostAccel.Native.Conntrack;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;

// Usage: HostAccel.PrivilegeProbe <network namespace>
// Tries every kind of request the library makes, in the namespace, and prints one JSON line per request: its name,
// "ok" or the exception's type, errno and message. Then one line with the process's effective capabilities, so that
// the caller can check it really ran without CAP_NET_ADMIN. Exit code 0 unless the probe itself could not run.
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: HostAccel.PrivilegeProbe <network namespace>");
    return 2;
}

string ns = args[0];
var table = new NftTable(NftFamily.Ip, "hostaccel-probe") { Comment = "written by the privilege probe" };
var set = new NftSet(NftFamily.Ip, "hostaccel-probe", "peers", SetKeyType.Ipv4Address) { Flags = SetFlags.Interval };
using NftConnection nft = NftConnection.Open(ns);
using ConntrackConnection conntrack = ConntrackConnection.Open(ns);

Report("GetGeneration", () => nft.GetGeneration());
Report("ListTables", () => nft.ListTables());
Report("GetTable", () => nft.GetTable(NftFamily.Ip, "antrea"));
Report("ListChains", () => nft.ListChains());
Report("ListSets", () => nft.ListSets());
Report("ListSetElements", () => nft.ListSetElements(new NftSet(NftFamily.Ip, "antrea", "peer-pod-cidr", SetKeyType.Ipv4Address)));
Report("ListFlowtables", () => nft.ListFlowtables());
Report("ListRules", () => nft.ListRules(NftFamily.Ip, "antrea"));
Report("Commit", () =>
{
    var transaction = new NftTransaction();
    transaction.AddTable(table);
    transaction.AddChain(new NftChain(NftFamily.Ip, table.Name, "forward") { Base = new BaseChain("filter", ChainHook.Forward, 0) });
    transaction.AddSet(set);
    transaction.AddElements(set, [IpPrefix.Parse("10.244.0.0/24")]);
    nft.Commit(transaction);
    return null;
});
Report("ListFlows", () => conntrack.ListFlows());

string capabilities = File.ReadLines("/proc/self/status").Single(l => l.StartsWith("CapEff:", StringComparison.Ordinal))["CapEff:".Length..].Trim();
Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, string> { ["capabilities"] = capabilities }));
return 0;

static void Report(string operation, Func<object?> action)
{
    var line = new Dictionary<string, string?> { ["operation"] = operation };
    try
    {
        action();
        line["outcome"] = "ok";
    }
    catch (Exception ex)
    {
        line["outcome"] = ex.GetType().Name;
        line["errno"] = ex is ErrnoException errno ? errno.ErrnoName : null;
        line["message"] = ex.Message;
    }

    Console.WriteLine(JsonSerializer.Serialize(line));
}
