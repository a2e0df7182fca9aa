using System.Collections;
using System.Globalization;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;
using HostAccel.PowerShell.Tests.Support;
using Xunit;

namespace HostAccel.PowerShell.Tests.Kernel;

/// <summary>
/// Issue 5's property on this host's kernel, which has no flowtables: random sequences of prepared states (families,
/// and peer Pod CIDRs drawn from a pool of adjacent prefixes, single addresses and the ends of both address spaces)
/// synced in turn. After each sync `nft -j list ruleset`, read here without the engine's code, holds exactly the
/// tables and sets the state describes; a second sync commits nothing; Test- and Get-AccelConfiguration agree. The
/// rules and flowtables of the other traffic types are the VM's half (tests/HostAccel.VmChecks/Sync/SyncProperty).
/// </summary>
public sealed class SyncPropertyTests : EngineTest
{
    /// <summary>No two overlap (the validator refuses overlaps); several touch, which the interval set must keep apart.</summary>
    private static readonly string[] Pool =
    [
        "0.0.0.0/8", "10.0.0.0/25", "10.0.0.128/25", "10.0.1.0/24", "10.0.2.7/32", "10.0.2.8/29", "10.128.0.0/9",
        "172.16.0.0/12", "192.168.0.0/16", "255.255.254.0/24", "255.255.255.0/24",
        "::/16", "fd00::/64", "fd00:0:0:1::/64", "2001:db8::1/128", "2001:db8::2/127", "fffe::/16", "ffff::/16",
    ];

    private static Gen<Hashtable> State() =>
        from families in Gen.Elements(new[] { "ip" }, new[] { "ip6" }, new[] { "ip", "ip6" }, new[] { "ip", "ip6" }, Array.Empty<string>())
        from peers in Gen.SubListOf(Pool)
        select new Hashtable
        {
            ["Family"] = families,
            ["Traffic"] = "None",
            ["PeerPodCidr"] = peers.Where(p => families.Contains(p.Contains(':', StringComparison.Ordinal) ? "ip6" : "ip")).ToArray(),
        };

    [Fact]
    public void RandomSequencesOfStatesSyncExactlyAndASecondSyncWritesNothing()
    {
        int cases = int.TryParse(Environment.GetEnvironmentVariable("HOSTACCEL_SYNC_CASES"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) ? n : 40;
        string? failure = null;
        Gen<Hashtable[]> sequences = State().ArrayOf().Where(a => a.Length is > 0 and <= 5);
        try
        {
            Prop.ForAll(sequences.ToArbitrary(), sequence =>
            {
                Synchronizer.Sync(Session, ConfigurationReader.Read(new Hashtable(), "empty"), new SyncOptions(), CancellationToken.None);
                foreach (Hashtable settings in sequence)
                {
                    AccelConfiguration state = ConfigurationReader.Read(settings, "property");
                    Synchronizer.Sync(Session, state, new SyncOptions(), CancellationToken.None);
                    List<string> expected = Expected(settings), actual = Actual();
                    uint generation = Session.Nft.GetGeneration();
                    AccelSyncResult again = Synchronizer.Sync(Session, state, new SyncOptions(), CancellationToken.None);
                    bool wroteNothing = Session.Nft.GetGeneration() == generation && !again.Applied && again.Changes.Count == 0;
                    AccelConfiguration read = ConfigurationExport.Read(Session, "antrea", includeForeign: false);
                    bool readBack = read.Family.SequenceEqual(state.Family) && read.PeerPodCidr.Order().SequenceEqual(state.PeerPodCidr.Order()) && read.Traffic == AccelTraffic.None;
                    if (!expected.SequenceEqual(actual) || !wroteNothing || !readBack || !Synchronizer.Test(Session, state, force: false).InDesiredState)
                    {
                        failure = $"after syncing {state}:\n  expected {string.Join(" | ", expected)}\n  nft -j   {string.Join(" | ", actual)}\n" +
                            $"  second sync: {again}{(wroteNothing ? "" : ", and it committed")}\n  read back: {read}";
                        return false;
                    }
                }

                return true;
            }).Check(Config.QuickThrowOnFailure.WithMaxTest(cases).WithQuietOnSuccess(true));
        }
        catch (Exception ex) when (failure is not null)
        {
            Assert.Fail($"{failure}\n{ex.Message}");
        }
    }

    /// <summary>The state as one line per object, from the settings alone: a table and its peer set per family.</summary>
    private static List<string> Expected(Hashtable settings)
    {
        var families = (string[])settings["Family"]!;
        var peers = (string[])settings["PeerPodCidr"]!;
        return families.SelectMany(family =>
        {
            bool v6 = family == "ip6";
            IEnumerable<string> elements = peers.Where(p => p.Contains(':', StringComparison.Ordinal) == v6)
                .Select(p => p.EndsWith(v6 ? "/128" : "/32", StringComparison.Ordinal) ? p[..p.IndexOf('/', StringComparison.Ordinal)] : p);
            return new[]
            {
                $"table {family} antrea \"Rules for Antrea\"",
                $"set {family} antrea peer-pod-cidr {(v6 ? "ipv6_addr" : "ipv4_addr")} interval \"Set for storing {(v6 ? "IPv6" : "IPv4")} peer Pods CIDRs\" {{ {string.Join(", ", elements.Order(StringComparer.Ordinal))} }}",
            };
        }).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>`nft -j list ruleset` as the same lines; any other object (a chain, a rule, a flowtable) shows up as itself.</summary>
    private List<string> Actual()
    {
        var lines = new List<string>();
        foreach (JsonElement item in Ns.NftJson("list", "ruleset").EnumerateArray())
        {
            if (item.TryGetProperty("metainfo", out _))
            {
                continue;
            }

            if (item.TryGetProperty("table", out JsonElement table))
            {
                // nft 1.0.6 leaves a table's comment out of its JSON: its text has it, on the table's second line.
                string family = table.GetProperty("family").GetString()!, name = table.GetProperty("name").GetString()!;
                System.Text.RegularExpressions.Match comment = System.Text.RegularExpressions.Regex.Match(Ns.Nft("list", "table", family, name), @"^table .*\n\s*comment ""(.*)""\n");
                lines.Add($"table {family} {name} \"{comment.Groups[1].Value}\"");
            }
            else if (item.TryGetProperty("set", out JsonElement set))
            {
                string flags = set.TryGetProperty("flags", out JsonElement f) ? string.Join(",", f.EnumerateArray().Select(x => x.GetString())) : "";
                IEnumerable<string> elements = set.TryGetProperty("elem", out JsonElement elem)
                    ? elem.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String
                        ? e.GetString()!
                        : e.TryGetProperty("prefix", out JsonElement prefix)
                            ? $"{prefix.GetProperty("addr").GetString()}/{prefix.GetProperty("len").GetInt32()}"
                            : e.GetRawText())
                    : [];
                lines.Add($"set {set.GetProperty("family").GetString()} {set.GetProperty("table").GetString()} {set.GetProperty("name").GetString()} " +
                    $"{set.GetProperty("type").GetString()} {flags} \"{Text(set, "comment")}\" {{ {string.Join(", ", elements.Order(StringComparer.Ordinal))} }}");
            }
            else
            {
                lines.Add(item.GetRawText());
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private static string Text(JsonElement e, string property) => e.TryGetProperty(property, out JsonElement v) ? v.GetString() ?? "" : "";
}
