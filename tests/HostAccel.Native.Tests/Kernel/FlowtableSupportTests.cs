using System.Text.Json;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>
/// The probe and flowtables on whatever kernel runs the tests: this host's has no flowtable support, the VM's has.
/// Each test asks nft first, independently, and asserts what is right for that kernel.
/// </summary>
public sealed class FlowtableSupportTests : NamespaceTest
{
    private readonly bool _kernelHasFlowtables;

    public FlowtableSupportTests()
    {
        Ns.AddDevice("veth-a", "veth-b");
        _kernelHasFlowtables = NftCanAddAFlowtable();
    }

    [Fact]
    public void TheProbeAgreesWithNftAndLeavesNothingBehind()
    {
        Ns.NftLoad("table ip keep { chain c { counter; }; }");
        string before = NftOracle.Ruleset(Ns);
        uint generation = Nft.GetGeneration();

        KernelSupportReport report = KernelSupport.Probe(Ns.Name);

        Assert.True(report.Privileged);
        Assert.True(report.NfTables);
        Assert.Equal(_kernelHasFlowtables, report.Flowtable);
        Assert.Equal(_kernelHasFlowtables, report.Supported);
        if (_kernelHasFlowtables)
        {
            Assert.DoesNotContain(report.Reasons, r => r.Contains("CONFIG_NF_FLOW_TABLE", StringComparison.Ordinal));
            // The counter flag (Linux 5.7+) is probed with a flowtable of its own: nft agrees on it too.
            Assert.Equal(NftCanAddAFlowtable(counter: true), report.FlowtableCounter);
        }
        else
        {
            Assert.False(report.FlowtableCounter);
            Assert.Contains(report.Reasons, r => r.Contains("CONFIG_NF_FLOW_TABLE", StringComparison.Ordinal));
        }

        // The probe's batch is aborted: no scratch table, and an aborted batch does not move the generation.
        Assert.Equal(before, NftOracle.Ruleset(Ns));
        Assert.Equal(generation, Nft.GetGeneration());
    }

    /// <summary>
    /// Conntrack accounting is a setting of each network namespace: the probe reads the namespace's own, whatever
    /// the caller's namespace says.
    /// </summary>
    [Fact]
    public void ConntrackAccountingIsReadInTheNamespaceAsked()
    {
        string host = File.ReadAllText("/proc/sys/net/netfilter/nf_conntrack_acct").Trim();
        foreach (string value in host == "0" ? new[] { "1", "0" } : ["0", "1"])
        {
            Ns.Exec("sysctl", "-qw", $"net.netfilter.nf_conntrack_acct={value}");
            Assert.Equal(value == "1", KernelSupport.ConntrackAccounting(Ns.Name));
            Assert.Equal(value == "1", KernelSupport.Probe(Ns.Name).ConntrackAccounting);
        }

        Assert.Equal(host != "0", KernelSupport.ConntrackAccounting());
    }

    [Fact]
    public void TheProbeInAnEmptyNamespaceLeavesItEmpty()
    {
        uint generation = Nft.GetGeneration();
        KernelSupport.Probe(Ns.Name);
        Assert.Equal("", Ns.Nft("list", "ruleset").Trim());
        Assert.Empty(Nft.ListTables());
        Assert.Equal(generation, Nft.GetGeneration());
    }

    [Fact]
    public void AddingAFlowtableCreatesItWhereSupportedAndOtherwiseFailsNamingTheKernelOptionAndChangesNothing()
    {
        Ns.NftLoad("table ip antrea { chain forward { type filter hook forward priority filter; policy accept; }; }");
        string before = NftOracle.Ruleset(Ns);
        uint generation = Nft.GetGeneration();
        KernelSupportReport report = KernelSupport.Probe(Ns.Name);
        var flowtable = new NftFlowtable(NftFamily.Ip, "antrea", "fastpath")
        {
            Priority = 0,
            Devices = new[] { "veth-a", "veth-b" },
            Flags = report.FlowtableCounter ? FlowtableFlags.Counter : FlowtableFlags.None,
        };
        var tx = new NftTransaction();
        tx.AddFlowtable(flowtable);
        tx.AddRule(new RuleBuilder(NftFamily.Ip, "antrea", "forward").FlowAdd("fastpath").Counter().Build());

        if (!_kernelHasFlowtables)
        {
            NetlinkException error = Assert.Throws<NetlinkException>(() => Nft.Commit(tx));
            Assert.Equal("adding flowtable ip antrea fastpath", error.Operation);
            Assert.Contains("CONFIG_NF_FLOW_TABLE", error.Message, StringComparison.Ordinal);
            Assert.Contains("CONFIG_NF_FLOW_TABLE", error.Hint, StringComparison.Ordinal);
            Assert.Equal(before, NftOracle.Ruleset(Ns));
            Assert.Equal(generation, Nft.GetGeneration());
            Assert.Empty(Nft.ListFlowtables());
            return;
        }

        Nft.Commit(tx);
        NftFlowtable listed = Assert.Single(Nft.ListFlowtables(NftFamily.Ip, "antrea"));
        Assert.Equal(flowtable with { Devices = Array.Empty<string>() }, listed with { Handle = 0, Devices = Array.Empty<string>() });
        Assert.Equal(["veth-a", "veth-b"], listed.Devices.Order(StringComparer.Ordinal));
        Assert.NotEqual(0UL, listed.Handle);

        JsonElement json = Assert.Single(NftOracle.Objects(Ns, "flowtable"));
        Assert.Equal("fastpath", json.GetProperty("name").GetString());
        Assert.Equal("ingress", json.GetProperty("hook").GetString());
        Assert.Equal(0, json.GetProperty("prio").GetInt32());
        Assert.Equal(["veth-a", "veth-b"], Devices(json).Order(StringComparer.Ordinal));
        Assert.Contains("flow add @fastpath", Ns.Nft("list", "chain", "ip", "antrea", "forward"), StringComparison.Ordinal);
        if (report.FlowtableCounter)
        {
            // nft shows the counter flag as a statement of its own, not among the flags.
            Assert.Contains("counter", Ns.Nft("list", "flowtable", "ip", "antrea", "fastpath").Split('\n', StringSplitOptions.TrimEntries));
        }

        // Deleting the rule and the flowtable by what was read back empties the table again.
        var cleanup = new NftTransaction();
        cleanup.DeleteRule(Assert.Single(Nft.ListRules(NftFamily.Ip, "antrea", "forward")));
        cleanup.DeleteFlowtable(listed);
        Nft.Commit(cleanup);
        Assert.Empty(Nft.ListFlowtables());
    }

    [Fact]
    public void AFlowtableOnAMissingTableIsAMissingTableNotAMissingFeature()
    {
        string before = NftOracle.Ruleset(Ns);
        var tx = new NftTransaction();
        tx.AddFlowtable(new NftFlowtable(NftFamily.Ip, "missing", "fastpath") { Devices = new[] { "veth-a" } });
        NetlinkException error = Assert.Throws<NetlinkException>(() => Nft.Commit(tx));
        Assert.Equal(Interop.Errno.ENOENT, error.Errno);
        Assert.Equal("adding flowtable ip missing fastpath", error.Operation);
        Assert.DoesNotContain("CONFIG_NF_FLOW_TABLE", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, NftOracle.Ruleset(Ns));
    }

    [Theory]
    [InlineData(FlowtableFlags.None)]
    [InlineData(FlowtableFlags.HardwareOffload)]
    public void AFlowtableStatementOfADryRunIsValidNftSyntax(FlowtableFlags flags) => CheckDryRunSyntax(flags);

    [Theory]
    [InlineData(FlowtableFlags.Counter)]
    [InlineData(FlowtableFlags.HardwareOffload | FlowtableFlags.Counter)]
    public void AFlowtableStatementWithTheCounterFlagIsValidNftSyntax(FlowtableFlags flags) => CheckDryRunSyntax(flags);

    /// <summary>
    /// nft parses a statement before it asks the kernel anything, so a syntax error shows on any kernel; where
    /// the kernel has flowtables and no hardware offload is asked of a veth, `nft -c` accepts it outright.
    /// </summary>
    private void CheckDryRunSyntax(FlowtableFlags flags)
    {
        Ns.Nft("add", "table", "ip", "antrea");
        string statement = NftStatements.AddFlowtable(new NftFlowtable(NftFamily.Ip, "antrea", "fastpath") { Devices = new[] { "veth-a", "veth-b" }, Flags = flags });
        (int code, _, string error) = Shell.Execute("ip", "netns", "exec", Ns.Name, "nft", "-c", statement);
        Assert.DoesNotContain("syntax error", error, StringComparison.Ordinal);
        if (_kernelHasFlowtables && (flags & FlowtableFlags.HardwareOffload) == 0)
        {
            Assert.True(code == 0, $"nft -c '{statement}': {error}");
        }
        else if (!_kernelHasFlowtables)
        {
            Assert.Contains("No such file or directory", error, StringComparison.Ordinal);
        }
    }

    /// <summary>nft's own answer, in a namespace of its own so that nothing of it is left in the one under test.</summary>
    private static bool NftCanAddAFlowtable(bool counter = false)
    {
        using var scratch = new TestNamespace();
        scratch.AddDevice("ft0", "ft1");
        return Shell.Execute("ip", "netns", "exec", scratch.Name, "nft",
            $"add table ip probe; add flowtable ip probe f {{ hook ingress priority 0; devices = {{ ft0 }};{(counter ? " counter;" : "")} }}").Code == 0;
    }

    private static IEnumerable<string> Devices(JsonElement flowtable) =>
        flowtable.GetProperty("dev") switch
        {
            { ValueKind: JsonValueKind.String } one => [one.GetString()!],
            JsonElement many => many.EnumerateArray().Select(d => d.GetString()!),
        };
}
