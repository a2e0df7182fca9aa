using System.Diagnostics;
using System.Text.RegularExpressions;
using HostAccel.Native.Nftables;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;

namespace HostAccel.VmChecks;

/// <summary>
/// What the cmdlets Enable-Fastpath, Get-Fastpath, Get-/Reset-FlowtableCounter, Get-OffloadedFlow and Disable-Fastpath do,
/// through the engine they call, on a kernel with flowtables: the success paths this host cannot run.
/// </summary>
internal static class EngineChecks
{
    public static void Run(Report report)
    {
        using var topology = new Topology();
        using AccelSession session = AccelSession.Open(topology.Router);

        report.Check(Enable(session, "eth0"), "Enable-Fastpath: flowtable, chain and rules in one transaction");
        var peers = new AddPeerPodCidrPlan(session);
        peers.Accept(peers.Prepare(Topology.PeerCidr, null, Design.TableName, Design.SetName, null, force: false));
        report.Check(peers.Commit(CancellationToken.None), "Add-PeerPodCidr: the peer Pod CIDR is added");

        Fastpath fastpath = Fastpaths.Get(session, [AccelFamily.Ip], Design.TableName, Design.FlowtableName, Design.ChainName).Single();
        report.Check(fastpath.Enabled && fastpath.FlowtablePresent && fastpath.Counter && fastpath.Devices.Order().SequenceEqual(["antrea-gw0", "eth0"]) && fastpath.Rules.Count == 2,
            "Get-Fastpath: enabled, counter flag, both devices, two rules", fastpath.ToString());

        // A second Enable-Fastpath with another transport device, as a cmdlet runs it (prepare, accept, commit):
        // without -Force the flowtable on the first call's devices is a conflict, found before anything is sent.
        Sh.In(topology.Router, "ip", "link", "add", "eth1", "type", "dummy");
        string before = Sh.In(topology.Router, "nft", "-j", "list", "ruleset");
        report.Throws<HostAccelException>(() => Enable(session, "eth1"),
            ex => ex.ErrorId == ErrorIds.FastpathConflict && ex.Kind == FailureKind.ResourceExists && ex.Message.Contains("exists with other settings", StringComparison.Ordinal),
            "Enable-Fastpath again with other devices: FastpathConflict without -Force");
        string after = Sh.In(topology.Router, "nft", "-j", "list", "ruleset");
        report.Check(after == before, "Enable-Fastpath again with other devices: nft -j list ruleset unchanged", after);

        using (Process server = Sh.Start("ip", "netns", "exec", topology.Server, "iperf3", "-s", "-1"))
        {
            Topology.WaitForListener(topology.Server, 5201);
            using Process client = Sh.Start("ip", "netns", "exec", topology.Client, "iperf3", "-c", Topology.ServerAddress, "-t", "3");
            int offloaded = 0, credited = 0;
            while (!client.WaitForExit(300))
            {
                offloaded = Math.Max(offloaded, Flows.Get(session, [AccelFamily.Ip], includeSlowPath: false).Count);
                credited = Math.Max(credited, Counters.Get(session, [AccelFamily.Ip], Design.TableName, Design.ChainName).Sum(c => c.OffloadedFlows ?? 0));
            }

            server.WaitForExit(5000);
            report.Check(offloaded > 0, "Get-OffloadedFlow: the transfer is listed offloaded");
            report.Check(credited > 0, "Get-FlowtableCounter: the offloaded flow is credited to an acceleration rule");
        }

        ServiceTransfer(report, topology, session);

        IReadOnlyList<FlowtableCounter> counters = Counters.Get(session, [AccelFamily.Ip], Design.TableName, Design.ChainName);
        report.Check(counters.Count == 2 && counters.All(c => c.FlowtableName == Design.FlowtableName) && counters.Sum(c => (long)c.Packets) < 100,
            "Get-FlowtableCounter: two acceleration rules that saw a handful of packets", string.Join("; ", counters.Select(c => $"{c.Packets} {c.Rule}")));

        // This kernel (6.1) has no reset dump (NFT_MSG_GETRULE_RESET came in 6.2): the counted rules are replaced.
        string rulesBefore = Regex.Replace(Sh.In(topology.Router, "nft", "-a", "list", "chain", "ip", "antrea", "forward"), @"counter packets \d+ bytes \d+", "counter");
        IReadOnlyList<FlowtableCounter> reset = Counters.Reset(session, NftFamily.Ip, Design.TableName, Design.ChainName, force: false, CancellationToken.None);
        report.Check(reset.Select(c => (c.Handle, c.Packets, c.Bytes)).SequenceEqual(counters.Select(c => (c.Handle, c.Packets, c.Bytes))) && reset.Sum(c => (long)c.Packets) > 0,
            "Reset-FlowtableCounter: returns the counters as they were", string.Join("; ", reset.Select(c => $"{c.Handle}: {c.Packets}")));
        report.Check(session.Nft.ResetsCountersAtomically == false,
            "Reset-FlowtableCounter: a kernel without the reset dump is found out, and the rules are replaced instead");
        report.Check(session.Nft.LastCounterReset == CounterReset.ReplacedWithFinalCounts && Counters.ResetWarning(session) is string warning && warning.Contains("before Linux 6.2", StringComparison.Ordinal),
            "Reset-FlowtableCounter: the replaced rules' final counts come back in the kernel's notices (NLM_F_ECHO), and the cmdlet warns", $"{session.Nft.LastCounterReset}");
        ResetsWhileCounting(report, topology, session);
        string rulesAfter = Sh.In(topology.Router, "nft", "-a", "list", "chain", "ip", "antrea", "forward");
        report.Check(Counters.Get(session, [AccelFamily.Ip], Design.TableName, Design.ChainName).All(c => c.Packets == 0 && c.Bytes == 0)
            && Regex.Replace(rulesAfter, @"counter packets \d+ bytes \d+", "counter") == rulesBefore,
            "Reset-FlowtableCounter: counters zeroed, the rules, handles and order unchanged", rulesAfter);

        var disable = new DisableFastpathPlan(session);
        foreach (PlannedChange<Fastpath> change in disable.Prepare([AccelFamily.Ip], Design.TableName, Design.FlowtableName, Design.ChainName, force: false))
        {
            disable.Accept(change);
        }

        report.Check(disable.Commit(CancellationToken.None), "Disable-Fastpath commits");
        string ruleset = Sh.In(topology.Router, "nft", "list", "ruleset");
        report.Check(!ruleset.Contains("flowtable", StringComparison.Ordinal) && !ruleset.Contains("flow add", StringComparison.Ordinal),
            "Disable-Fastpath: the flowtable and its rules are gone", ruleset);
    }

    /// <summary>
    /// Issue 19: on 6.1, 1 500 connections counted with 129 resets running summed to 1 466. Here pings flood across the
    /// router while the counter of a rule that counts exactly them is reset over and over: the counts the resets return
    /// and the last one add up to every ping sent.
    /// </summary>
    private static void ResetsWhileCounting(Report report, Topology topology, AccelSession session)
    {
        Sh.In(topology.Router, "nft", "add table ip count-check { chain counting { type filter hook forward priority 10; policy accept; icmp type echo-request counter; }; }");
        try
        {
            const int pings = 2000;
            ulong returned = 0;
            int resets = 0;
            using Process flood = Sh.Start("ip", "netns", "exec", topology.Client, "ping", "-f", "-q", "-c", pings.ToString(System.Globalization.CultureInfo.InvariantCulture), Topology.ServerAddress);
            while (!flood.WaitForExit(20))
            {
                returned += session.Nft.ResetRuleCounters(NftFamily.Ip, "count-check", "counting").Single().Counter!.Packets;
                resets++;
            }

            ulong last = session.Nft.ListRules(NftFamily.Ip, "count-check", "counting").Single().Counter!.Packets;
            report.Check(returned + last == pings && resets > 5 && session.Nft.LastCounterReset == CounterReset.ReplacedWithFinalCounts,
                "Reset-FlowtableCounter on 6.1: resets while packets are counted lose none of them", $"{returned} returned by {resets} resets + {last} left = {returned + last} of {pings}");
        }
        finally
        {
            Sh.In(topology.Router, "nft", "delete", "table", "ip", "count-check");
        }
    }

    /// <summary>
    /// Issue 19: a Pod-to-Service connection — the Node translates the Service address 10.96.0.10:80 to the server,
    /// a remote Pod — is offloaded, and must be credited to the acceleration rule that saw it after the translation.
    /// </summary>
    private static void ServiceTransfer(Report report, Topology topology, AccelSession session)
    {
        Sh.In(topology.Router, "nft", $"add table ip service-nat {{ chain pre {{ type nat hook prerouting priority dstnat; ip daddr 10.96.0.10 tcp dport 80 dnat to {Topology.ServerAddress}:5201; }}; }}");
        try
        {
            using Process server = Sh.Start("ip", "netns", "exec", topology.Server, "iperf3", "-s", "-1");
            Topology.WaitForListener(topology.Server, 5201);
            using Process client = Sh.Start("ip", "netns", "exec", topology.Client, "iperf3", "-c", "10.96.0.10", "-p", "80", "-t", "3");
            bool credited = false;
            string seen = "";
            while (!client.WaitForExit(300))
            {
                IReadOnlyList<OffloadedFlow> flows = Flows.Get(session, [AccelFamily.Ip], includeSlowPath: false);
                List<OffloadedFlow> toService = flows.Where(f => f.Destination.ToString() == "10.96.0.10").ToList();
                int attributed = Counters.Get(session, [AccelFamily.Ip], Design.TableName, Design.ChainName).Sum(c => c.OffloadedFlows ?? 0);
                int all = Flows.Get(session, [AccelFamily.Ip], includeSlowPath: false).Count;
                credited |= toService.Count > 0 && attributed >= all && all == flows.Count;
                seen = $"{toService.Count} offloaded to the Service, {attributed} of {all} offloaded flows credited";
            }

            server.WaitForExit(5000);
            report.Check(credited, "Get-FlowtableCounter: an offloaded Pod-to-Service connection (DNAT on the Node) is credited to the rule that saw it", seen);
        }
        finally
        {
            Sh.In(topology.Router, "nft", "delete", "table", "ip", "service-nat");
        }
    }

    /// <summary>Enable-Fastpath as the cmdlet runs it (prepare, accept, commit) on antrea-gw0 and a transport device.</summary>
    private static bool Enable(AccelSession session, string transport)
    {
        var plan = new EnableFastpathPlan(session);
        foreach (PlannedChange<Fastpath> change in plan.Prepare(new EnableFastpathRequest
        {
            GatewayInterface = "antrea-gw0",
            TransportInterface = transport,
            LocalPodCidr = [Topology.LocalCidr],
            Counter = true,
        }))
        {
            plan.Accept(change);
        }

        return plan.Commit(CancellationToken.None);
    }
}
