using HostAccel.PowerShell.Engine.TrafficControl;
using HostAccel.PowerShell.Model;
using Xunit;

namespace HostAccel.PowerShell.Tests.Unit;

/// <summary>
/// The exact words of Mode TrafficControl's refusal of traffic it cannot carry: one reason per refused type, in the
/// enum's order, joined by "; ", and none for PodToPod, which it carries.
/// </summary>
public sealed class TrafficControlRefusalWordingTests
{
    private const string Stateless = "its filters are stateless (no conntrack entry is made or read, so no NAT)";

    private const string Rest = "Only PodToPod (Pod-to-Pod and Pod-to-Service) traffic, whose addresses are final at the gateway, can be redirected; use Mode Flowtable for the rest";

    [Fact]
    public void TwoRefusedTypesAreExplainedEachInTheirOwnWords()
    {
        Assert.Equal(
            $"Mode TrafficControl cannot carry ExternalToPod, ExternalIP traffic: {Stateless}, and ExternalToPod traffic is SNATed by the Node; " +
            $"ExternalIP (LoadBalancer and External IP) traffic is DNATed by the Node. {Rest}",
            TcDesign.WhyNotCarried(AccelTraffic.PodToPod | AccelTraffic.ExternalToPod | AccelTraffic.ExternalIP));
    }

    [Fact]
    public void AllTrafficIsRefusedForTheFourTypesItCannotCarryOnly()
    {
        Assert.Equal(
            $"Mode TrafficControl cannot carry ExternalToPod, ExternalToNodePort, ExternalIP, FullPath traffic: {Stateless}, and ExternalToPod traffic is SNATed by the Node; " +
            "ExternalToNodePort traffic is DNATed by the Node; ExternalIP (LoadBalancer and External IP) traffic is DNATed by the Node; " +
            $"FullPath traffic is addressed to this Node's transport IP and needs its conntrack and NAT. {Rest}",
            TcDesign.WhyNotCarried(AccelTraffic.All));
        Assert.Null(TcDesign.WhyNotCarried(AccelTraffic.PodToPod));
    }
}
