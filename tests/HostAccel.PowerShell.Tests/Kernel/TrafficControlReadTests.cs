using HostAccel.Native.Nftables;
using HostAccel.Native.TrafficControl;
using HostAccel.Native.TrafficControl.Routing;
using HostAccel.PowerShell.Engine.TrafficControl;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// The Traffic Control mode's reads (Get-Fastpath, Get-FastpathCounter, Add-/Remove-PeerPodCidr's redirects) in a
/// namespace without filters of HostAccel's: none on a device without a clsact, and none among someone else's filters
/// on one with it (classic-BPF filters, which the native layer lists as filters it does not model). What they read
/// from HostAccel's own flower filters needs a kernel with cls_flower (the Pester tests of the VM).
/// </summary>
public sealed class TrafficControlReadTests : EngineTest
{
    private static readonly AccelFamily[]?[] Families = [null, [], [AccelFamily.Ip], [AccelFamily.Ip6], [AccelFamily.Ip, AccelFamily.Ip6]];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WithoutFiltersOfHostAccelsThereIsNothingToReadNorAnyRedirectToFollow(bool foreignFilters)
    {
        TcNode.LayOut(Ns);
        if (foreignFilters)
        {
            foreach (string device in new[] { "eth0", "antrea-gw0" })
            {
                Ns.Exec("tc", "qdisc", "add", "dev", device, "clsact");
                Ns.Exec("tc", "filter", "add", "dev", device, "ingress", "protocol", "ip", "prio", "40010", "handle", "1", "bpf", "bytecode", "1,6 0 0 0,");
                Ns.Exec("tc", "filter", "add", "dev", device, "egress", "protocol", "ip", "prio", "1", "handle", "1", "bpf", "bytecode", "1,6 0 0 0,");
            }
        }

        using TcConnection tc = TcCommit.Open(Ns.Name);
        Assert.Equal(foreignFilters ? 2 : 0, tc.ListQdiscs().Count(q => q.IsClsact));
        Assert.Equal(foreignFilters ? 1 : 0, tc.ListFilters((int)Ns.IfIndex("eth0"), ClsactHook.Ingress).Count);

        Assert.Empty(TcFastpaths.OwnedEverywhere(tc));
        foreach (Link device in tc.ListLinks())
        {
            Assert.Empty(TcFastpaths.Owned(tc, device));
        }

        Assert.Null(TcFastpaths.CurrentSpec(tc));
        Assert.Null(TcFastpaths.PlanPeers(tc, [IpPrefix.Parse("10.244.5.0/24")], [IpPrefix.Parse("10.244.0.0/24")]));
        foreach (AccelFamily[]? families in Families)
        {
            Assert.Empty(TcFastpaths.Get(tc, Ns.Name, families));
            Assert.Empty(TrafficControlFastpaths.Get(Session, families));
            Assert.Empty(TrafficControlFastpaths.Counters(Session, families));
        }
    }
}
