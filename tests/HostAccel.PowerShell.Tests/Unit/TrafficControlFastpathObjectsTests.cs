using HostAccel.Native.TrafficControl;
using HostAccel.Native.TrafficControl.Actions;
using HostAccel.Native.TrafficControl.Routing;
using HostAccel.PowerShell.Engine.TrafficControl;
using HostAccel.PowerShell.Model;
using Xunit;
using static HostAccel.PowerShell.Tests.Support.TcOwnedFilters;

namespace HostAccel.PowerShell.Tests.Unit;

/// <summary>
/// Get-Fastpath's and Get-FastpathCounter's objects in the Traffic Control mode, made from the filters a dump returns
/// (built here as plain objects: this host's kernel has no cls_flower): one Fastpath per family with filters, one
/// FastpathCounter per filter, every field, devices by name ("#index" when no device has it), and the families asked for.
/// </summary>
public sealed class TrafficControlFastpathObjectsTests
{
    private const string Namespace = "ns-demo";

    /// <summary>A device the filters redirect to that is no longer listed.</summary>
    private const int Gone = 9;

    private static readonly Link Lo = new(1, "lo");

    /// <summary>
    /// eth0: IPv4 guard, an IPv4 redirect that matched 7 packets, the IPv6 guard. antrea-gw0: the IPv4 guard, an IPv4
    /// redirect to a device that is gone, an IPv6 guard only (no IPv6 redirect).
    /// </summary>
    private static IReadOnlyList<(Link Device, IReadOnlyList<FlowerFilter> Filters)> Filters() => Owned(
        (Transport,
        [
            AsRead(Guard(Transport, v6: false), packets: 2, bytes: 120),
            AsRead(Redirect(Transport, "10.244.0.0/24", "10.244.2.2", Gateway.Index, 3, destinationMac: "02:00:00:00:02:02"), packets: 7, bytes: 700),
            AsRead(Guard(Transport, v6: true, handle: 4, addedClsact: false)),
        ]),
        (Gateway,
        [
            AsRead(Guard(Gateway, v6: false)),
            AsRead(Redirect(Gateway, "10.244.2.0/24", "10.244.0.0/24", Gone, 2)),
            AsRead(Guard(Gateway, v6: true)),
        ]));

    private static readonly Link[] Links = [Lo, Transport, Gateway];

    private static readonly string[] Ip4Filters =
    [
        GuardText("eth0", v6: false, 1),
        RedirectText("eth0", 3, "10.244.0.0/24", "10.244.2.2", "antrea-gw0", destinationMac: "02:00:00:00:02:02"),
        GuardText("antrea-gw0", v6: false, 1),
        RedirectText("antrea-gw0", 2, "10.244.2.0/24", "10.244.0.0/24", $"#{Gone}"),
    ];

    private static readonly string[] Ip6Filters = [GuardText("eth0", v6: true, 4, Found), GuardText("antrea-gw0", v6: true, 1)];

    private static void AssertFastpath(Fastpath f, AccelFamily family, bool enabled, string[] filters)
    {
        Assert.Equal((AccelMode.TrafficControl, family, false, enabled, Namespace), (f.Mode, f.Family, f.FlowtablePresent, f.Enabled, f.NetworkNamespace));
        Assert.Equal(["eth0", "antrea-gw0"], f.Devices);
        Assert.Equal(filters, f.Filters);
        // Nothing of a flowtable's.
        Assert.Equal(("", "", "", 0, false, false, 0), (f.TableName, f.FlowtableName, f.ChainName, f.Priority, f.HardwareOffload, f.Counter, f.OffloadThreshold));
        Assert.Empty(f.Rules);
    }

    public static TheoryData<AccelFamily[]?, AccelFamily[]> FamiliesAsked => new()
    {
        { null, [AccelFamily.Ip, AccelFamily.Ip6] },
        { [], [AccelFamily.Ip, AccelFamily.Ip6] },
        { [AccelFamily.Ip], [AccelFamily.Ip] },
        { [AccelFamily.Ip6], [AccelFamily.Ip6] },
        { [AccelFamily.Ip6, AccelFamily.Ip], [AccelFamily.Ip, AccelFamily.Ip6] },
    };

    [Theory]
    [MemberData(nameof(FamiliesAsked))]
    public void EachFamilyAskedForWithFiltersIsOneFastpathEnabledOnlyWithARedirect(AccelFamily[]? families, AccelFamily[] expected)
    {
        IReadOnlyList<Fastpath> fastpaths = TcFastpaths.Get(Filters(), Links, Namespace, families);

        Assert.Equal(expected, fastpaths.Select(f => f.Family));
        foreach (Fastpath f in fastpaths)
        {
            // IPv6 has guards only: its fastpath carries nothing.
            AssertFastpath(f, f.Family, enabled: f.Family == AccelFamily.Ip, f.Family == AccelFamily.Ip ? Ip4Filters : Ip6Filters);
        }
    }

    [Fact]
    public void AFamilyWithoutFiltersHasNoFastpathAndDevicesOfOwnedFiltersAreNamedThoughNotListed()
    {
        var ipOnly = Owned((Transport, [Guard(Transport, v6: false), Redirect(Transport, "10.244.0.0/24", "10.244.2.2", Gateway.Index)]));

        Assert.Empty(TcFastpaths.Get(ipOnly, Links, null, [AccelFamily.Ip6]));
        Assert.Empty(TcFastpaths.Get(Owned(), Links, null, null));
        // eth0 is named from the owned list, antrea-gw0 from the devices.
        Fastpath f = Assert.Single(TcFastpaths.Get(ipOnly, [Gateway], null, null));
        Assert.Equal((AccelFamily.Ip, true, (string?)null), (f.Family, f.Enabled, f.NetworkNamespace));
        Assert.Equal([GuardText("eth0", false, 1), RedirectText("eth0", 1, "10.244.0.0/24", "10.244.2.2", "antrea-gw0")], f.Filters);
        Assert.Equal("tc ip: clsact on { eth0 }, 2 filters", f.ToString());
    }

    [Theory]
    [MemberData(nameof(FamiliesAsked))]
    public void EachFilterIsOneCounterWithItsDeviceKeysActionAndTheFirstActionsCounters(AccelFamily[]? families, AccelFamily[] expected)
    {
        IReadOnlyList<FastpathCounter> counters = TrafficControlFastpaths.Counters(Filters(), Links, Namespace, families);

        var all = new (AccelFamily Family, string Device, int Priority, uint Handle, string? Source, string? Destination, string Action, ulong Packets, ulong Bytes, string Filter)[]
        {
            (AccelFamily.Ip, "eth0", TcDesign.Guard4, 1, null, null, "ttl guard: to the stack", 2, 120, Ip4Filters[0]),
            (AccelFamily.Ip, "eth0", TcDesign.Redirect4, 3, "10.244.0.0/24", "10.244.2.2/32", "redirect to antrea-gw0", 7, 700, Ip4Filters[1]),
            (AccelFamily.Ip6, "eth0", TcDesign.Guard6, 4, null, null, "ttl guard: to the stack", 0, 0, Ip6Filters[0]),
            (AccelFamily.Ip, "antrea-gw0", TcDesign.Guard4, 1, null, null, "ttl guard: to the stack", 0, 0, Ip4Filters[2]),
            (AccelFamily.Ip, "antrea-gw0", TcDesign.Redirect4, 2, "10.244.2.0/24", "10.244.0.0/24", $"redirect to #{Gone}", 0, 0, Ip4Filters[3]),
            (AccelFamily.Ip6, "antrea-gw0", TcDesign.Guard6, 1, null, null, "ttl guard: to the stack", 0, 0, Ip6Filters[1]),
        };
        Assert.Equal(all.Where(c => expected.Contains(c.Family)),
            counters.Select(c => (c.Family, c.Device, c.Priority, c.Handle, c.Source, c.Destination, c.Action, c.Packets, c.Bytes, c.Filter)));
        Assert.All(counters, c => Assert.Equal((AccelMode.TrafficControl, Namespace), (c.Mode, c.NetworkNamespace)));
    }

    [Fact]
    public void AFilterWithoutCountersCountsNothingAndARedirectWithoutMirredNamesDeviceZero()
    {
        // As HostAccel writes them (no kernel state), and an owned filter at the redirect priority whose action is no mirred.
        FlowerFilter written = Redirect(Transport, "10.244.0.0/24", "10.244.2.2", Gateway.Index, 5);
        FlowerFilter noMirred = TcDesign.Marked(new FlowerFilter(Transport.Index, ClsactHook.Ingress, TcDesign.Redirect4, 0x0800)
        {
            Handle = 6, Source = P("10.244.1.0/24"), Actions = new[] { (TcAction)GactAction.Pass() },
        }, addedClsact: true);

        IReadOnlyList<FastpathCounter> counters = TrafficControlFastpaths.Counters(Owned((Transport, [written, noMirred])), Links, null, null);

        Assert.Equal([("redirect to antrea-gw0", 0UL, 0UL), ("redirect to #0", 0UL, 0UL)], counters.Select(c => (c.Action, c.Packets, c.Bytes)));
        Assert.Equal("eth0 prio 40010 handle 6: 10.244.1.0/24 -> any redirect to #0: 0 packets, 0 bytes", counters[1].ToString());
        Assert.Null(counters[0].NetworkNamespace);
    }
}
