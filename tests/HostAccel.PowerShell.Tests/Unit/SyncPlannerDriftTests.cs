using System.Collections;
using HostAccel.Native.Interop;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Engine.TrafficControl;
using HostAccel.Native.TrafficControl;
using Xunit;

namespace HostAccel.PowerShell.Tests.Unit;

/// <summary>
/// What a sync plans for each way the kernel's table can differ from the desired one (planned without a kernel): the
/// difference's kind, object and detail as Test-AccelConfiguration shows them, and the nft statements that repair it —
/// sets and elements, the flowtable and what replacing it takes with it, chains, and rules out of order or missing.
/// </summary>
public sealed class SyncPlannerDriftTests
{
    private static readonly Dictionary<string, uint> Devices = new() { ["antrea-gw0"] = 2, ["eth0"] = 3, ["eth1"] = 4 };

    private static AccelConfiguration Desired() => ConfigurationReader.Read(new Hashtable
    {
        ["TransportInterface"] = "eth0",
        ["LocalPodCidr"] = "10.244.2.0/24",
        ["PeerPodCidr"] = "10.244.0.0/24",
        ["Traffic"] = "PodToPod, ExternalIP",
        ["ExternalIP"] = "192.0.2.10",
        ["Devices"] = "eth1",
    }, "test");

    private static SyncPlan Plan(Func<KernelTable, KernelTable> change, Func<NftSet, IReadOnlyList<IpPrefix>>? elements = null)
    {
        IReadOnlyDictionary<NftFamily, FamilyState?> desired = DesiredState.Build(Desired(), name => Devices[name]);
        FamilyState state = desired[NftFamily.Ip]!;
        ulong handle = 1;
        var held = new KernelTable(state.Table with { Handle = 1 }, state.Sets.Select(s => s.Set).ToList(), [state.Flowtable!], [state.Chain!],
            state.Rules.Select(r => r with { Handle = ++handle }).ToList());
        Dictionary<string, IReadOnlyList<IpPrefix>> heldElements = state.Sets.ToDictionary(s => s.Set.Name, s => s.Elements);
        return SyncPlanner.Plan(new SyncPlan(7, i => Devices.FirstOrDefault(d => d.Value == i).Key), desired,
            new Dictionary<NftFamily, KernelTable?> { [NftFamily.Ip] = change(held), [NftFamily.Ip6] = null }, elements ?? (set => heldElements[set.Name]), Design.TableName, force: false);
    }

    private static IReadOnlyList<IpPrefix> Prefixes(params string[] texts) => texts.Select(IpPrefix.Parse).ToList();

    private static NftRule Extra(string chain, ulong handle, Func<RuleBuilder, RuleBuilder> build) =>
        build(new RuleBuilder(NftFamily.Ip, "antrea", chain)).Counter().Build() with { Handle = handle };

    private static readonly Dictionary<string, (Func<KernelTable, KernelTable> Change, Func<NftSet, IReadOnlyList<IpPrefix>>? Elements)> Scenarios = new()
    {
        ["a dormant table"] = (h => h with { Table = h.Table with { Flags = 1 } }, null),
        ["a set not desired, and a rule using it"] = (h => h with
        {
            Sets = [.. h.Sets, Design.AddressSet(NftFamily.Ip, "antrea", "old-set")],
            Rules = [.. h.Rules, Extra("forward", 50, r => r.DestinationInSet("old-set", ipv6: false))],
        }, null),
        ["one element too many"] = (h => h, s => s.Name == "peer-pod-cidr" ? Prefixes("10.244.0.0/24", "10.244.9.0/24") : Prefixes("192.0.2.10/32")),
        ["two elements too many, one missing"] = (h => h, s => s.Name == "peer-pod-cidr" ? Prefixes("10.244.8.0/24", "10.244.9.0/24") : []),
        ["a set of another comment, and a rule using it"] = (h => h with
        {
            Sets = [h.Sets[0] with { Comment = "other" }, h.Sets[1]],
            Rules = [.. h.Rules, Extra("forward", 50, r => r.DestinationInSet("peer-pod-cidr", ipv6: false))],
        }, null),
        ["a set missing"] = (h => h with { Sets = [h.Sets[0]] }, null),
        ["rules offloading that are not desired"] = (h => h with
        {
            Rules = [.. h.Rules, h.Rules[0] with { Handle = 98, Comment = null, Expressions = h.Rules[2].Expressions }, h.Rules[0] with { Handle = 99, Comment = "x", Expressions = h.Rules[2].Expressions }],
        }, null),
        ["the flowtable missing"] = (h => h with { Flowtables = [] }, null),
        ["a flowtable of another priority"] = (h => h with { Flowtables = [h.Flowtables[0] with { Priority = 5 }] }, null),
        ["a flowtable of other flags"] = (h => h with { Flowtables = [h.Flowtables[0] with { Flags = FlowtableFlags.Counter }] }, null),
        ["a chain not desired, with a rule"] = (h => h with { Chains = [.. h.Chains, new NftChain(NftFamily.Ip, "antrea", "old-chain")], Rules = [.. h.Rules, Extra("old-chain", 60, r => r)] }, null),
        ["a chain of another comment"] = (h => h with { Chains = [h.Chains[0] with { Comment = "other" }] }, null),
        ["the chain missing"] = (h => h with { Chains = [], Rules = [] }, null),
        ["the rules in reverse"] = (h => h with { Rules = [h.Rules[2], h.Rules[1], h.Rules[0]] }, null),
        ["a rule twice"] = (h => h with { Rules = [h.Rules[0], h.Rules[0] with { Handle = 77 }, h.Rules[1], h.Rules[2]] }, null),
        ["the last rule missing"] = (h => h with { Rules = [h.Rules[0], h.Rules[1]] }, null),
        ["the first rule missing"] = (h => h with { Rules = [h.Rules[1], h.Rules[2]] }, null),
        ["the middle rule missing"] = (h => h with { Rules = [h.Rules[0], h.Rules[2]] }, null),
    };

    private static IEnumerable<string> Lines(SyncPlan plan) =>
        plan.Drift().Select(d => $"{d.Kind} | {d.Object} | {d.Detail} | {string.Join(" ; ", d.Statements)}");

    public static TheoryData<string, string[]> Drifts() => new()
    {
        {
            "a dormant table",
            [
                @"Different | table ip antrea | dormant: its chains and flowtable see no packets | add table ip antrea { comment ""Rules for Antrea""; }",
            ]
        },
        {
            "a set not desired, and a rule using it",
            [
                @"Extra | set ip antrea old-set | not part of the desired state | delete set ip antrea old-set",
                @"Extra | rule ip antrea forward handle 50 | it refers to an object that is replaced | delete rule ip antrea forward handle 50",
            ]
        },
        {
            "one element too many",
            [
                @"Different | set ip antrea peer-pod-cidr | 0 elements to add, 1 to delete | delete element ip antrea peer-pod-cidr { 10.244.9.0/24 }",
                @"Different | flowtable ip antrea fastpath | replaced to evict the connections it offloaded (1 element deleted from set ip antrea peer-pod-cidr): they take the forward chain again, and those still accelerated are offloaded again | delete flowtable ip antrea fastpath ; add flowtable ip antrea fastpath { hook ingress priority filter; devices = { antrea-gw0, eth0, eth1 }; }",
                @"Extra | rule ip antrea forward handle 2 | it refers to an object that is replaced | delete rule ip antrea forward handle 2",
                @"Extra | rule ip antrea forward handle 3 | it refers to an object that is replaced | delete rule ip antrea forward handle 3",
                @"Extra | rule ip antrea forward handle 4 | it refers to an object that is replaced | delete rule ip antrea forward handle 4",
                @"Missing | rule ip antrea forward ""Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs"" | appended | add rule ip antrea forward iif ""antrea-gw0"" ip saddr 10.244.2.0/24 oif ""eth0"" ip daddr @peer-pod-cidr flow add @fastpath counter packets 0 bytes 0 comment ""Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs""",
                @"Missing | rule ip antrea forward ""Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR"" | appended | add rule ip antrea forward iif ""eth0"" ip saddr @peer-pod-cidr oif ""antrea-gw0"" ip daddr 10.244.2.0/24 flow add @fastpath counter packets 0 bytes 0 comment ""Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR""",
                @"Missing | rule ip antrea forward ""Accelerate IPv4 connections: External-to-LoadBalancer IP and External IP"" | appended | add rule ip antrea forward oif ""antrea-gw0"" ip daddr @external-ip flow add @fastpath counter packets 0 bytes 0 comment ""Accelerate IPv4 connections: External-to-LoadBalancer IP and External IP""",
            ]
        },
        {
            "two elements too many, one missing",
            [
                @"Different | set ip antrea peer-pod-cidr | 1 element to add, 2 to delete | delete element ip antrea peer-pod-cidr { 10.244.8.0/24, 10.244.9.0/24 } ; add element ip antrea peer-pod-cidr { 10.244.0.0/24 }",
                @"Different | set ip antrea external-ip | 1 element to add, 0 to delete | add element ip antrea external-ip { 192.0.2.10/32 }",
                @"Different | flowtable ip antrea fastpath | replaced to evict the connections it offloaded (2 elements deleted from set ip antrea peer-pod-cidr): they take the forward chain again, and those still accelerated are offloaded again | delete flowtable ip antrea fastpath ; add flowtable ip antrea fastpath { hook ingress priority filter; devices = { antrea-gw0, eth0, eth1 }; }",
                @"Extra | rule ip antrea forward handle 2 | it refers to an object that is replaced | delete rule ip antrea forward handle 2",
                @"Extra | rule ip antrea forward handle 3 | it refers to an object that is replaced | delete rule ip antrea forward handle 3",
                @"Extra | rule ip antrea forward handle 4 | it refers to an object that is replaced | delete rule ip antrea forward handle 4",
                @"Missing | rule ip antrea forward ""Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs"" | appended | add rule ip antrea forward iif ""antrea-gw0"" ip saddr 10.244.2.0/24 oif ""eth0"" ip daddr @peer-pod-cidr flow add @fastpath counter packets 0 bytes 0 comment ""Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs""",
                @"Missing | rule ip antrea forward ""Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR"" | appended | add rule ip antrea forward iif ""eth0"" ip saddr @peer-pod-cidr oif ""antrea-gw0"" ip daddr 10.244.2.0/24 flow add @fastpath counter packets 0 bytes 0 comment ""Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR""",
                @"Missing | rule ip antrea forward ""Accelerate IPv4 connections: External-to-LoadBalancer IP and External IP"" | appended | add rule ip antrea forward oif ""antrea-gw0"" ip daddr @external-ip flow add @fastpath counter packets 0 bytes 0 comment ""Accelerate IPv4 connections: External-to-LoadBalancer IP and External IP""",
            ]
        },
        {
            "a set of another comment, and a rule using it",
            [
                @"Different | set ip antrea peer-pod-cidr | replaced: it is set ip antrea peer-pod-cidr { type ipv4_addr; flags interval; comment ""other""; }, not set ip antrea peer-pod-cidr { type ipv4_addr; flags interval; comment ""Set for storing IPv4 peer Pods CIDRs""; } | delete set ip antrea peer-pod-cidr ; add set ip antrea peer-pod-cidr { type ipv4_addr; flags interval; comment ""Set for storing IPv4 peer Pods CIDRs""; } ; add element ip antrea peer-pod-cidr { 10.244.0.0/24 }",
                @"Different | flowtable ip antrea fastpath | replaced to evict the connections it offloaded (set ip antrea peer-pod-cidr replaced): they take the forward chain again, and those still accelerated are offloaded again | delete flowtable ip antrea fastpath ; add flowtable ip antrea fastpath { hook ingress priority filter; devices = { antrea-gw0, eth0, eth1 }; }",
                @"Extra | rule ip antrea forward handle 2 | it refers to an object that is replaced | delete rule ip antrea forward handle 2",
                @"Extra | rule ip antrea forward handle 3 | it refers to an object that is replaced | delete rule ip antrea forward handle 3",
                @"Extra | rule ip antrea forward handle 4 | it refers to an object that is replaced | delete rule ip antrea forward handle 4",
                @"Extra | rule ip antrea forward handle 50 | it refers to an object that is replaced | delete rule ip antrea forward handle 50",
                @"Missing | rule ip antrea forward ""Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs"" | appended | add rule ip antrea forward iif ""antrea-gw0"" ip saddr 10.244.2.0/24 oif ""eth0"" ip daddr @peer-pod-cidr flow add @fastpath counter packets 0 bytes 0 comment ""Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs""",
                @"Missing | rule ip antrea forward ""Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR"" | appended | add rule ip antrea forward iif ""eth0"" ip saddr @peer-pod-cidr oif ""antrea-gw0"" ip daddr 10.244.2.0/24 flow add @fastpath counter packets 0 bytes 0 comment ""Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR""",
                @"Missing | rule ip antrea forward ""Accelerate IPv4 connections: External-to-LoadBalancer IP and External IP"" | appended | add rule ip antrea forward oif ""antrea-gw0"" ip daddr @external-ip flow add @fastpath counter packets 0 bytes 0 comment ""Accelerate IPv4 connections: External-to-LoadBalancer IP and External IP""",
            ]
        },
        {
            "a set missing",
            [
                @"Missing | set ip antrea external-ip | created with 1 elements | add set ip antrea external-ip { type ipv4_addr; flags interval; comment ""Set for storing IPv4 LoadBalancer and External IPs""; } ; add element ip antrea external-ip { 192.0.2.10/32 }",
            ]
        },
        {
            "rules offloading that are not desired",
            [
                @"Different | flowtable ip antrea fastpath | replaced to evict the connections it offloaded (rule forward handle 98 deleted; rule forward handle 99 ""x"" deleted): they take the forward chain again, and those still accelerated are offloaded again | delete flowtable ip antrea fastpath ; add flowtable ip antrea fastpath { hook ingress priority filter; devices = { antrea-gw0, eth0, eth1 }; }",
                @"Extra | rule ip antrea forward handle 2 | it refers to an object that is replaced | delete rule ip antrea forward handle 2",
                @"Extra | rule ip antrea forward handle 3 | it refers to an object that is replaced | delete rule ip antrea forward handle 3",
                @"Extra | rule ip antrea forward handle 4 | it refers to an object that is replaced | delete rule ip antrea forward handle 4",
                @"Extra | rule ip antrea forward handle 98 | it refers to an object that is replaced | delete rule ip antrea forward handle 98",
                @"Extra | rule ip antrea forward handle 99 | it refers to an object that is replaced | delete rule ip antrea forward handle 99",
                @"Missing | rule ip antrea forward ""Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs"" | appended | add rule ip antrea forward iif ""antrea-gw0"" ip saddr 10.244.2.0/24 oif ""eth0"" ip daddr @peer-pod-cidr flow add @fastpath counter packets 0 bytes 0 comment ""Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs""",
                @"Missing | rule ip antrea forward ""Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR"" | appended | add rule ip antrea forward iif ""eth0"" ip saddr @peer-pod-cidr oif ""antrea-gw0"" ip daddr 10.244.2.0/24 flow add @fastpath counter packets 0 bytes 0 comment ""Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR""",
                @"Missing | rule ip antrea forward ""Accelerate IPv4 connections: External-to-LoadBalancer IP and External IP"" | appended | add rule ip antrea forward oif ""antrea-gw0"" ip daddr @external-ip flow add @fastpath counter packets 0 bytes 0 comment ""Accelerate IPv4 connections: External-to-LoadBalancer IP and External IP""",
            ]
        },
        {
            "the flowtable missing",
            [
                @"Missing | flowtable ip antrea fastpath | created on antrea-gw0, eth0, eth1 | add flowtable ip antrea fastpath { hook ingress priority filter; devices = { antrea-gw0, eth0, eth1 }; }",
            ]
        },
        {
            "a flowtable of another priority",
            [
                @"Different | flowtable ip antrea fastpath | replaced: it is flowtable ip antrea fastpath { hook ingress priority filter + 5; devices = { antrea-gw0, eth0, eth1 }; }, not flowtable ip antrea fastpath { hook ingress priority filter; devices = { antrea-gw0, eth0, eth1 }; } | delete flowtable ip antrea fastpath ; add flowtable ip antrea fastpath { hook ingress priority filter; devices = { antrea-gw0, eth0, eth1 }; }",
                @"Extra | rule ip antrea forward handle 2 | it refers to an object that is replaced | delete rule ip antrea forward handle 2",
                @"Extra | rule ip antrea forward handle 3 | it refers to an object that is replaced | delete rule ip antrea forward handle 3",
                @"Extra | rule ip antrea forward handle 4 | it refers to an object that is replaced | delete rule ip antrea forward handle 4",
                @"Missing | rule ip antrea forward ""Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs"" | appended | add rule ip antrea forward iif ""antrea-gw0"" ip saddr 10.244.2.0/24 oif ""eth0"" ip daddr @peer-pod-cidr flow add @fastpath counter packets 0 bytes 0 comment ""Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs""",
                @"Missing | rule ip antrea forward ""Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR"" | appended | add rule ip antrea forward iif ""eth0"" ip saddr @peer-pod-cidr oif ""antrea-gw0"" ip daddr 10.244.2.0/24 flow add @fastpath counter packets 0 bytes 0 comment ""Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR""",
                @"Missing | rule ip antrea forward ""Accelerate IPv4 connections: External-to-LoadBalancer IP and External IP"" | appended | add rule ip antrea forward oif ""antrea-gw0"" ip daddr @external-ip flow add @fastpath counter packets 0 bytes 0 comment ""Accelerate IPv4 connections: External-to-LoadBalancer IP and External IP""",
            ]
        },
        {
            "a flowtable of other flags",
            [
                @"Different | flowtable ip antrea fastpath | replaced: it is flowtable ip antrea fastpath { hook ingress priority filter; devices = { antrea-gw0, eth0, eth1 }; counter; }, not flowtable ip antrea fastpath { hook ingress priority filter; devices = { antrea-gw0, eth0, eth1 }; } | delete flowtable ip antrea fastpath ; add flowtable ip antrea fastpath { hook ingress priority filter; devices = { antrea-gw0, eth0, eth1 }; }",
                @"Extra | rule ip antrea forward handle 2 | it refers to an object that is replaced | delete rule ip antrea forward handle 2",
                @"Extra | rule ip antrea forward handle 3 | it refers to an object that is replaced | delete rule ip antrea forward handle 3",
                @"Extra | rule ip antrea forward handle 4 | it refers to an object that is replaced | delete rule ip antrea forward handle 4",
                @"Missing | rule ip antrea forward ""Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs"" | appended | add rule ip antrea forward iif ""antrea-gw0"" ip saddr 10.244.2.0/24 oif ""eth0"" ip daddr @peer-pod-cidr flow add @fastpath counter packets 0 bytes 0 comment ""Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs""",
                @"Missing | rule ip antrea forward ""Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR"" | appended | add rule ip antrea forward iif ""eth0"" ip saddr @peer-pod-cidr oif ""antrea-gw0"" ip daddr 10.244.2.0/24 flow add @fastpath counter packets 0 bytes 0 comment ""Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR""",
                @"Missing | rule ip antrea forward ""Accelerate IPv4 connections: External-to-LoadBalancer IP and External IP"" | appended | add rule ip antrea forward oif ""antrea-gw0"" ip daddr @external-ip flow add @fastpath counter packets 0 bytes 0 comment ""Accelerate IPv4 connections: External-to-LoadBalancer IP and External IP""",
            ]
        },
        {
            "a chain not desired, with a rule",
            [
                @"Extra | chain ip antrea old-chain | not part of the desired state | delete rule ip antrea old-chain handle 60 ; delete chain ip antrea old-chain",
            ]
        },
        {
            "a chain of another comment",
            [
                @"Different | chain ip antrea forward | replaced: it is chain ip antrea forward { comment ""other""; type filter hook forward priority filter; policy accept; }, not chain ip antrea forward { comment ""Forward chain for storing rules""; type filter hook forward priority filter; policy accept; } | delete rule ip antrea forward handle 2 ; delete rule ip antrea forward handle 3 ; delete rule ip antrea forward handle 4 ; delete chain ip antrea forward ; add chain ip antrea forward { comment ""Forward chain for storing rules""; type filter hook forward priority filter; policy accept; }",
                @"Missing | rule ip antrea forward ""Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs"" | appended | add rule ip antrea forward iif ""antrea-gw0"" ip saddr 10.244.2.0/24 oif ""eth0"" ip daddr @peer-pod-cidr flow add @fastpath counter packets 0 bytes 0 comment ""Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs""",
                @"Missing | rule ip antrea forward ""Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR"" | appended | add rule ip antrea forward iif ""eth0"" ip saddr @peer-pod-cidr oif ""antrea-gw0"" ip daddr 10.244.2.0/24 flow add @fastpath counter packets 0 bytes 0 comment ""Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR""",
                @"Missing | rule ip antrea forward ""Accelerate IPv4 connections: External-to-LoadBalancer IP and External IP"" | appended | add rule ip antrea forward oif ""antrea-gw0"" ip daddr @external-ip flow add @fastpath counter packets 0 bytes 0 comment ""Accelerate IPv4 connections: External-to-LoadBalancer IP and External IP""",
            ]
        },
        {
            "the chain missing",
            [
                @"Missing | chain ip antrea forward | created | add chain ip antrea forward { comment ""Forward chain for storing rules""; type filter hook forward priority filter; policy accept; }",
                @"Missing | rule ip antrea forward ""Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs"" | appended | add rule ip antrea forward iif ""antrea-gw0"" ip saddr 10.244.2.0/24 oif ""eth0"" ip daddr @peer-pod-cidr flow add @fastpath counter packets 0 bytes 0 comment ""Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs""",
                @"Missing | rule ip antrea forward ""Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR"" | appended | add rule ip antrea forward iif ""eth0"" ip saddr @peer-pod-cidr oif ""antrea-gw0"" ip daddr 10.244.2.0/24 flow add @fastpath counter packets 0 bytes 0 comment ""Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR""",
                @"Missing | rule ip antrea forward ""Accelerate IPv4 connections: External-to-LoadBalancer IP and External IP"" | appended | add rule ip antrea forward oif ""antrea-gw0"" ip daddr @external-ip flow add @fastpath counter packets 0 bytes 0 comment ""Accelerate IPv4 connections: External-to-LoadBalancer IP and External IP""",
            ]
        },
        {
            "the rules in reverse",
            [
                @"Extra | rule ip antrea forward handle 3 | not part of the desired state, or out of order | delete rule ip antrea forward handle 3",
                @"Extra | rule ip antrea forward handle 2 | not part of the desired state, or out of order | delete rule ip antrea forward handle 2",
                @"Missing | rule ip antrea forward ""Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs"" | inserted before handle 4 | insert rule ip antrea forward position 4 iif ""antrea-gw0"" ip saddr 10.244.2.0/24 oif ""eth0"" ip daddr @peer-pod-cidr flow add @fastpath counter packets 0 bytes 0 comment ""Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs""",
                @"Missing | rule ip antrea forward ""Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR"" | inserted before handle 4 | insert rule ip antrea forward position 4 iif ""eth0"" ip saddr @peer-pod-cidr oif ""antrea-gw0"" ip daddr 10.244.2.0/24 flow add @fastpath counter packets 0 bytes 0 comment ""Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR""",
            ]
        },
        {
            "a rule twice",
            [
                @"Extra | rule ip antrea forward handle 77 | not part of the desired state, or out of order | delete rule ip antrea forward handle 77",
            ]
        },
        {
            "the last rule missing",
            [
                @"Missing | rule ip antrea forward ""Accelerate IPv4 connections: External-to-LoadBalancer IP and External IP"" | appended | add rule ip antrea forward oif ""antrea-gw0"" ip daddr @external-ip flow add @fastpath counter packets 0 bytes 0 comment ""Accelerate IPv4 connections: External-to-LoadBalancer IP and External IP""",
            ]
        },
        {
            "the first rule missing",
            [
                @"Missing | rule ip antrea forward ""Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs"" | inserted before handle 3 | insert rule ip antrea forward position 3 iif ""antrea-gw0"" ip saddr 10.244.2.0/24 oif ""eth0"" ip daddr @peer-pod-cidr flow add @fastpath counter packets 0 bytes 0 comment ""Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs""",
            ]
        },
        {
            "the middle rule missing",
            [
                @"Missing | rule ip antrea forward ""Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR"" | inserted before handle 4 | insert rule ip antrea forward position 4 iif ""eth0"" ip saddr @peer-pod-cidr oif ""antrea-gw0"" ip daddr 10.244.2.0/24 flow add @fastpath counter packets 0 bytes 0 comment ""Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR""",
            ]
        },
    };

    /// <summary>Each difference the kernel's table can have from the desired one: its kind, object, detail and statements.</summary>
    [Theory]
    [MemberData(nameof(Drifts))]
    public void EachDifferenceIsPlannedWithItsDetailAndStatements(string scenario, string[] drift)
    {
        (Func<KernelTable, KernelTable> change, Func<NftSet, IReadOnlyList<IpPrefix>>? elements) = Scenarios[scenario];
        Assert.Equal(drift, Lines(Plan(change, elements)));
    }

    [Fact]
    public void ATableOfAFamilyNotManagedGoesWithEverythingInIt()
    {
        IReadOnlyDictionary<NftFamily, FamilyState?> desired = DesiredState.Build(Desired(), name => Devices[name]);
        SyncPlan plan = SyncPlanner.Plan(new SyncPlan(7, _ => null), desired, new Dictionary<NftFamily, KernelTable?>
        {
            [NftFamily.Ip] = null,
            [NftFamily.Ip6] = new KernelTable(Design.Table(NftFamily.Ip6, "antrea") with { Handle = 9 }, [], [], [], []),
        }, _ => [], Design.TableName, force: false);
        Assert.Equal(
            "Extra | table ip6 antrea | no local Pod CIDR of this family: the table and everything in it go | delete table ip6 antrea",
            Assert.Single(Lines(plan), l => l.Contains("ip6", StringComparison.Ordinal)));
    }

    [Fact]
    public void ANewEmptySetIsCreatedWithoutAnElementStatement()
    {
        AccelConfiguration c = ConfigurationReader.Read(new Hashtable { ["TransportInterface"] = "eth0", ["LocalPodCidr"] = "10.244.2.0/24" }, "test");
        SyncPlan plan = SyncPlanner.Plan(new SyncPlan(7, i => Devices.FirstOrDefault(d => d.Value == i).Key), DesiredState.Build(c, name => Devices[name]),
            new Dictionary<NftFamily, KernelTable?> { [NftFamily.Ip] = null, [NftFamily.Ip6] = null }, _ => [], Design.TableName, force: false);
        Assert.Contains(plan.Statements, s => s.StartsWith("add set ip antrea peer-pod-cidr ", StringComparison.Ordinal));
        Assert.DoesNotContain(plan.Statements, s => s.StartsWith("add element", StringComparison.Ordinal));
        Assert.True(plan.HasNftChanges);
        Assert.False(new SyncPlan(7, _ => null).HasNftChanges);
    }

    [Fact]
    public void TrafficControlChangesAreDriftNamingTheirDevice()
    {
        var plan = new SyncPlan(7, _ => null)
        {
            TrafficControl =
            [
                new TcPlannedChange(TcChange.AddQdisc(new TcQdisc(3, TcQdisc.ClsactKind)), AccelFamily.Ip, AccelDriftKind.Missing),
                new TcPlannedChange(TcChange.DeleteFilter(new FlowerFilter(9, ClsactHook.Ingress, 100, 0x0800) { Handle = 7 }), AccelFamily.Ip, AccelDriftKind.Extra),
                new TcPlannedChange(TcChange.DeleteFilter(new FlowerFilter(2, ClsactHook.Ingress, 101, 0x86dd) { Handle = 8 }), AccelFamily.Ip6, AccelDriftKind.Extra),
            ],
            TrafficControlNames = i => i switch { 3 => "eth0", 2 => "antrea-gw0", _ => null },
        };
        Assert.Equal(
            [(AccelDriftKind.Missing, "qdisc clsact dev eth0"), (AccelDriftKind.Extra, "filter dev #9 ingress prio 100 handle 7"),
             (AccelDriftKind.Extra, "filter dev antrea-gw0 ingress prio 101 handle 8")],
            plan.Drift().Select(d => (d.Kind, d.Object)));
        Assert.Equal(
            [(AccelDriftKind.Missing, "qdisc clsact dev #3")],
            new SyncPlan(7, _ => null) { TrafficControl = [plan.TrafficControl[0]] }.Drift().Select(d => (d.Kind, d.Object)));
    }
}
