using System.Diagnostics;
using System.Runtime.Versioning;
using HostAccel.Native;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;

[assembly: SupportedOSPlatform("linux")]

// Enables Antrea's host network acceleration in a throwaway network namespace (a stand-in for a node with antrea-gw0 and
// eth0) in one transaction, reads it back and shows the rule counters; nothing of the host is touched.
string ns = $"hostaccel-demo-{Environment.ProcessId}";
Run("ip", "netns", "add", ns);
try
{
    Run("ip", "-n", ns, "link", "add", "antrea-gw0", "type", "veth", "peer", "name", "gw-peer");
    Run("ip", "-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0-peer");
    foreach (string dev in new[] { "lo", "antrea-gw0", "gw-peer", "eth0", "eth0-peer" })
    {
        Run("ip", "-n", ns, "link", "set", dev, "up");
    }

    using NftConnection nft = NftConnection.Open(ns);
    uint gw = nft.InterfaceIndex("antrea-gw0")!.Value, eth = nft.InterfaceIndex("eth0")!.Value;
    bool flowtables = KernelSupport.Probe(ns).Flowtable;

    var table = new NftTable(NftFamily.Ip, "antrea") { Comment = "Rules for Antrea" };
    var set = new NftSet(NftFamily.Ip, "antrea", "peer-pod-cidr", SetKeyType.Ipv4Address) { Flags = SetFlags.Interval, Comment = "Set for storing IPv4 peer Pods CIDRs" };
    var tx = new NftTransaction();
    tx.AddTable(table);
    tx.AddSet(set);
    tx.AddElements(set, [IpPrefix.Parse("10.244.0.0/24"), IpPrefix.Parse("10.244.1.0/24")]);
    if (flowtables)
    {
        tx.AddFlowtable(new NftFlowtable(NftFamily.Ip, "antrea", "fastpath") { Devices = new[] { "antrea-gw0", "eth0" } });
    }

    tx.AddChain(new NftChain(NftFamily.Ip, "antrea", "forward") { Base = new BaseChain("filter", ChainHook.Forward, 0), Comment = "Forward chain for storing rules" });
    IpPrefix local = IpPrefix.Parse("10.244.2.0/24");
    RuleBuilder outbound = new RuleBuilder(NftFamily.Ip, "antrea", "forward").Iif(gw).SourceAddress(local).Oif(eth).DestinationInSet("peer-pod-cidr", false);
    RuleBuilder inbound = new RuleBuilder(NftFamily.Ip, "antrea", "forward").Iif(eth).SourceInSet("peer-pod-cidr", false).Oif(gw).DestinationAddress(local);
    if (flowtables)
    {
        outbound.FlowAdd("fastpath");
        inbound.FlowAdd("fastpath");
    }

    tx.AddRule(outbound.Counter().Build("Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs"));
    tx.AddRule(inbound.Counter().Build("Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR"));

    Console.WriteLine($"One transaction, {tx.Count} changes, in network namespace {ns}.");

    nft.Commit(tx, nft.GetGeneration());
    if (!flowtables)
    {
        Console.WriteLine("This kernel has no flowtable support (CONFIG_NF_FLOW_TABLE): the flowtable and `flow add` were left out.");
    }

    Console.WriteLine();
    Console.WriteLine("What `nft list ruleset` reads back:");
    Console.WriteLine(Run("ip", "netns", "exec", ns, "nft", "list", "ruleset"));
    Console.WriteLine("Rule counters, read over netlink:");
    foreach (NftRule rule in nft.ListRules(NftFamily.Ip, "antrea", "forward"))
    {
        Console.WriteLine($"  {rule.Counter?.Packets,6} packets {rule.Counter?.Bytes,8} bytes  {rule.Comment}");
    }

    return 0;
}
catch (ErrnoException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}
finally
{
    Run("ip", "netns", "del", ns);
}

static string Run(string file, params string[] arguments)
{
    var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (string argument in arguments)
    {
        info.ArgumentList.Add(argument);
    }

    using Process process = Process.Start(info)!;
    string output = process.StandardOutput.ReadToEnd();
    string error = process.StandardError.ReadToEnd();
    process.WaitForExit();
    return process.ExitCode == 0 ? output : throw new InvalidOperationException($"{file} {string.Join(' ', arguments)}: {error}");
}
