using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;

namespace HostAccel.VmChecks.Sync;

/// <summary>
/// Two writers, each with its own netlink socket, sync two different desired states into one namespace as fast as
/// they can for a bounded time, while a third process adds elements with nft. Every sync must either apply fully or
/// retry (and, after its attempts, report a busy ruleset); no other exception may escape; and the final ruleset
/// must equal the state of the last sync that applied — the one planned against the highest generation.
/// </summary>
internal static class SyncRace
{
    public static void Run(Report report)
    {
        using var ns = new SyncNamespace();
        Hashtable a = SyncChecks.Full();
        Hashtable b = SyncChecks.Full();
        b["PeerPodCidr"] = new[] { "10.10.3.0/24", "fd00:12::/64" };
        b["Devices"] = new[] { "eth2" };
        b["Traffic"] = "PodToPod, ExternalToNodePort";
        b.Remove("ExternalIP");
        b.Remove("PeerNodeIP");
        AccelConfiguration[] states = [SyncChecks.Config(a), SyncChecks.Config(b)];

        var applied = new ConcurrentBag<(uint Generation, int Writer)>();
        var unexpected = new ConcurrentBag<string>();
        int retried = 0, exhausted = 0, syncs = 0;
        var clock = Stopwatch.StartNew();
        TimeSpan duration = TimeSpan.FromSeconds(8);
        Thread[] writers = states.Select((state, writer) => new Thread(() =>
        {
            using AccelSession session = ns.Open();
            while (clock.Elapsed < duration)
            {
                try
                {
                    AccelSyncResult result = Synchronizer.Sync(session, state, new SyncOptions { MaxAttempts = 20 }, CancellationToken.None);
                    Interlocked.Increment(ref syncs);
                    if (result.Attempts > 1)
                    {
                        Interlocked.Add(ref retried, result.Attempts - 1);
                    }

                    if (result.Applied)
                    {
                        applied.Add((result.Generation, writer));
                    }
                }
                catch (HostAccelException ex) when (ex.ErrorId == ErrorIds.RulesetChanged)
                {
                    Interlocked.Increment(ref exhausted);
                }
                catch (Exception ex)
                {
                    unexpected.Add(ex.ToString());
                }
            }
        })).ToArray();
        Thread third = new(() =>
        {
            for (int i = 0; clock.Elapsed < duration; i++)
            {
                // Changes the generation under the writers; fails harmlessly when a writer just removed the table.
                Sh.Execute("ip", "netns", "exec", ns.Name, "nft", "add", "element", "ip", "antrea", "peer-pod-cidr", $"{{ 10.99.{i % 250}.0/24 }}");
            }
        });
        foreach (Thread t in writers.Append(third))
        {
            t.Start();
        }

        foreach (Thread t in writers.Append(third))
        {
            t.Join();
        }

        report.Check(unexpected.IsEmpty, "Race: no exception escapes two writers syncing against each other", string.Join("\n", unexpected.Take(2)));
        report.Check(applied.Select(x => x.Writer).Distinct().Count() == 2 && retried > 0,
            $"Race: both writers applied ({applied.Count} applied of {syncs} syncs, {retried} retries after the ruleset changed, {exhausted} gave up after 20 attempts)");

        // The third writer's stray elements are drift of the winning state: one more sync by the winner removes only them.
        (uint _, int winner) = applied.MaxBy(x => x.Generation);
        List<string> actual = RulesetJson.Actual(ns.Name).Where(l => !l.Contains("10.99.", StringComparison.Ordinal)).ToList();
        List<string> expected = ExpectedRuleset.For(states[winner]).Where(l => !l.Contains("10.99.", StringComparison.Ordinal)).ToList();
        report.Check(SameBesidesStrays(expected, RulesetJson.Actual(ns.Name)), "Race: the final ruleset is the state of the last sync that applied (no lost update)", SyncChecks.Diff(expected, actual));
    }

    /// <summary>Equal once the elements the third writer added (10.99.x.0/24) are taken out of the set lines.</summary>
    private static bool SameBesidesStrays(List<string> expected, List<string> actual)
    {
        static string Strip(string line) => System.Text.RegularExpressions.Regex.Replace(line, @"\{""prefix"":\{""addr"":""10\.99\.\d+\.0"",""len"":24\}\},?", "").Replace(",]", "]", StringComparison.Ordinal).Replace(",\"elem\":[]", "", StringComparison.Ordinal);
        return expected.Select(Strip).SequenceEqual(actual.Select(Strip));
    }
}
