using HostAccel.Native.TrafficControl;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>
/// A planned change as data: the arguments its factories refuse, the operation it is reported against, and the tc
/// command it renders as when no device name is known.
/// </summary>
public class TcChangeTests
{
    private static readonly UnknownFilter U32 = new(TcFixtures.Eth0, ClsactHook.Ingress, 5, 0x0800, "u32", new byte[] { 1, 2, 3, 4 }) { Handle = 0x800 };

    public static TheoryData<string> NullArguments => new("AddQdisc", "ReplaceQdisc", "DeleteQdisc", "AddFilter", "ReplaceFilter", "DeleteFilter", "DeletePriority");

    [Theory]
    [MemberData(nameof(NullArguments))]
    public void EveryFactoryRefusesANullArgumentNamingIt(string factory)
    {
        Action call = factory switch
        {
            "AddQdisc" => () => TcChange.AddQdisc(null!),
            "ReplaceQdisc" => () => TcChange.ReplaceQdisc(null!),
            "DeleteQdisc" => () => TcChange.DeleteQdisc(null!),
            "AddFilter" => () => TcChange.AddFilter(null!),
            "ReplaceFilter" => () => TcChange.ReplaceFilter(null!),
            "DeleteFilter" => () => TcChange.DeleteFilter(null!),
            _ => () => TcChange.DeletePriority(null!),
        };
        ArgumentNullException error = Assert.Throws<ArgumentNullException>(call);
        Assert.Equal(factory.Contains("Qdisc", StringComparison.Ordinal) ? "qdisc" : factory == "DeletePriority" ? "priority" : "filter", error.ParamName);
    }

    [Fact]
    public void DeletingAFilterWithoutAHandleIsRefusedPointingAtDeletePriority()
    {
        FlowerFilter filter = TcFixtures.SeedEth0 with { Handle = 0 };
        ArgumentException error = Assert.Throws<ArgumentException>(() => TcChange.DeleteFilter(filter));
        Assert.Equal("filter", error.ParamName);
        Assert.Equal(
            $"{filter} has no handle: only a filter with its handle is deleted alone (DeletePriority removes a whole priority) (Parameter 'filter')",
            error.Message);
    }

    [Fact]
    public void AFilterReadFromTheKernelButNotModelledCannotBeWrittenOnlyDeleted()
    {
        foreach (Func<TcChange> write in new Func<TcChange>[] { () => TcChange.AddFilter(U32), () => TcChange.ReplaceFilter(U32) })
        {
            ArgumentException error = Assert.Throws<ArgumentException>(write);
            Assert.Equal("filter", error.ParamName);
            Assert.Equal(
                "filter dev #2 ingress protocol ip prio 5 handle 2048 u32 (4 bytes of options) was read from the kernel and is not modelled: HostAccel can delete it, not write it (Parameter 'filter')",
                error.Message);
        }

        Assert.Equal("tc filter del dev #2 ingress protocol ip prio 5 handle 2048 u32", TcChange.DeleteFilter(U32).Render());
    }

    [Fact]
    public void EveryChangeIsDescribedAsTheOperationAnErrorIsReportedAgainst()
    {
        FlowerFilter v6 = TcFixtures.TtlGuard(ipv6: true) with { Handle = 0x1F, Hook = ClsactHook.Egress };
        FlowerFilter noHandle = TcFixtures.SeedEth0 with { Handle = 0 };
        Assert.Equal(
            [
                "adding qdisc clsact to device #2",
                "replacing qdisc clsact of device #4",
                "deleting qdisc clsact of device #2",
                "adding flower filter prio 40010 protocol ip on device #2 ingress",
                "replacing flower filter prio 40009 protocol ipv6 handle 0x1f on device #4 egress",
                "deleting flower filter prio 40009 protocol ipv6 handle 0x1f on device #4 egress",
                "deleting u32 filter prio 5 protocol ip handle 0x800 on device #2 ingress",
                "deleting every filter of prio 7 on device #4 egress",
            ],
            new[]
            {
                TcChange.AddQdisc(TcQdisc.Clsact(TcFixtures.Eth0)),
                TcChange.ReplaceQdisc(TcQdisc.Clsact(TcFixtures.AntreaGw0)),
                TcChange.DeleteQdisc(TcQdisc.Clsact(TcFixtures.Eth0)),
                TcChange.AddFilter(noHandle),
                TcChange.ReplaceFilter(v6),
                TcChange.DeleteFilter(v6),
                TcChange.DeleteFilter(U32),
                TcChange.DeletePriority(new TcPriority(TcFixtures.AntreaGw0, ClsactHook.Egress, 7, 0x86DD)),
            }.Select(c => c.Description));
    }

    [Fact]
    public void WithoutDeviceNamesAChangeRendersDevicesByIndex()
    {
        FlowerFilter v6 = TcFixtures.TtlGuard(ipv6: true) with { Chain = 3 };
        Func<int, string?> onlyEth0 = i => i == TcFixtures.Eth0 ? "eth0" : null;
        Assert.Equal(
            [
                "tc qdisc add dev #2 clsact",
                "tc qdisc replace dev #4 clsact",
                "tc qdisc del dev #2 clsact",
                "tc filter del dev #4 ingress protocol ipv6 prio 40009 chain 3 handle 1 flower",
                "tc filter del dev #4 egress protocol ipv6 prio 7",
                "tc filter del dev #4 ingress protocol ip prio 40010",
                "tc filter del dev #4 ingress protocol all prio 1",
            ],
            new[]
            {
                TcChange.AddQdisc(TcQdisc.Clsact(TcFixtures.Eth0)),
                TcChange.ReplaceQdisc(TcQdisc.Clsact(TcFixtures.AntreaGw0)),
                TcChange.DeleteQdisc(TcQdisc.Clsact(TcFixtures.Eth0)),
                TcChange.DeleteFilter(v6),
                TcChange.DeletePriority(new TcPriority(TcFixtures.AntreaGw0, ClsactHook.Egress, 7, 0x86DD)),
                TcChange.DeletePriority(new TcPriority(TcFixtures.AntreaGw0, ClsactHook.Ingress, 40010, 0x0800)),
                TcChange.DeletePriority(new TcPriority(TcFixtures.AntreaGw0, ClsactHook.Ingress, 1, 0x0003)),
            }.Select(c => c.Render(_ => null)));

        // ToString is the rendering without names.
        TcChange add = TcChange.AddQdisc(TcQdisc.Clsact(TcFixtures.Eth0));
        Assert.Equal("tc qdisc add dev #2 clsact", add.ToString());
        Assert.Equal("tc qdisc add dev eth0 clsact", add.Render(onlyEth0));
    }
}
