using HostAccel.Native.Nftables;
using HostAccel.Native.TrafficControl;
using HostAccel.Native.TrafficControl.Routing;
using HostAccel.PowerShell.Engine.TrafficControl;
using HostAccel.PowerShell.Model;
using Xunit;
using static HostAccel.PowerShell.Tests.Support.TcOwnedFilters;

namespace HostAccel.PowerShell.Tests.Unit;

/// <summary>
/// The difference from the filters a device holds to the filters wanted (TcFastpaths.Diff, behind Enable- and
/// Disable-Fastpath and a sync in the Traffic Control mode), from what a read returns, built as plain objects (this
/// host's kernel has no cls_flower to hold HostAccel's filters): a filter the same in all but its handle and the
/// kernel's state is left, one matching the same traffic with other actions replaced in place, one not wanted
/// deleted (redirects before the guards that protect them), one missing added; the clsact goes only when HostAccel
/// added it and nothing of anyone's is left on it.
/// </summary>
public sealed class TrafficControlDiffTests
{
    private static readonly TcQdisc GatewayClsact = TcQdisc.Clsact(Gateway.Index);

    private static TcDeviceState State(IReadOnlyList<TcFilter> ingress, int egress = 0, bool clsact = true) =>
        new(Gateway, clsact ? GatewayClsact : null, ingress, () => egress);

    private static List<TcPlannedChange> Diff(TcDeviceState state, params FlowerFilter[] wanted) =>
        TcFastpaths.Diff([state], new Dictionary<int, List<FlowerFilter>> { [Gateway.Index] = [.. wanted] });

    private static List<string> Text(IEnumerable<TcPlannedChange> plan) => plan.Select(c => c.Change.Render(TcFastpaths.Names([Gateway, Transport]))).ToList();

    /// <summary>A filter as planned: unmarked, handle 0.</summary>
    private static FlowerFilter Wanted(FlowerFilter f) => (FlowerFilter)f.AsWritten() with
    {
        Handle = 0,
        Actions = new EquatableArray<Native.TrafficControl.Actions.TcAction>(f.Actions.Select((a, i) => i == 0 ? a.AsWritten() with { Cookie = default } : a.AsWritten())),
    };

    private static readonly FlowerFilter Guard4 = AsRead(Guard(Gateway, v6: false, 1), 3, 300);
    private static readonly FlowerFilter Guard6 = AsRead(Guard(Gateway, v6: true, 1));
    private static readonly FlowerFilter ToPeer0 = AsRead(Redirect(Gateway, "10.244.2.0/24", "10.244.0.0/24", Transport.Index, 1), 9, 900);
    private static readonly FlowerFilter ToPeer1 = AsRead(Redirect(Gateway, "10.244.2.0/24", "10.244.1.0/24", Transport.Index, 2));

    private static readonly UnknownFilter Foreign = new(Gateway.Index, ClsactHook.Ingress, 100, 0x0800, "bpf", default) { Handle = 1 };

    private const string DeleteQdisc = "tc qdisc del dev antrea-gw0 clsact";

    private static string Delete(ushort priority, uint handle, string device = "antrea-gw0") =>
        $"tc filter del dev {device} ingress protocol {(priority is TcDesign.Guard6 or TcDesign.Redirect6 ? "ipv6" : "ip")} prio {priority} handle {handle} flower";

    [Fact]
    public void DisablingAClsactHostAccelAddedDeletesTheRedirectsThenTheGuardsThenTheClsact()
    {
        List<TcPlannedChange> plan = Diff(State([Guard4, ToPeer0, Guard6, ToPeer1]));

        Assert.Equal(
        [
            Delete(TcDesign.Redirect4, 1),
            Delete(TcDesign.Redirect4, 2),
            Delete(TcDesign.Guard4, 1),
            Delete(TcDesign.Guard6, 1),
            DeleteQdisc,
        ], Text(plan));
        Assert.Equal([AccelFamily.Ip, AccelFamily.Ip, AccelFamily.Ip, AccelFamily.Ip6, AccelFamily.Ip], plan.Select(c => c.Family));
        Assert.All(plan, c => Assert.Equal(AccelDriftKind.Extra, c.Kind));
        Assert.Equal([TcChangeKind.DeleteFilter, TcChangeKind.DeleteFilter, TcChangeKind.DeleteFilter, TcChangeKind.DeleteFilter, TcChangeKind.DeleteQdisc], plan.Select(c => c.Change.Kind));
        Assert.Equal(GatewayClsact, plan[^1].Change.Qdisc);
    }

    private static TcDeviceState Kept(string why) => why switch
    {
        "the clsact was there before HostAccel" => State([Guard(Gateway, false, 1, addedClsact: false), Redirect(Gateway, "10.244.2.0/24", "10.244.0.0/24", Transport.Index, 1, addedClsact: false)]),
        "someone else's filter on the ingress" => State([Guard4, Foreign, ToPeer0]),
        _ => State([Guard4, ToPeer0], egress: 1),
    };

    [Theory]
    [InlineData("the clsact was there before HostAccel")]
    [InlineData("someone else's filter on the ingress")]
    [InlineData("someone else's filter on the egress")]
    public void DisablingDeletesHostAccelsFiltersOnlyAndKeepsAClsactThatIsNotHostAccelsAlone(string why)
    {
        TcDeviceState state = Kept(why);
        List<TcPlannedChange> plan = Diff(state);

        Assert.Equal(state.Ingress.Count(TcDesign.IsOwned), plan.Count);
        Assert.All(plan, c => Assert.Equal((TcChangeKind.DeleteFilter, AccelDriftKind.Extra), (c.Change.Kind, c.Kind)));
        Assert.DoesNotContain(plan, c => c.Change.Filter is UnknownFilter);
    }

    [Fact]
    public void OneFilterSayingHostAccelAddedTheClsactIsEnoughToDeleteIt()
    {
        // After a re-enable on a clsact HostAccel had added, some filters carry 1 and others 0.
        List<TcPlannedChange> plan = Diff(State([Guard(Gateway, false, 1, addedClsact: false), ToPeer0]));

        Assert.Equal([TcChangeKind.DeleteFilter, TcChangeKind.DeleteFilter, TcChangeKind.DeleteQdisc], plan.Select(c => c.Change.Kind));
    }

    [Fact]
    public void FiltersTheSameButForTheirHandleAndTheKernelsStateAreLeftAsTheyAre()
    {
        // Read back with other handles than planned, counters, action indexes and not_in_hw.
        TcDeviceState state = State([AsRead(Guard(Gateway, false, 5), 1, 1), AsRead(Redirect(Gateway, "10.244.2.0/24", "10.244.0.0/24", Transport.Index, 8), 2, 2)]);

        Assert.Empty(Diff(state, Wanted(Guard4), Wanted(ToPeer0)));
    }

    [Fact]
    public void AFilterMatchingTheSameTrafficWithOtherActionsIsReplacedInPlaceKeepingItsHandle()
    {
        FlowerFilter current = AsRead(Redirect(Gateway, "10.244.2.0/24", "10.244.0.0/24", Transport.Index, 7, destinationMac: "02:00:00:00:00:09"));

        List<TcPlannedChange> plan = Diff(State([Guard4, current]), Wanted(Guard4), Wanted(ToPeer0));

        TcPlannedChange replace = Assert.Single(plan);
        Assert.Equal((TcChangeKind.ReplaceFilter, AccelFamily.Ip, AccelDriftKind.Different), (replace.Change.Kind, replace.Family, replace.Kind));
        Assert.Equal($"tc filter replace {RedirectText("antrea-gw0", 7, "10.244.2.0/24", "10.244.0.0/24", "eth0")}", Text(plan)[0]);
        Assert.Equal(current.AsWritten(), replace.Change.Previous);
    }

    [Fact]
    public void WantingOtherFiltersOnlyDeletesTheOldAddsTheNewWithFreeHandlesAndKeepsTheClsact()
    {
        // HostAccel's clsact holds one redirect to a peer that is gone; a guard and a redirect to a new peer are wanted.
        FlowerFilter old = AsRead(Redirect(Gateway, "10.244.2.0/24", "10.244.9.0/24", Transport.Index, 1));

        List<TcPlannedChange> plan = Diff(State([old]), Wanted(Guard4), Wanted(ToPeer1));

        Assert.Equal(
        [
            Delete(TcDesign.Redirect4, 1),
            $"tc filter add {GuardText("antrea-gw0", false, 1)}",
            $"tc filter add {RedirectText("antrea-gw0", 2, "10.244.2.0/24", "10.244.1.0/24", "eth0")}",
        ], Text(plan));
        Assert.Equal([AccelDriftKind.Extra, AccelDriftKind.Missing, AccelDriftKind.Missing], plan.Select(c => c.Kind));
    }

    [Fact]
    public void AFilterWantedTwiceIsMatchedOnceAndAddedOnceMore()
    {
        List<TcPlannedChange> plan = Diff(State([Guard4, ToPeer0]), Wanted(Guard4), Wanted(ToPeer0), Wanted(ToPeer0));

        Assert.Equal([$"tc filter add {RedirectText("antrea-gw0", 2, "10.244.2.0/24", "10.244.0.0/24", "eth0")}"], Text(plan));
    }

    [Fact]
    public void ADeviceWithoutAClsactGetsOneFirstAndADeviceNotNamedInTheWantedFiltersIsToHoldNone()
    {
        var devices = new[] { new TcDeviceState(Transport, null, [], () => throw new InvalidOperationException("no egress to read")), State([Guard4]) };

        List<TcPlannedChange> plan = TcFastpaths.Diff(devices, new Dictionary<int, List<FlowerFilter>> { [Transport.Index] = [Wanted(Guard(Transport, true))] });

        Assert.Equal(
        [
            "tc qdisc add dev eth0 clsact",
            Delete(TcDesign.Guard4, 1),
            $"tc filter add {GuardText("eth0", true, 1)}",
            DeleteQdisc,
        ], Text(plan));
        Assert.Equal([AccelFamily.Ip6, AccelFamily.Ip, AccelFamily.Ip6, AccelFamily.Ip], plan.Select(c => c.Family));
    }
}
