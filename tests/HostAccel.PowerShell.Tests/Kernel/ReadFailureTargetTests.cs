using HostAccel.Native;
using HostAccel.Native.Interop;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// When the first read of a family's table fails (recv failing as EIO, injected into the real socket), Get-Fastpath,
/// Disable-Fastpath, Get- and Reset-FlowtableCounter and Get-PeerPodCidr fail with the errno's failure naming the
/// object each was looking for in that family.
/// </summary>
public sealed class ReadFailureTargetTests : EngineTest
{
    private readonly SystemCallException _fault = new("recv", Errno.EIO);

    public static TheoryData<string, string> Reads => new()
    {
        { "Get-Fastpath", "table ip antrea" },
        { "Disable-Fastpath", "table ip antrea" },
        { "Get-FlowtableCounter", "chain ip antrea forward" },
        { "Reset-FlowtableCounter", "chain ip antrea forward" },
        { "Get-PeerPodCidr", "set ip antrea peer-pod-cidr" },
    };

    [Theory]
    [MemberData(nameof(Reads))]
    public void AFailingReadOfTheTableNamesWhatWasLookedForInItsFamily(string cmdlet, string target)
    {
        NftLoadOwned("""
            table ip antrea {
                set peer-pod-cidr { type ipv4_addr; flags interval; }
                chain forward { ip saddr 10.0.0.0/8 counter; }
            }
            """);
        IReadOnlyCollection<AccelFamily> ip = [AccelFamily.Ip];
        var disable = new DisableFastpathPlan(Session);
        var reset = new ResetCountersPlan(Session);
        Action read = cmdlet switch
        {
            "Get-Fastpath" => () => Fastpaths.Get(Session, ip, "antrea", "fastpath", "forward"),
            "Disable-Fastpath" => () => disable.Prepare(ip, "antrea", "fastpath", "forward", false),
            "Get-FlowtableCounter" => () => Counters.Get(Session, ip, "antrea", "forward"),
            "Reset-FlowtableCounter" => () => reset.Prepare(ip, "antrea", "forward", false),
            _ => () => Assert.NotNull(PeerPodCidrs.Get(Session, ip, "antrea", "peer-pod-cidr").ToList()),
        };
        string before = Ruleset();

        Session.Nft.Socket.OnReceive = _ => throw _fault;
        HostAccelException failure;
        try
        {
            failure = Assert.Throws<HostAccelException>(read);
        }
        finally
        {
            Session.Nft.Socket.OnReceive = null;
        }

        Assert.Equal((ErrorIds.KernelError, FailureKind.NotSpecified, Errno.EIO, (object)target), (failure.ErrorId, failure.Kind, failure.Errno, failure.TargetObject));
        Assert.Same(_fault, failure.InnerException);
        Assert.Equal(before, Ruleset());
    }
}
