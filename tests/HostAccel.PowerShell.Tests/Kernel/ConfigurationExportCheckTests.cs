using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// Get-AccelConfiguration's check of its answer on the kernel: tables HostAccel owns that no one configuration
/// describes are refused as StateNotExpressible, the message naming the first four things a sync of the closest
/// configuration would change and counting the rest; tables read with -IncludeForeign, one of them not HostAccel's,
/// are not held to it.
/// </summary>
public sealed class ConfigurationExportCheckTests : EngineTest
{
    private const string Prepared = """
        table ip antrea {
            comment "Rules for Antrea"
            set peer-pod-cidr { type ipv4_addr; flags interval; comment "Set for storing IPv4 peer Pods CIDRs"; elements = { 10.10.1.0/24 }; }
        """;

    private static string WithChains(int count) =>
        Prepared + "\n" + string.Concat(Enumerable.Range(1, count).Select(i => $"    chain stray{i} {{ }}\n")) + "}\n";

    [Theory]
    [InlineData(1, "")]
    [InlineData(4, "")]
    [InlineData(5, " and 1 more")]
    [InlineData(7, " and 3 more")]
    public void TablesNoConfigurationDescribesAreRefusedNamingTheFirstFourChangesAndCountingTheRest(int chains, string more)
    {
        NftLoadOwned(WithChains(chains));
        HostAccelException refused = FailsAndChangesNothing(() => ConfigurationExport.Read(Session, "antrea", includeForeign: false), ErrorIds.StateNotExpressible, FailureKind.InvalidOperation);
        string named = string.Join("; ", Enumerable.Range(1, Math.Min(chains, 4)).Select(i => $"chain ip antrea stray{i} (Extra: not part of the desired state)"));
        Assert.Equal(
            $"table antrea holds a state that no one configuration describes: synced back, the closest one would change {named}{more}. " +
            "Test-AccelConfiguration against the configuration you mean shows the differences; Sync-AccelConfiguration makes the tables agree with it",
            refused.Message);
        Assert.Equal("table antrea", refused.TargetObject);
    }

    [Fact]
    public void TablesReadWithIncludeForeignOneNotHostAccelsAreNotHeldToTheCheck()
    {
        NftLoadOwned(Prepared + "\n}\n");
        Ns.NftLoad("""
            table ip6 antrea {
                set peer-pod-cidr { type ipv6_addr; flags interval; comment "written by hand"; elements = { fd00:10::/64 }; }
                chain stray { }
            }
            """);
        string before = Ruleset();
        AccelConfiguration read = ConfigurationExport.Read(Session, "antrea", includeForeign: true);
        Assert.Equal([AccelFamily.Ip, AccelFamily.Ip6], read.Family);
        Assert.Equal(["10.10.1.0/24", "fd00:10::/64"], read.PeerPodCidr);
        Assert.Equal(AccelTraffic.None, read.Traffic);
        Assert.Equal(before, Ruleset());

        // Without -IncludeForeign, only HostAccel's own table is read, and it is one configuration.
        AccelConfiguration own = ConfigurationExport.Read(Session, "antrea", includeForeign: false);
        Assert.Equal([AccelFamily.Ip], own.Family);
        Assert.Equal(["10.10.1.0/24"], own.PeerPodCidr);
    }
}
