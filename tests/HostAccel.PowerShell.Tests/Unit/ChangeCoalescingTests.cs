using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Planning;
using HostAccel.PowerShell.Model;
using Xunit;

namespace HostAccel.PowerShell.Tests.Unit;

/// <summary>
/// What PlanTests' coalescing leaves out: a run's first change that already carries one subject per prefix (a
/// gathered change) keeps them, after a change that ends the previous run; and a plan needs its list of changes.
/// </summary>
public sealed class ChangeCoalescingTests
{
    private static readonly NftSet Set = Design.AddressSet(NftFamily.Ip, "antrea", "peer-pod-cidr");

    private static IpPrefix[] Prefixes(params string[] text) => text.Select(IpPrefix.Parse).ToArray();

    [Fact]
    public void AGatheredChangeKeepsEachPrefixsSubjectWhenItStartsARun()
    {
        Change[] changes =
        [
            new ElementsChange(ChangeAction.Delete, Set, Prefixes("10.0.9.0/24")) { Subject = "10.0.9.0/24" },
            new ElementsChange(ChangeAction.Add, Set, Prefixes("10.0.0.0/24", "10.0.1.0/24")) { Subjects = new object?[] { "10.0.0.0/24", "10.0.1.00/24" }, Subject = "set ip antrea peer-pod-cidr" },
            new ElementsChange(ChangeAction.Add, Set, Prefixes("10.0.2.0/24")) { Subject = "10.0.2.0/24" },
        ];

        List<Change> coalesced = ChangePlan<PeerPodCidr>.Coalesce(changes);

        Assert.Equal(2, coalesced.Count);
        ElementsChange added = Assert.IsType<ElementsChange>(coalesced[1]);
        Assert.Equal(["10.0.0.0/24", "10.0.1.00/24", "10.0.2.0/24"], added.Subjects);
        Assert.Equal(Set.ToString(), added.Subject);
    }

    [Fact]
    public void APlanRefusesANullListOfChanges()
    {
        Assert.Equal("changes", Assert.Throws<ArgumentNullException>(() => new Plan(1, null!)).ParamName);
    }
}
