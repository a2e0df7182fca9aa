using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>What the support reports conclude from their parts, and the module tables they are built from.</summary>
public class KernelSupportReportTests
{
    [Theory]
    [InlineData(true, true, true, true)]
    [InlineData(false, true, true, false)]
    [InlineData(true, false, true, false)]
    [InlineData(true, true, false, false)]
    [InlineData(false, false, true, false)]
    public void AccelerationIsSupportedOnlyWhenPrivilegedWithNfTablesAndFlowtables(bool privileged, bool nftables, bool flowtable, bool supported)
    {
        var report = new KernelSupportReport("6.1.0", privileged, nftables, flowtable, false, null, [], []);
        Assert.Equal(supported, report.Supported);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void TrafficControlIsSupportedOnlyWhenEveryKindIs(int lacking)
    {
        bool[] kinds = Enumerable.Range(0, 6).Select(i => i != lacking).ToArray();
        var report = new TrafficControlSupportReport(true, kinds[0], kinds[1], kinds[2], kinds[3], kinds[4], kinds[5], [], []);
        Assert.Equal(lacking < 0, report.Supported);
    }

    [Fact]
    public void TheTrafficControlModulesAreTheKernelsNamesKindsAndOptions()
    {
        Assert.Equal(
            [
                ("sch_ingress", "clsact", "CONFIG_NET_SCH_INGRESS"),
                ("cls_flower", "flower", "CONFIG_NET_CLS_FLOWER"),
                ("act_mirred", "mirred", "CONFIG_NET_ACT_MIRRED"),
                ("act_pedit", "pedit", "CONFIG_NET_ACT_PEDIT"),
                ("act_csum", "csum", "CONFIG_NET_ACT_CSUM"),
                ("act_gact", "gact", "CONFIG_NET_ACT_GACT"),
            ],
            KernelSupport.TrafficControlModules.Select(m => (m.Name, m.Kind, m.Config)));
        AssertPurposesSaySomething(KernelSupport.TrafficControlModules.Select(m => m.Purpose));
    }

    [Fact]
    public void TheRequiredModulesAreTheFlowtablePrerequisites()
    {
        Assert.Equal(
            ["nf_tables", "nf_flow_table", "nft_flow_offload", "nf_flow_table_inet", "nf_flow_table_ipv4", "nf_flow_table_ipv6"],
            KernelSupport.RequiredModules.Select(m => m.Name));
        AssertPurposesSaySomething(KernelSupport.RequiredModules.Select(m => m.Purpose));
        Assert.All(KernelSupport.RequiredModules.Where(m => m.Name.EndsWith("_ipv4", StringComparison.Ordinal) || m.Name.EndsWith("_ipv6", StringComparison.Ordinal)),
            m => Assert.Contains("before Linux 5.17", m.Purpose, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("clsact", "sch_ingress")]
    [InlineData("flower", "cls_flower")]
    [InlineData("mirred", "act_mirred")]
    [InlineData("pedit", "act_pedit")]
    [InlineData("csum", "act_csum")]
    [InlineData("gact", "act_gact")]
    [InlineData("u32", "u32")]
    [InlineData("", "")]
    public void AKindIsNamedByItsModuleOrByItselfWhenUnknown(string kind, string module) =>
        Assert.Equal(module, KernelSupport.TrafficControlModuleOf(kind));

    [Fact]
    public void MissingTrafficControlModulesRefusesNullKinds() =>
        Assert.Equal("kinds", Assert.Throws<ArgumentNullException>(() => KernelSupport.MissingTrafficControlModules(null!)).ParamName);

    private static void AssertPurposesSaySomething(IEnumerable<string> purposes)
    {
        string[] all = purposes.ToArray();
        Assert.All(all, p => Assert.True(p.Length > 10, $"purpose '{p}'"));
        Assert.Equal(all.Length, all.Distinct(StringComparer.Ordinal).Count());
    }
}
