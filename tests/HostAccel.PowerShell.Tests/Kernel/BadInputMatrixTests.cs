using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// Every bad input of issue 7 in one place, through the plans the cmdlets use, each run as a cmdlet runs it (prepare,
/// accept, commit): the error's id, category, target and words, and `nft -j list ruleset` — handles included —
/// byte-identical before and after. Some rows repeat cases tested next to their feature; here the matrix is whole.
/// </summary>
public sealed class BadInputMatrixTests : EngineTest
{
    /// <summary>HostAccel's tables of both families, each with its peer Pod CIDR set holding one prefix.</summary>
    private const string Owned = """
        table ip antrea {
            comment "Rules for Antrea"
            set peer-pod-cidr { type ipv4_addr; flags interval; comment "Set for storing IPv4 peer Pods CIDRs"; elements = { 10.244.0.0/16 }; }
        }
        table ip6 antrea {
            comment "Rules for Antrea"
            set peer-pod-cidr { type ipv6_addr; flags interval; comment "Set for storing IPv6 peer Pods CIDRs"; elements = { fd00:10:244::/56 }; }
        }
        """;

    /// <summary>
    /// What a first Enable-Fastpath on antrea-gw0 and eth0 leaves, as far as this kernel can hold it: the `flow add`
    /// statement needs a flowtable, which the kernel here cannot build.
    /// </summary>
    private const string Enabled = """
        table ip antrea {
            comment "Rules for Antrea"
            set peer-pod-cidr { type ipv4_addr; flags interval; comment "Set for storing IPv4 peer Pods CIDRs"; elements = { 10.244.0.0/16 }; }
            chain forward {
                comment "Forward chain for storing rules"
                type filter hook forward priority filter; policy accept;
                iif "antrea-gw0" ip saddr 10.244.2.0/24 oif "eth0" ip daddr @peer-pod-cidr counter comment "Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs"
                iif "eth0" ip saddr @peer-pod-cidr oif "antrea-gw0" ip daddr 10.244.2.0/24 counter comment "Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR"
            }
        }
        """;

    /// <summary>Tables with HostAccel's names and shapes that someone else wrote.</summary>
    private const string Foreign = """
        table ip antrea {
            comment "someone else's"
            set peer-pod-cidr { type ipv4_addr; flags interval; elements = { 10.244.0.0/16 }; }
            chain forward { type filter hook forward priority filter; policy accept; counter; }
        }
        table ip filter { chain input { type filter hook input priority filter; policy accept; }; }
        """;

    /// <summary>
    /// Issue 19's table: the seed's comment (which Antrea's agent writes too) on a table nft made, holding someone's
    /// firewall. The comment does not make it HostAccel's.
    /// </summary>
    private const string SeedCommentNoMark = """
        table ip antrea {
            comment "Rules for Antrea"
            set blocklist { type ipv4_addr; flags interval; elements = { 192.0.2.0/24 }; }
            chain guard { type filter hook input priority 0; policy drop; ip saddr @blocklist drop; }
        }
        """;

    private const string SeedTable = "table ip antrea { comment \"Rules for Antrea\"; }";

    private const string Table = "antrea";
    private const string Set = "peer-pod-cidr";

    private static readonly string Ascii129 = new('c', 129);
    private static readonly string Ascii300 = new('c', 300);

    /// <summary>43 characters, 129 bytes: the limit is in bytes.</summary>
    private static readonly string Euro129 = new('€', 43);

    /// <param name="Ruleset">loaded with nft -f before the case; empty for none</param>
    /// <param name="Act">the cmdlet's engine calls, ending with the commit a cmdlet would make</param>
    /// <param name="Target">the error's TargetObject, as text (null where the call has no single value at fault)</param>
    /// <param name="Says">words the message must hold, naming the value at fault</param>
    /// <param name="Device">a further device the namespace needs</param>
    private sealed record Case(string Ruleset, Action<AccelSession> Act, string ErrorId, FailureKind Kind, string? Target, string Says, string? Device = null);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        // Malformed CIDRs.
        ["add: three octets"] = new(Owned, s => Add(s, "10.245.0/24"), ErrorIds.InvalidCidr, FailureKind.InvalidArgument, "10.245.0/24", "'10.245.0/24' is not a CIDR"),
        ["add: not a CIDR"] = new(Owned, s => Add(s, "not-a-cidr"), ErrorIds.InvalidCidr, FailureKind.InvalidArgument, "not-a-cidr", "'not-a-cidr' is not a CIDR"),
        ["add: /33"] = new(Owned, s => Add(s, "10.245.0.0/33"), ErrorIds.InvalidCidr, FailureKind.InvalidArgument, "10.245.0.0/33", "from 0 to 32"),
        ["add: /129"] = new(Owned, s => Add(s, "fd00:10:245::/129"), ErrorIds.InvalidCidr, FailureKind.InvalidArgument, "fd00:10:245::/129", "from 0 to 128"),
        ["add: two ::"] = new(Owned, s => Add(s, "fd00::10::/64"), ErrorIds.InvalidCidr, FailureKind.InvalidArgument, "fd00::10::/64", "'fd00::10::/64' is not a CIDR"),
        ["add: empty"] = new(Owned, s => Add(s, ""), ErrorIds.InvalidCidr, FailureKind.InvalidArgument, "", "an empty string is not a CIDR"),
        ["add: zone index"] = new(Owned, s => Add(s, "fe80::%eth0/64"), ErrorIds.InvalidCidr, FailureKind.InvalidArgument, "fe80::%eth0/64", "is not an IP address"),
        ["remove: no length"] = new(Owned, s => Remove(s, "10.244.0.0/"), ErrorIds.InvalidCidr, FailureKind.InvalidArgument, "10.244.0.0/", "'10.244.0.0/' is not a CIDR"),
        ["enable: malformed local"] = new("", s => Enable(s, Request(local: "10.244.2/24")), ErrorIds.InvalidCidr, FailureKind.InvalidArgument, "10.244.2/24", "'10.244.2/24' is not a CIDR"),

        // Host bits set.
        ["add: IPv4 host bits"] = new(Owned, s => Add(s, "10.245.0.1/24"), ErrorIds.HostBitsSet, FailureKind.InvalidArgument, "10.245.0.1/24", "did you mean 10.245.0.0/24?"),
        ["add: IPv6 host bits"] = new(Owned, s => Add(s, "fd00:10:245::1/64"), ErrorIds.HostBitsSet, FailureKind.InvalidArgument, "fd00:10:245::1/64", "did you mean fd00:10:245::/64?"),
        ["remove: host bits"] = new(Owned, s => Remove(s, "10.244.0.1/16"), ErrorIds.HostBitsSet, FailureKind.InvalidArgument, "10.244.0.1/16", "did you mean 10.244.0.0/16?"),
        ["enable: local host bits"] = new("", s => Enable(s, Request(local: "10.244.2.1/24")), ErrorIds.HostBitsSet, FailureKind.InvalidArgument, "10.244.2.1/24", "did you mean 10.244.2.0/24?"),

        // A prefix of the other family than the table asked for.
        ["add: IPv6 into ip"] = new(Owned, s => Add(s, "fd00:10:245::/64", AccelFamily.Ip), ErrorIds.WrongFamily, FailureKind.InvalidArgument, "fd00:10:245::/64", "belongs in an ip6 table, not ip"),
        ["add: IPv4 into ip6"] = new(Owned, s => Add(s, "10.245.0.0/24", AccelFamily.Ip6), ErrorIds.WrongFamily, FailureKind.InvalidArgument, "10.245.0.0/24", "belongs in an ip table, not ip6"),
        ["add: into inet"] = new(Owned, s => Add(s, "10.245.0.0/24", AccelFamily.Inet), ErrorIds.WrongFamily, FailureKind.InvalidArgument, "10.245.0.0/24", "not inet"),
        ["remove: IPv6 from ip"] = new(Owned, s => Remove(s, "fd00:10:244::/56", AccelFamily.Ip), ErrorIds.WrongFamily, FailureKind.InvalidArgument, "fd00:10:244::/56", "not ip"),
        ["enable: IPv6 local, ip asked"] = new("", s => Enable(s, Request(local: "fd00:10:244:2::/64", family: AccelFamily.Ip)), ErrorIds.WrongFamily, FailureKind.InvalidArgument, "fd00:10:244:2::/64", "only ip was asked for"),
        ["enable: two IPv4 locals"] = new("", s => Enable(s, Request(locals: ["10.244.2.0/24", "10.244.3.0/24"])), ErrorIds.InvalidArgument, FailureKind.InvalidArgument, "10.244.3.0/24", "one local Pod CIDR per family"),

        // The whole address space would accelerate every forwarded connection.
        ["add: 0.0.0.0/0"] = new(Owned, s => Add(s, "0.0.0.0/0"), ErrorIds.InvalidCidr, FailureKind.InvalidArgument, "0.0.0.0/0", "0.0.0.0/0 is the whole IPv4 address space"),
        ["add: ::/0"] = new(Owned, s => Add(s, "::/0"), ErrorIds.InvalidCidr, FailureKind.InvalidArgument, "::/0", "::/0 is the whole IPv6 address space"),
        ["add: 0.0.0.0/0 into an empty table"] = new("table ip antrea { comment \"Rules for Antrea\"; }", s => Add(s, "0.0.0.0/0"), ErrorIds.InvalidCidr, FailureKind.InvalidArgument, "0.0.0.0/0", "whole IPv4 address space"),
        ["enable: local 0.0.0.0/0"] = new("", s => Enable(s, Request(local: "0.0.0.0/0")), ErrorIds.InvalidCidr, FailureKind.InvalidArgument, "0.0.0.0/0", "0.0.0.0/0 is the whole IPv4 address space"),
        ["enable: local ::/0"] = new("", s => Enable(s, Request(local: "::/0")), ErrorIds.InvalidCidr, FailureKind.InvalidArgument, "::/0", "::/0 is the whole IPv6 address space"),

        // Overlaps: an interval set cannot hold both, and removing one would remove the other's addresses.
        ["add: inside a prefix held"] = new(Owned, s => Add(s, "10.244.1.0/24"), ErrorIds.OverlappingCidr, FailureKind.ResourceExists, "10.244.1.0/24", "10.244.1.0/24 overlaps 10.244.0.0/16"),
        ["add: around a prefix held"] = new(Owned, s => Add(s, "10.0.0.0/8"), ErrorIds.OverlappingCidr, FailureKind.ResourceExists, "10.0.0.0/8", "10.0.0.0/8 overlaps 10.244.0.0/16"),
        ["add: IPv6 inside a prefix held"] = new(Owned, s => Add(s, "fd00:10:244:1::/64"), ErrorIds.OverlappingCidr, FailureKind.ResourceExists, "fd00:10:244:1::/64", "overlaps fd00:10:244::/56"),
        ["add: overlapping an earlier input"] = new(Owned, s => Add(s, "10.245.0.0/24", "10.245.0.128/25"), ErrorIds.OverlappingCidr, FailureKind.ResourceExists, "10.245.0.128/25", "(added earlier in this call)"),
        ["remove: inside a prefix held"] = new(Owned, s => Remove(s, "10.244.1.0/24"), ErrorIds.CidrNotFound, FailureKind.ObjectNotFound, "10.244.1.0/24", "(it holds 10.244.0.0/16, which overlaps it)"),
        ["remove: not held"] = new(Owned, s => Remove(s, "10.245.0.0/24"), ErrorIds.CidrNotFound, FailureKind.ObjectNotFound, "10.245.0.0/24", "does not hold 10.245.0.0/24"),

        // Devices.
        ["enable: unknown transport"] = new("", s => Enable(s, Request(transport: "eth9")), ErrorIds.UnknownInterface, FailureKind.ObjectNotFound, "eth9", "there is no network device 'eth9'"),
        ["enable: unknown gateway"] = new("", s => Enable(s, Request(gateway: "antrea-gw9")), ErrorIds.UnknownInterface, FailureKind.ObjectNotFound, "antrea-gw9", "there is no network device 'antrea-gw9'"),
        ["enable: 16-character transport"] = new("", s => Enable(s, Request(transport: "eth0.1234567890a")), ErrorIds.InvalidArgument, FailureKind.InvalidArgument, "eth0.1234567890a", "TransportInterface: 'eth0.1234567890a' is not a device name: 1 to 15 bytes"),
        ["enable: 20-character gateway"] = new("", s => Enable(s, Request(gateway: "antrea-gateway-00001")), ErrorIds.InvalidArgument, FailureKind.InvalidArgument, "antrea-gateway-00001", "GatewayInterface: 'antrea-gateway-00001' is not a device name"),
        ["enable: 12 characters, 19 bytes"] = new("", s => Enable(s, Request(transport: "eth-ééééééé")), ErrorIds.InvalidArgument, FailureKind.InvalidArgument, "eth-ééééééé", "'eth-ééééééé' is not a device name: 1 to 15 bytes"),
        ["enable: device name with a slash"] = new("", s => Enable(s, Request(transport: "eth0/1")), ErrorIds.InvalidArgument, FailureKind.InvalidArgument, "eth0/1", "'eth0/1' is not a device name"),
        ["enable: no transport device"] = new("", s => Enable(s, Request(transport: "")), ErrorIds.InvalidArgument, FailureKind.InvalidArgument, "", "TransportInterface is empty"),
        ["enable: no devices at all"] = new("", s => Enable(s, Request(gateway: "", transport: "")), ErrorIds.InvalidArgument, FailureKind.InvalidArgument, "", "GatewayInterface is empty"),
        ["enable: one device twice"] = new("", s => Enable(s, Request(gateway: "eth0", transport: "eth0")), ErrorIds.InvalidArgument, FailureKind.InvalidArgument, "eth0", "must differ, both are 'eth0'"),
        ["enable: no local Pod CIDR"] = new("", s => Enable(s, Request(locals: [])), ErrorIds.InvalidArgument, FailureKind.InvalidArgument, null, "at least one local Pod CIDR"),

        // Comments: nft keeps at most 128 bytes (NFTNL_UDATA_COMMENT_MAXLEN) and could not load a longer one back.
        ["new table: 129-byte comment"] = new("", s => NewTable(s, AccelFamily.Ip, "edge", Ascii129), ErrorIds.InvalidArgument, FailureKind.InvalidArgument, Ascii129, "Comment is 129 bytes"),
        ["new table: 300-byte comment"] = new("", s => NewTable(s, AccelFamily.Ip6, "edge", Ascii300), ErrorIds.InvalidArgument, FailureKind.InvalidArgument, Ascii300, "Comment is 300 bytes"),
        ["add: 129-byte set comment"] = new("table ip antrea { comment \"Rules for Antrea\"; }", s => Add(s, ["10.245.0.0/24"], setComment: Ascii129), ErrorIds.InvalidArgument, FailureKind.InvalidArgument, Ascii129, "SetComment is 129 bytes"),
        ["enable: 129-byte table comment"] = new("", s => Enable(s, Request(tableComment: Ascii129)), ErrorIds.InvalidArgument, FailureKind.InvalidArgument, Ascii129, "TableComment is 129 bytes"),
        ["enable: 300-byte chain comment"] = new("", s => Enable(s, Request(chainComment: Ascii300)), ErrorIds.InvalidArgument, FailureKind.InvalidArgument, Ascii300, "ChainComment is 300 bytes"),
        ["enable: 129-byte set comment in 43 characters"] = new("", s => Enable(s, Request(setComment: Euro129)), ErrorIds.InvalidArgument, FailureKind.InvalidArgument, Euro129, "SetComment is 129 bytes"),
        ["enable: 129-byte outbound rule comment"] = new("", s => Enable(s, Request(outboundComment: Ascii129)), ErrorIds.InvalidArgument, FailureKind.InvalidArgument, Ascii129, "OutboundRuleComment is 129 bytes"),
        ["enable: 129-byte inbound rule comment"] = new("", s => Enable(s, Request(inboundComment: Ascii129)), ErrorIds.InvalidArgument, FailureKind.InvalidArgument, Ascii129, "InboundRuleComment is 129 bytes"),

        // Missing table, set and chain.
        ["add: missing table"] = new("", s => Add(s, "10.245.0.0/24"), ErrorIds.TableNotFound, FailureKind.ObjectNotFound, "table ip antrea", "there is no table ip antrea"),
        ["remove: missing table"] = new("", s => Remove(s, "10.244.0.0/16"), ErrorIds.TableNotFound, FailureKind.ObjectNotFound, "table ip antrea", "there is no table ip antrea"),
        ["remove: missing set"] = new(Owned, s => Remove(s, "10.244.0.0/16", set: "peer-node-ip"), ErrorIds.SetNotFound, FailureKind.ObjectNotFound, "set ip antrea peer-node-ip", "has no set peer-node-ip"),
        ["remove table: missing"] = new(Owned, s => RemoveTable(s, "edge"), ErrorIds.TableNotFound, FailureKind.ObjectNotFound, "edge", "no ip, ip6 or inet table named edge"),
        ["remove table: missing in the family asked"] = new("table ip edge { comment \"Rules for Antrea\"; }", s => RemoveTable(s, "edge", AccelFamily.Inet), ErrorIds.TableNotFound, FailureKind.ObjectNotFound, "edge", "there is no table inet edge"),
        ["disable: missing chain and flowtable"] = new(Owned, s => Disable(s, AccelFamily.Ip), ErrorIds.FastpathNotFound, FailureKind.ObjectNotFound, "table ip antrea", "has neither flowtable fastpath nor chain forward"),
        ["disable: missing table"] = new(Owned, s => Disable(s, AccelFamily.Ip, table: "edge"), ErrorIds.TableNotFound, FailureKind.ObjectNotFound, "table ip edge", "there is no table ip edge"),
        ["reset counters: missing chain"] = new(Enabled, s => Counters.Reset(s, Native.Nftables.NftFamily.Ip, Table, "accelerate", false, CancellationToken.None), ErrorIds.FastpathNotFound, FailureKind.ObjectNotFound, "chain ip antrea accelerate", "has no chain accelerate"),

        // Names HostAccel uses, on objects it does not own.
        ["new table: name of a foreign table"] = new(Foreign, s => NewTable(s, AccelFamily.Ip, "filter", Engine.Design.TableComment), ErrorIds.TableExists, FailureKind.ResourceExists, "table ip filter { comment \"Rules for Antrea\"; }", "already exists and is not HostAccel's"),
        ["enable: in a foreign table"] = new(Foreign, s => Enable(s, Request()), ErrorIds.TableNotOwned, FailureKind.InvalidOperation, "table ip antrea { comment \"someone else's\"; }", "was not created by HostAccel"),
        ["add: in a foreign table"] = new(Foreign, s => Add(s, "10.245.0.0/24"), ErrorIds.TableNotOwned, FailureKind.InvalidOperation, "table ip antrea { comment \"someone else's\"; }", "unless -Force is given"),
        ["remove: from a foreign table"] = new(Foreign, s => Remove(s, "10.244.0.0/16"), ErrorIds.TableNotOwned, FailureKind.InvalidOperation, "table ip antrea { comment \"someone else's\"; }", "unless -Force is given"),
        ["disable: in a foreign table"] = new(Foreign, s => Disable(s, AccelFamily.Ip), ErrorIds.TableNotOwned, FailureKind.InvalidOperation, "table ip antrea { comment \"someone else's\"; }", "unless -Force is given"),
        ["remove table: foreign"] = new(Foreign, s => RemoveTable(s, "filter"), ErrorIds.TableNotOwned, FailureKind.InvalidOperation, "table ip filter", "it carries no HostAccel mark"),
        ["reset counters: in a foreign table"] = new(Foreign, s => Counters.Reset(s, Native.Nftables.NftFamily.Ip, Table, "forward", false, CancellationToken.None), ErrorIds.TableNotOwned, FailureKind.InvalidOperation, "table ip antrea { comment \"someone else's\"; }", "was not created by HostAccel"),
        ["add: in a table with only the seed's comment"] = new(SeedCommentNoMark, s => Add(s, "10.245.0.0/24"), ErrorIds.TableNotOwned, FailureKind.InvalidOperation, SeedTable, "carries no HostAccel mark"),
        ["remove: from a table with only the seed's comment"] = new(SeedCommentNoMark, s => Remove(s, "192.0.2.0/24", set: "blocklist"), ErrorIds.TableNotOwned, FailureKind.InvalidOperation, SeedTable, "unless -Force is given"),
        ["enable: in a table with only the seed's comment"] = new(SeedCommentNoMark, s => Enable(s, Request()), ErrorIds.TableNotOwned, FailureKind.InvalidOperation, SeedTable, "its comment does not make it HostAccel's"),
        ["disable: in a table with only the seed's comment"] = new(SeedCommentNoMark, s => Disable(s, AccelFamily.Ip, chain: "guard"), ErrorIds.TableNotOwned, FailureKind.InvalidOperation, SeedTable, "unless -Force is given"),
        ["remove table: only the seed's comment"] = new(SeedCommentNoMark, s => RemoveTable(s, "antrea"), ErrorIds.TableNotOwned, FailureKind.InvalidOperation, SeedTable, "was not created by HostAccel"),
        ["reset counters: in a table with only the seed's comment"] = new(SeedCommentNoMark, s => Counters.Reset(s, Native.Nftables.NftFamily.Ip, Table, "guard", false, CancellationToken.None), ErrorIds.TableNotOwned, FailureKind.InvalidOperation, SeedTable, "was not created by HostAccel"),
        ["add: a set of that name that is no interval set"] = new("table ip antrea { comment \"Rules for Antrea\"; set peer-pod-cidr { type ipv4_addr; }; }", s => Add(s, "10.245.0.0/24"), ErrorIds.SetMismatch, FailureKind.InvalidOperation, "set ip antrea peer-pod-cidr { type ipv4_addr; }", "is not an interval set of IPv4 addresses"),
        ["enable: a chain of that name on another hook"] = new("table ip antrea { comment \"Rules for Antrea\"; chain forward { type filter hook input priority filter; policy accept; }; }", s => Enable(s, Request()), ErrorIds.FastpathConflict, FailureKind.ResourceExists, "table ip antrea", "is not a filter chain on the forward hook"),

        // A second Enable-Fastpath with other devices. The flowtable that would carry the first call's devices cannot
        // exist on this kernel (its refusal without -Force is checked in the VM, tests/HostAccel.VmChecks); what is
        // reachable here is the chain the first call filled: rules for other devices are a conflict.
        ["enable again: other transport device"] = new(Enabled, s => Enable(s, Request(transport: "eth1")), ErrorIds.FastpathConflict, FailureKind.ResourceExists, "table ip antrea", "already holds 2 other rules: Disable-Fastpath first, or use -Force", "eth1"),
        ["enable again: other devices, forced"] = new(Enabled, s => Enable(s, Request(gateway: "eth1", transport: "antrea-gw0", force: true)), ErrorIds.FlowtableNotSupported, FailureKind.NotImplemented, "table ip antrea", "adding flowtable ip antrea fastpath", "eth1"),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void IsRefusedNamingTheValueAndTheRulesetStaysByteIdentical(string name)
    {
        Case c = Cases[name];
        if (c.Device is not null)
        {
            Ns.AddDevice(c.Device, $"{c.Device}-peer");
        }

        if (c.Ruleset == Foreign || c.Ruleset == SeedCommentNoMark)
        {
            Ns.NftLoad(c.Ruleset);
        }
        else if (c.Ruleset.Length > 0)
        {
            NftLoadOwned(c.Ruleset);
        }

        string before = JsonRuleset();
        HostAccelException failure = Assert.Throws<HostAccelException>(() => c.Act(Session));
        Assert.Equal((c.ErrorId, c.Kind), (failure.ErrorId, failure.Kind));
        Assert.Equal(c.Target, failure.TargetObject?.ToString());
        Assert.Contains(c.Says, failure.Message, StringComparison.Ordinal);
        Assert.Equal(before, JsonRuleset());
    }

    /// <summary>
    /// The duplicate policy: a prefix the set already holds, given once or several times in one call, is nothing to
    /// do — no error, no statement, no commit — and the ruleset stays byte-identical.
    /// </summary>
    [Theory]
    [InlineData("10.244.0.0/16")]
    [InlineData("10.244.0.0/16", "10.244.0.0/16")]
    [InlineData("fd00:10:244::/56")]
    public void APrefixTheSetAlreadyHoldsIsNothingToDo(params string[] cidrs)
    {
        NftLoadOwned(Owned);
        string before = JsonRuleset();
        // The set is not read to find out: the kernel takes an interval it holds exactly as nothing to do.
        var plan = new AddPeerPodCidrPlan(Session);
        foreach (string cidr in cidrs)
        {
            PlannedChange<PeerPodCidr> change = plan.Prepare(cidr, null, Table, Set, null, force: false);
            Assert.Equal(cidr, change.Result.Cidr);
            plan.Accept(change);
        }

        Assert.Equal([$"add element {(cidrs[0].Contains(':', StringComparison.Ordinal) ? "ip6" : "ip")} antrea peer-pod-cidr {{ {cidrs[0]} }}"], plan.Statements);
        plan.Commit(CancellationToken.None);
        Assert.Equal(before, JsonRuleset());
    }

    [Fact]
    public void ANewPrefixGivenTwiceInOneCallIsAddedOnce()
    {
        NftLoadOwned(Owned);
        var plan = new AddPeerPodCidrPlan(Session);
        PlannedChange<PeerPodCidr> first = plan.Prepare("10.245.0.0/24", null, Table, Set, null, force: false);
        plan.Accept(first);
        PlannedChange<PeerPodCidr> again = plan.Prepare("10.245.0.0/24", null, Table, Set, null, force: false);
        Assert.True(again.IsEmpty);
        plan.Accept(again);
        Assert.Equal(["add element ip antrea peer-pod-cidr { 10.245.0.0/24 }"], plan.Statements);
        Assert.True(plan.Commit(CancellationToken.None));
        Assert.Contains("elements = { 10.244.0.0/16, 10.245.0.0/24 }", Fold(Ns.Nft("list", "set", "ip", Table, Set)), StringComparison.Ordinal);
    }

    /// <summary>The limits are not one byte too strict: 128 bytes and 15-byte device names are accepted.</summary>
    [Fact]
    public void ACommentOf128BytesAndADeviceNameOf15BytesAreAccepted()
    {
        string comment = new('c', 128);
        NewTable(Session, AccelFamily.Ip, "edge", comment);
        Assert.Contains($"comment \"{comment}\"", Ns.Nft("list", "table", "ip", "edge"), StringComparison.Ordinal);

        Ns.AddDevice("eth0.1234567890", "longname-peer");
        PlannedChange<Fastpath> change = Assert.Single(new EnableFastpathPlan(Session).Prepare(Request(transport: "eth0.1234567890", tableComment: new string('€', 42) + "cc")));
        Assert.Equal(["antrea-gw0", "eth0.1234567890"], change.Result.Devices);
    }

    [Fact]
    public void OneBadInputAmongGoodOnesMeansNothingIsApplied()
    {
        NftLoadOwned(Owned);
        string before = JsonRuleset();
        var plan = new AddPeerPodCidrPlan(Session);
        plan.Accept(plan.Prepare("10.245.0.0/24", null, Table, Set, null, false));
        Assert.Equal(ErrorIds.InvalidCidr, Assert.Throws<HostAccelException>(() => plan.Prepare("0.0.0.0/0", null, Table, Set, null, false)).ErrorId);
        plan.Reject();
        plan.Accept(plan.Prepare("10.246.0.0/24", null, Table, Set, null, false));
        HostAccelException failure = Assert.Throws<HostAccelException>(() => plan.Commit(CancellationToken.None));
        Assert.Equal((ErrorIds.NothingApplied, FailureKind.InvalidOperation), (failure.ErrorId, failure.Kind));
        Assert.Contains("1 of 3 inputs were rejected", failure.Message, StringComparison.Ordinal);
        Assert.Equal(before, JsonRuleset());
    }

    /// <summary>Removing a /0 that someone else put in the set stays possible: only adding one is refused.</summary>
    [Fact]
    public void AWholeAddressSpacePrefixAlreadyInTheSetCanBeRemoved()
    {
        NftLoadOwned("table ip antrea { comment \"Rules for Antrea\"; set peer-pod-cidr { type ipv4_addr; flags interval; elements = { 0.0.0.0/0 }; }; }");
        Remove(Session, "0.0.0.0/0");
        Assert.DoesNotContain("elements", Ns.Nft("list", "set", "ip", Table, Set), StringComparison.Ordinal);
    }

    private string JsonRuleset() => Ns.Nft("-j", "list", "ruleset");

    private static EnableFastpathRequest Request(string local = "10.244.2.0/24", string[]? locals = null, string gateway = Engine.Design.GatewayInterface,
        string transport = "eth0", AccelFamily? family = null, string tableComment = Engine.Design.TableComment, string chainComment = Engine.Design.ChainComment,
        string? setComment = null, string? outboundComment = null, string? inboundComment = null, bool force = false) => new()
    {
        LocalPodCidr = locals ?? [local],
        GatewayInterface = gateway,
        TransportInterface = transport,
        Family = family is AccelFamily f ? [f] : null,
        TableComment = tableComment,
        ChainComment = chainComment,
        SetComment = setComment,
        OutboundRuleComment = outboundComment,
        InboundRuleComment = inboundComment,
        Force = force,
    };

    private static void Enable(AccelSession session, EnableFastpathRequest request)
    {
        var plan = new EnableFastpathPlan(session);
        foreach (PlannedChange<Fastpath> change in plan.Prepare(request))
        {
            plan.Accept(change);
        }

        plan.Commit(CancellationToken.None);
    }

    private static void Add(AccelSession session, params string[] cidrs) => Add(session, cidrs, null);

    private static void Add(AccelSession session, string cidr, AccelFamily family) => Add(session, [cidr], family);

    private static void Add(AccelSession session, string[] cidrs, AccelFamily? family = null, string? setComment = null)
    {
        var plan = new AddPeerPodCidrPlan(session);
        foreach (string cidr in cidrs)
        {
            plan.Accept(plan.Prepare(cidr, family is AccelFamily f ? [f] : null, Table, Set, setComment, force: false));
        }

        plan.Commit(CancellationToken.None);
    }

    private static void Remove(AccelSession session, string cidr, AccelFamily? family = null, string set = Set)
    {
        var plan = new RemovePeerPodCidrPlan(session);
        plan.Accept(plan.Prepare(cidr, family is AccelFamily f ? [f] : null, Table, set, force: false));
        plan.Commit(CancellationToken.None);
    }

    private static void NewTable(AccelSession session, AccelFamily family, string name, string comment)
    {
        NewTablePlan plan = Tables.PlanNew(session);
        plan.Accept(plan.Prepare(family, name, comment));
        plan.Commit(CancellationToken.None);
    }

    private static void RemoveTable(AccelSession session, string name, AccelFamily? family = null)
    {
        RemoveTablePlan plan = Tables.PlanRemove(session);
        foreach (PlannedChange<AccelTable> change in plan.Prepare(family is AccelFamily f ? [f] : null, name, force: false))
        {
            plan.Accept(change);
        }

        plan.Commit(CancellationToken.None);
    }

    private static void Disable(AccelSession session, AccelFamily family, string table = Table, string chain = Engine.Design.ChainName)
    {
        var plan = new DisableFastpathPlan(session);
        foreach (PlannedChange<Fastpath> change in plan.Prepare([family], table, Engine.Design.FlowtableName, chain, force: false))
        {
            plan.Accept(change);
        }

        plan.Commit(CancellationToken.None);
    }
}
