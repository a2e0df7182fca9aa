using HostAccel.Native.Interop;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>
/// The nf_tables probe against names: its scratch table and the table its closing delete must not find are named
/// apart from anything a namespace may hold (tables named like their fixed prefixes, or with no name at all, change
/// nothing), and a namespace that does not exist is an error, not a report.
/// </summary>
public sealed class SupportProbeNamingTests : NamespaceTest
{
    [Fact]
    public void TablesNamedLikeTheProbesOwnDoNotChangeItsAnswer()
    {
        KernelSupportReport expected = KernelSupport.Probe(Ns.Name);

        var tx = new NftTransaction();
        foreach (string name in new[] { "", "hostaccel-probe-", "hostaccel-probe-absent-" })
        {
            tx.AddTable(new NftTable(NftFamily.Ip, name));
        }

        Nft.Commit(tx);
        string before = NftOracle.Ruleset(Ns);
        uint generation = Nft.GetGeneration();

        KernelSupportReport report = KernelSupport.Probe(Ns.Name);

        Assert.True(report.Privileged);
        Assert.True(report.NfTables);
        Assert.Equal((expected.Flowtable, expected.FlowtableCounter), (report.Flowtable, report.FlowtableCounter));
        Assert.Equal(expected.Reasons, report.Reasons);
        Assert.DoesNotContain(report.Reasons, r => r.StartsWith("nf_tables is not available", StringComparison.Ordinal));
        Assert.Equal(3, Nft.ListTables().Count);
        Assert.Equal(before, NftOracle.Ruleset(Ns));
        Assert.Equal(generation, Nft.GetGeneration());
    }

    [Fact]
    public void ProbingANamespaceThatDoesNotExistFailsNamingIt()
    {
        string missing = $"ha-missing-{Guid.NewGuid():N}"[..20];
        SystemCallException error = Assert.Throws<SystemCallException>(() => KernelSupport.Probe(missing));
        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.Equal(KernelReason.NamespaceNotFound, error.Reason);
        Assert.Contains($"network namespace '{missing}'", error.Message, StringComparison.Ordinal);
    }
}
