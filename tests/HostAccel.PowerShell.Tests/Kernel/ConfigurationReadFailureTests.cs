using HostAccel.Native;
using HostAccel.Native.Interop;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// Get-AccelConfiguration's read of the kernel when it cannot answer: the table it was named is not there, another
/// writer commits during every read, the netlink socket fails, or the two families' tables hold what no one
/// configuration says. Each is the documented error, and nothing is changed.
/// </summary>
public sealed class ConfigurationReadFailureTests : EngineTest
{
    [Theory]
    [InlineData(false, "there is no table ip absent or ip6 absent that HostAccel owns (-IncludeForeign reads one it does not)")]
    [InlineData(true, "there is no table ip absent or ip6 absent")]
    public void ANamedTableThatIsNotThereIsTableNotFound(bool includeForeign, string message)
    {
        HostAccelException failure = FailsAndChangesNothing(() => ConfigurationExport.Read(Session, "absent", includeForeign, named: true), ErrorIds.TableNotFound, FailureKind.ObjectNotFound);
        Assert.Equal((message, (object?)"absent"), (failure.Message, failure.TargetObject));
    }

    [Fact]
    public void ANamedTableHostAccelDoesNotOwnIsFoundOnlyWithIncludeForeign()
    {
        Ns.NftLoad("table ip antrea { }");
        HostAccelException failure = FailsAndChangesNothing(() => ConfigurationExport.Read(Session, "antrea", includeForeign: false, named: true), ErrorIds.TableNotFound, FailureKind.ObjectNotFound);
        Assert.Equal("there is no table ip antrea or ip6 antrea that HostAccel owns (-IncludeForeign reads one it does not)", failure.Message);
        Assert.Equal([AccelFamily.Ip], ConfigurationExport.Read(Session, "antrea", includeForeign: true, named: true).Family);
        // Not named, the absence of HostAccel's tables is no acceleration.
        AccelConfiguration none = ConfigurationExport.Read(Session, "antrea", includeForeign: false);
        Assert.Equal((AccelTraffic.None, 0), (none.Traffic, none.Family.Count));
    }

    /// <summary>Every read straddles a commit of another writer: after five, the caller is told to run again.</summary>
    [Fact]
    public void AReadThatAnotherWriterOvertakesEveryTimeIsRulesetChanged()
    {
        using NftConnection other = NftConnection.Open(Ns.Name);
        var churn = new NftTable(NftFamily.Ip, "churn");
        bool present = false;
        int commits = 0;
        Session.Nft.Socket.OnReceive = datagram =>
        {
            var change = new NftTransaction();
            if (present)
            {
                change.DeleteTable(churn);
            }
            else
            {
                change.AddTable(churn);
            }

            other.Commit(change);
            present = !present;
            commits++;
            return datagram.Length;
        };
        HostAccelException failure;
        try
        {
            failure = Assert.Throws<HostAccelException>(() => ConfigurationExport.Read(Session, "antrea", includeForeign: false));
        }
        finally
        {
            Session.Nft.Socket.OnReceive = null;
        }

        Assert.Equal((ErrorIds.RulesetChanged, FailureKind.ResourceBusy, (object?)Ns.Name), (failure.ErrorId, failure.Kind, failure.TargetObject));
        Assert.Equal("the ruleset changed while each of 5 reads of table antrea was under way (another writer is busy)", failure.Message);
        Assert.Equal("Run the command again.", failure.RecommendedAction);
        Exception stale = Assert.IsType<HostAccel.PowerShell.Engine.Planning.StaleReadException>(failure.InnerException);
        Assert.Matches(@"^generation \d+ moved on while table antrea was read$", stale.InnerException!.Message);
        Assert.True(commits >= 5, $"{commits} commits");
    }

    [Fact]
    public void ASocketFailureDuringTheReadIsTheErrnosFailureNamingTheTable()
    {
        var fault = new SystemCallException("recv", Errno.EIO);
        Session.Nft.Socket.OnReceive = _ => throw fault;
        HostAccelException failure;
        try
        {
            failure = Assert.Throws<HostAccelException>(() => ConfigurationExport.Read(Session, "antrea", includeForeign: false));
        }
        finally
        {
            Session.Nft.Socket.OnReceive = null;
        }

        Assert.Equal((ErrorIds.KernelError, FailureKind.NotSpecified, Errno.EIO, (object?)"table antrea"), (failure.ErrorId, failure.Kind, failure.Errno, failure.TargetObject));
        Assert.Same(fault, failure.InnerException);
        Assert.Equal(fault.Message, failure.Message);
    }

    /// <summary>
    /// Both families' tables are HostAccel's, and the peer sets they hold overlap (an ip6 table may hold a set of IPv4
    /// addresses): merged, they are no valid configuration, and the answer says the families disagree.
    /// </summary>
    [Fact]
    public void TablesOfTheTwoFamiliesThatNoOneConfigurationDescribesAreStateNotExpressible()
    {
        NftLoadOwned("""
            table ip antrea { set peer-pod-cidr { type ipv4_addr; flags interval; elements = { 10.244.0.0/16 }; }; }
            table ip6 antrea { set peer-pod-cidr { type ipv4_addr; flags interval; elements = { 10.244.1.0/24 }; }; }
            """);
        HostAccelException failure = FailsAndChangesNothing(() => ConfigurationExport.Read(Session, "antrea", includeForeign: false), ErrorIds.StateNotExpressible, FailureKind.InvalidOperation);
        Assert.Equal("table antrea", failure.TargetObject);
        HostAccelException why = Assert.IsType<HostAccelException>(failure.InnerException);
        Assert.Equal(ErrorIds.OverlappingCidr, why.ErrorId);
        Assert.Equal($"tables ip antrea and ip6 antrea accelerate different traffic (ip: None; ip6: None), which one configuration cannot express ({why.Message}); Sync-AccelConfiguration makes them agree", failure.Message);
        Assert.Contains("10.244.1.0/24 overlaps 10.244.0.0/16", why.Message, StringComparison.Ordinal);
    }

    /// <summary>One table that no configuration describes is refused with the validator's own error: there is no other family to disagree with.</summary>
    [Fact]
    public void OneTableThatNoConfigurationDescribesKeepsTheValidatorsError()
    {
        NftLoadOwned("table ip antrea { set peer-pod-cidr { type ipv6_addr; flags interval; elements = { fd00:10:244:1::/64 }; }; }");
        HostAccelException failure = FailsAndChangesNothing(() => ConfigurationExport.Read(Session, "antrea", includeForeign: false), ErrorIds.InvalidConfiguration, FailureKind.InvalidArgument);
        Assert.Contains("fd00:10:244:1::/64", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("accelerate different traffic", failure.Message, StringComparison.Ordinal);
    }
}
