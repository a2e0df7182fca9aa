using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// Get-OffloadedFlow's peer Pod CIDR of a connection: an IPv6 one found in the ip6 set, none when no peer prefix holds
/// either end, and the set of one family read even when the other family's table has no set; no family asked for
/// (none at all) is every family.
/// </summary>
public sealed class FlowPeerCidrTests : EngineTest
{
    [Fact]
    public void AnIpv6FlowToAPeerPodCidrNamesItWhileTheIpTableHasNoSet()
    {
        NftLoadOwned("""
            table ip antrea {
            }
            table ip6 antrea {
                set peer-pod-cidr { type ipv6_addr; flags interval; elements = { ::1/128 } }
                chain out { type filter hook output priority 0; ct state new counter; }
            }
            """);
        Ns.Exec("ping", "-6", "-c", "1", "-W", "1", "::1");

        OffloadedFlow ping = Assert.Single(Flows.Get(Session, [AccelFamily.Ip6], includeSlowPath: true), f => f.Protocol == "ipv6-icmp" || f.Protocol == "icmpv6");
        Assert.Equal("::1/128", ping.PeerPodCidr);
    }

    [Fact]
    public void AFlowOutsideEveryPeerPodCidrHasNoneAndNoFamilyAskedForIsEveryFamily()
    {
        NftLoadOwned("""
            table ip antrea {
                set peer-pod-cidr { type ipv4_addr; flags interval; elements = { 10.244.0.0/24 } }
                chain out { type filter hook output priority 0; ct state new counter; }
            }
            """);
        Ns.Exec("ping", "-c", "1", "-W", "1", "127.0.0.1");

        OffloadedFlow ping = Assert.Single(Flows.Get(Session, [], includeSlowPath: true), f => f.Protocol == "icmp");
        Assert.Null(ping.PeerPodCidr);
        Assert.Equal(AccelFamily.Ip, ping.Family);
    }
}
