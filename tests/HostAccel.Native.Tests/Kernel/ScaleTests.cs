using System.Diagnostics;
using System.Text.Json;
using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>
/// Batches of megabytes and dumps of many datagrams: the kernel caps a dump datagram at 32 KiB, so everything read
/// here arrives in dozens to hundreds of parts.
/// </summary>
public sealed class ScaleTests : NamespaceTest
{

    [Fact]
    public void AHundredThousandPrefixesWrittenInOneCommitAreReadBackExactly()
    {
        // Every 8th address of 10.0.0.0/8 from 10.0.0.0, alternately a /32 and a /30, with gaps between them so
        // that no two intervals touch: 200 000 interval elements.
        const int count = 100_000;
        IpPrefix[] prefixes = Enumerable.Range(0, count)
            .Select(i => IpPrefix.Create(false, 0x0A000000u + (uint)i * 8, i % 2 == 0 ? 32 : 30))
            .ToArray();
        var set = new NftSet(NftFamily.Ip, "t", "big", SetKeyType.Ipv4Address) { Flags = SetFlags.Interval };
        var tx = new NftTransaction();
        tx.AddTable(new NftTable(NftFamily.Ip, "t"));
        tx.AddSet(set);
        tx.AddElements(set, prefixes);
        Assert.True(tx.Count > 3, "the elements are split over several messages of one batch");
        uint generation = Nft.GetGeneration();
        Nft.Commit(tx);

        // One commit: the generation moved once.
        Assert.Equal(generation + 1, Nft.GetGeneration());
        Assert.Equal(prefixes, Nft.ListPrefixes(set));
        Assert.Equal(2 * count, Nft.ListSetElements(set).Count(e => e.Key != 0 || !e.IsIntervalEnd));

        List<string> listed = NftOracle.Elements(Ns, set);
        Assert.Equal(count, listed.Count);
        Assert.Equal(NftOracle.Texts(prefixes), listed);
    }

    [Fact]
    public void AThousandRulesAreListedInOrderWithTheirHandlesAndComments()
    {
        const int count = 1000;
        var tx = new NftTransaction();
        tx.AddTable(new NftTable(NftFamily.Ip, "t"));
        tx.AddChain(new NftChain(NftFamily.Ip, "t", "forward") { Base = new BaseChain("filter", ChainHook.Forward, 0) });
        tx.AddChain(new NftChain(NftFamily.Ip, "t", "other"));
        var expected = new List<NftRule>();
        for (int i = 0; i < count; i++)
        {
            NftRule rule = new RuleBuilder(NftFamily.Ip, "t", "forward")
                .SourceAddress(IpPrefix.Create(false, 0x0A000000u + ((uint)i << 8), 24))
                .DestinationAddress(IpPrefix.Create(false, 0xC0A80000u + (uint)i, 32))
                .Counter()
                .Build($"rule {i:D4} of the scale test");
            expected.Add(rule);
            tx.AddRule(rule);
        }

        tx.AddRule(new RuleBuilder(NftFamily.Ip, "t", "other").Counter().Build());
        Nft.Commit(tx);

        IReadOnlyList<NftRule> rules = Nft.ListRules(NftFamily.Ip, "t", "forward");
        Assert.Equal(expected, rules.Select(r => r with { Handle = 0 }));

        List<JsonElement> oracle = NftOracle.Objects(Ns, "rule").Where(r => r.GetProperty("chain").GetString() == "forward").ToList();
        Assert.Equal(oracle.Select(r => r.GetProperty("handle").GetUInt64()), rules.Select(r => r.Handle));
        Assert.Equal(oracle.Select(r => r.GetProperty("comment").GetString()), rules.Select(r => r.Comment));

        // The whole table holds the other chain's rule too; asking for the chain filtered it out.
        Assert.Equal(count + 1, Nft.ListRules(NftFamily.Ip, "t").Count);
    }

    [Fact]
    public void ManyTablesChainsAndSetsComeBackFromMultipartDumps()
    {
        const int tables = 40, perTable = 25;
        var tx = new NftTransaction();
        for (int t = 0; t < tables; t++)
        {
            string table = $"table-{t:D2}";
            tx.AddTable(new NftTable(t % 2 == 0 ? NftFamily.Ip : NftFamily.Ip6, table) { Comment = $"table {t} with a comment long enough to fill the dump" });
            for (int i = 0; i < perTable; i++)
            {
                NftFamily family = t % 2 == 0 ? NftFamily.Ip : NftFamily.Ip6;
                tx.AddChain(new NftChain(family, table, $"chain-{i:D2}") { Comment = $"chain {i} of {table}" });
                tx.AddSet(new NftSet(family, table, $"set-{i:D2}", family == NftFamily.Ip ? SetKeyType.Ipv4Address : SetKeyType.Ipv6Address)
                {
                    Flags = i % 2 == 0 ? SetFlags.Interval : SetFlags.None,
                    Comment = $"set {i} of {table}",
                });
            }
        }

        Nft.Commit(tx);

        Assert.Equal(tables, Nft.ListTables().Count);
        Assert.Equal(tables / 2, Nft.ListTables(NftFamily.Ip6).Count);
        IReadOnlyList<NftChain> chains = Nft.ListChains();
        IReadOnlyList<NftSet> sets = Nft.ListSets();
        Assert.Equal(tables * perTable, chains.Count);
        Assert.Equal(tables * perTable, sets.Count);
        Assert.Equal(
            NftOracle.Objects(Ns, "chain").Select(c => $"{c.GetProperty("family").GetString()} {c.GetProperty("table").GetString()} {c.GetProperty("name").GetString()} {c.GetProperty("handle").GetUInt64()}"),
            chains.Select(c => $"{c.Family.ToNftName()} {c.Table} {c.Name} {c.Handle}"));
        Assert.Equal(
            NftOracle.Objects(Ns, "set").Select(s => $"{s.GetProperty("family").GetString()} {s.GetProperty("table").GetString()} {s.GetProperty("name").GetString()} {s.GetProperty("handle").GetUInt64()}"),
            sets.Select(s => $"{s.Family.ToNftName()} {s.Table} {s.Name} {s.Handle}"));
        Assert.All(sets, s => Assert.Equal($"set {int.Parse(s.Name[4..], System.Globalization.CultureInfo.InvariantCulture)} of {s.Table}", s.Comment));
        Assert.Equal(perTable, Nft.ListChains(NftFamily.Ip6, "table-07").Count);
        Assert.Equal(perTable, Nft.ListSets(NftFamily.Ip, "table-08").Count);
    }

    [Fact]
    public void ASetReadWhileAnotherProcessCommitsIsNeverSeenHalfChanged()
    {
        // Another process keeps swapping one element for another, each swap one commit: every read must show
        // either the one or the other, with the rest of the set intact, or give up saying the ruleset kept changing.
        IpPrefix low = IpPrefix.Parse("10.0.0.1"), high = IpPrefix.Parse("12.0.0.1");
        IpPrefix[] rest = Enumerable.Range(0, 10_000).Select(i => IpPrefix.Create(false, 0x0B000000u + (uint)i * 4, 32)).ToArray();
        var set = new NftSet(NftFamily.Ip, "t", "s", SetKeyType.Ipv4Address) { Flags = SetFlags.Interval };
        var tx = new NftTransaction();
        tx.AddTable(new NftTable(NftFamily.Ip, "t"));
        tx.AddSet(set);
        tx.AddElements(set, [.. rest, low]);
        Nft.Commit(tx);
        IpPrefix[] withLow = [low, .. rest], withHigh = [.. rest, high];

        string toHigh = Path.Combine(Path.GetTempPath(), $"{Ns.Name}-high.nft"), toLow = Path.Combine(Path.GetTempPath(), $"{Ns.Name}-low.nft");
        File.WriteAllText(toHigh, $"delete element ip t s {{ {low.Address} }}\nadd element ip t s {{ {high.Address} }}\n");
        File.WriteAllText(toLow, $"delete element ip t s {{ {high.Address} }}\nadd element ip t s {{ {low.Address} }}\n");
        var info = new ProcessStartInfo("ip") { UseShellExecute = false };
        foreach (string argument in new[] { "netns", "exec", Ns.Name, "sh", "-c", $"while :; do nft -f {toHigh} && nft -f {toLow} || exit 1; done" })
        {
            info.ArgumentList.Add(argument);
        }

        using Process writer = Process.Start(info)!;
        var torn = new List<string>();
        int consistent = 0, gaveUp = 0;
        try
        {
            for (int read = 0; read < 40; read++)
            {
                try
                {
                    IReadOnlyList<IpPrefix> seen = Nft.ListPrefixes(set);
                    if (seen.SequenceEqual(withLow) || seen.SequenceEqual(withHigh))
                    {
                        consistent++;
                    }
                    else
                    {
                        torn.Add($"read {read}: {seen.Count} prefixes, {low} {(seen.Contains(low) ? "present" : "absent")}, {high} {(seen.Contains(high) ? "present" : "absent")}");
                    }
                }
                catch (NetlinkException ex) when (ex.Errno == Errno.EINTR)
                {
                    gaveUp++;
                }
            }

            Assert.False(writer.HasExited, "the writer stopped: nft failed to swap the elements");
        }
        finally
        {
            writer.Kill(entireProcessTree: true);
            writer.WaitForExit();
            File.Delete(toHigh);
            File.Delete(toLow);
        }

        Assert.True(torn.Count == 0, $"{torn.Count} of 40 reads were torn ({consistent} consistent, {gaveUp} gave up):\n{string.Join('\n', torn)}");
    }
}
