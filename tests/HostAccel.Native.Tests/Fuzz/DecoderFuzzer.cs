using System.Collections.Concurrent;
using System.Diagnostics;

namespace HostAccel.Native.Tests.Fuzz;

/// <summary>
/// Runs <c>cases</c> fuzz cases over a few worker threads and a watchdog. Case i is the same input in every run with
/// the same seed, so a finding is reproduced from (seed, case) alone. Each input is bounded: a case still running
/// after <see cref="PerInputLimit"/> is reported as a hang and the run stops; the run itself is bounded by its count.
/// </summary>
internal sealed class DecoderFuzzer
{
    /// <summary>Far beyond what decoding 64 KiB can take: only a loop that never ends gets here.</summary>
    public static readonly TimeSpan PerInputLimit = TimeSpan.FromSeconds(30);

    public sealed record Finding(FuzzFinding First, long Case, byte[] Input, long Occurrences);

    public sealed record Result(long Cases, TimeSpan Elapsed, IReadOnlyList<Finding> Findings, string? Hang, DecoderHarness.Tally Tally);

    public static Result Run(long cases, ulong seed, int workers)
    {
        IReadOnlyList<byte[]> corpus = FuzzCorpus.All;
        var findings = new ConcurrentDictionary<string, Finding>(StringComparer.Ordinal);
        var tallies = new DecoderHarness.Tally[workers];
        long[] current = new long[workers];
        long[] startedAt = new long[workers];
        long done = 0;
        var stop = new CancellationTokenSource();
        var stopwatch = Stopwatch.StartNew();
        var threads = new Thread[workers];
        for (int w = 0; w < workers; w++)
        {
            int worker = w;
            tallies[worker] = new DecoderHarness.Tally();
            Volatile.Write(ref current[worker], -1);
            threads[worker] = new Thread(() =>
            {
                for (long i = worker; i < cases && !stop.IsCancellationRequested; i += workers)
                {
                    Volatile.Write(ref startedAt[worker], stopwatch.ElapsedTicks);
                    Volatile.Write(ref current[worker], i);
                    byte[] input = Mutator.Case(corpus, seed, i);
                    if (DecoderHarness.Run(input, tallies[worker]) is FuzzFinding finding)
                    {
                        findings.AddOrUpdate(finding.Signature,
                            _ => new Finding(finding, i, input, 1),
                            (_, known) => known with { Occurrences = known.Occurrences + 1 });
                    }

                    Interlocked.Increment(ref done);
                }

                Volatile.Write(ref current[worker], -1);
            })
            { IsBackground = true, Name = $"fuzz worker {worker}" };
            threads[worker].Start();
        }

        string? hang = null;
        while (threads.Any(t => t.IsAlive))
        {
            Thread.Sleep(50);
            for (int w = 0; w < workers && hang is null; w++)
            {
                long running = Volatile.Read(ref current[w]);
                long since = stopwatch.ElapsedTicks - Volatile.Read(ref startedAt[w]);
                if (running >= 0 && Volatile.Read(ref current[w]) == running && since > PerInputLimit.TotalSeconds * Stopwatch.Frequency)
                {
                    byte[] input = Mutator.Case(corpus, seed, running);
                    hang = $"case {running} (seed {seed}) still decoding after {PerInputLimit.TotalSeconds:0} s: {Convert.ToHexString(input)}";
                    stop.Cancel();
                }
            }

            if (hang is not null)
            {
                break;
            }
        }

        var tally = new DecoderHarness.Tally();
        foreach (DecoderHarness.Tally t in tallies)
        {
            tally.Add(t);
        }

        return new Result(Interlocked.Read(ref done), stopwatch.Elapsed, findings.Values.OrderBy(f => f.First.Signature, StringComparer.Ordinal).ToList(), hang, tally);
    }

    /// <summary>
    /// Shrinks an input while it still produces the same finding: halves, then ever smaller chunks removed, then
    /// bytes zeroed. Bounded, so a stubborn input costs at most a few thousand decodes.
    /// </summary>
    public static byte[] Minimize(byte[] input, string signature)
    {
        byte[] best = input;
        int attempts = 0;
        bool Same(byte[] candidate) => ++attempts < 20_000 && DecoderHarness.Run(candidate)?.Signature == signature;
        for (int chunk = Math.Max(1, best.Length / 2); chunk >= 1; chunk /= 2)
        {
            bool shrunk = true;
            while (shrunk)
            {
                shrunk = false;
                for (int at = 0; at + chunk <= best.Length; at += chunk)
                {
                    byte[] candidate = [.. best.AsSpan(0, at), .. best.AsSpan(at + chunk)];
                    if (Same(candidate))
                    {
                        best = candidate;
                        shrunk = true;
                    }
                }
            }
        }

        for (int at = 0; at < best.Length; at++)
        {
            if (best[at] != 0)
            {
                byte[] candidate = (byte[])best.Clone();
                candidate[at] = 0;
                if (Same(candidate))
                {
                    best = candidate;
                }
            }
        }

        return best;
    }
}
