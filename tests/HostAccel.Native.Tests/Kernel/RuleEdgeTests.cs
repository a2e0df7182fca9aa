using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>
/// Rules at the edges of what the library writes, loaded into the kernel and listed by `nft`: a counter that starts
/// from given values, an inverted set lookup, a comment of nft's longest (128 bytes) and a device name of 15 bytes.
/// </summary>
public sealed class RuleEdgeTests : NamespaceTest
{
    [Fact]
    public void RulesAtTheEdgesLoadAndNftListsThemAsWritten()
    {
        Ns.NftLoad("""
            table ip t {
                set blocked { type ipv4_addr; }
                chain c { }
            }
            """);
        string comment = new string('é', 63) + "ab";
        NftRule[] rules =
        [
            new NftRule(NftFamily.Ip, "t", "c", new Expression[] { new CounterExpression(Packets: 7, Bytes: 1500) }),
            new NftRule(NftFamily.Ip, "t", "c", new Expression[] { new CounterExpression(Packets: 3, Bytes: 0) }),
            new RuleBuilder(NftFamily.Ip, "t", "c").IifName("eth0.1234567890").Counter().Build(comment),
            new NftRule(NftFamily.Ip, "t", "c", new Expression[]
            {
                new PayloadExpression(PayloadBase.Network, 16, 4),
                new LookupExpression("blocked", Invert: true),
                new ImmediateExpression(VerdictCode.Drop),
            }),
        ];
        var tx = new NftTransaction();
        foreach (NftRule rule in rules)
        {
            tx.AddRule(rule);
        }

        Nft.Commit(tx);

        string[] listed = Ns.Nft("list", "chain", "ip", "t", "c").Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            [
                "counter packets 7 bytes 1500",
                "counter packets 3 bytes 0",
                $"iifname \"eth0.1234567890\" counter packets 0 bytes 0 comment \"{comment}\"",
                "ip daddr != @blocked drop",
            ],
            listed[2..^2]);
        Assert.Equal(rules, Nft.ListRules(NftFamily.Ip, "t", "c").Select(r => r with { Handle = 0 }));
    }
}
