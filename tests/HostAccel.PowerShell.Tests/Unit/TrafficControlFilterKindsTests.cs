using System.Collections;
using HostAccel.Native.Nftables;
using HostAccel.Native.TrafficControl;
using HostAccel.Native.TrafficControl.Routing;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Engine.TrafficControl;
using HostAccel.PowerShell.Model;
using Xunit;

namespace HostAccel.PowerShell.Tests.Unit;

/// <summary>
/// What the Traffic Control mode tells from a filter alone (its priority: guard or redirect; its EtherType: the
/// family), the device names its tc commands are printed with, and a mode number the configuration does not have.
/// </summary>
public sealed class TrafficControlFilterKindsTests
{
    [Theory]
    [InlineData(TcDesign.Guard4, true)]
    [InlineData(TcDesign.Guard6, true)]
    [InlineData(TcDesign.Redirect4, false)]
    [InlineData(TcDesign.Redirect6, false)]
    [InlineData(40007, false)]
    [InlineData(1, false)]
    public void OnlyTheTwoGuardPrioritiesAreGuards(ushort priority, bool guard)
    {
        Assert.Equal(guard, TcDesign.IsGuard(new FlowerFilter(2, ClsactHook.Ingress, priority, 0x0800)));
    }

    [Theory]
    [InlineData(0x86DD, AccelFamily.Ip6)]
    [InlineData(0x0800, AccelFamily.Ip)]
    [InlineData(0x0003, AccelFamily.Ip)]
    [InlineData(0x86DC, AccelFamily.Ip)]
    public void AFiltersFamilyIsIPv6ForTheIPv6EtherTypeOnly(ushort protocol, AccelFamily family)
    {
        Assert.Equal(family, TcFastpaths.FamilyOf(new FlowerFilter(2, ClsactHook.Ingress, TcDesign.Redirect4, protocol)));
        Assert.Equal(family, TcFastpaths.FamilyOf(new UnknownFilter(2, ClsactHook.Ingress, 100, protocol, "bpf", default)));
    }

    [Fact]
    public void DeviceNamesAreLookedUpByIndexTheFirstNameOfAnIndexWinning()
    {
        Func<int, string?> names = TcFastpaths.Names([new Link(1, "lo"), new Link(4, "antrea-gw0"), new Link(4, "renamed"), new Link(2, "eth0")]);

        Assert.Equal("lo", names(1));
        Assert.Equal("eth0", names(2));
        Assert.Equal("antrea-gw0", names(4));
        Assert.Null(names(3));
        Assert.Null(TcFastpaths.Names([])(1));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(-1)]
    public void AModeNumberThatNamesNoModeIsRefusedSayingSo(int mode)
    {
        AccelConfiguration c = ConfigurationReader.Read(new Hashtable
        {
            ["Mode"] = "TrafficControl", ["TransportInterface"] = "eth0", ["LocalPodCidr"] = new[] { "10.244.2.0/24" }, ["PeerPodCidr"] = new[] { "10.244.0.0/24" },
        }, "node.psd1");

        HostAccelException refused = Assert.Throws<HostAccelException>(() => ConfigurationValidator.Validate(c with { Mode = (AccelMode)mode }));

        Assert.Equal((ErrorIds.InvalidConfiguration, FailureKind.InvalidArgument), (refused.ErrorId, refused.Kind));
        Assert.Equal($"{mode} is not a mode", refused.Message);
        Assert.Equal((AccelMode)mode, refused.TargetObject);
    }
}
