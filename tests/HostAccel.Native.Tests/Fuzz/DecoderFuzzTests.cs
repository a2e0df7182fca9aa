using System.Globalization;
using Xunit;
using Xunit.Abstractions;

namespace HostAccel.Native.Tests.Fuzz;

/// <summary>
/// Every reply decoder meets random and mutated kernel replies and either decodes them or raises
/// NetlinkDecodeException: nothing else escapes, nothing hangs. 50 000 cases in the normal run; the long run:
/// <code>HOSTACCEL_FUZZ_CASES=1000000 dotnet test tests/HostAccel.Native.Tests --filter "FullyQualifiedName~DecoderFuzzTests" --logger "console;verbosity=detailed"</code>
/// (HOSTACCEL_FUZZ_SEED picks another deterministic run; HOSTACCEL_FUZZ_WORKERS the number of threads.) Keep the
/// default Debug build: in Release the JIT inlines library methods away and findings lose the name of the method
/// that threw, which is what known bugs are matched by.
/// </summary>
public sealed class DecoderFuzzTests
{
    public const long DefaultCases = 50_000;
    public const ulong DefaultSeed = 7;

    /// <summary>
    /// Findings already reported, each kept as a skipped test in <see cref="DecoderFuzzRegressionTests"/> until the
    /// fix lands: the run reports them without failing. Any other finding fails the run.
    /// </summary>
    internal static readonly Dictionary<string, string> KnownBugs = new(StringComparer.Ordinal);

    private readonly ITestOutputHelper _output;

    public DecoderFuzzTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public void MutatedRepliesRaiseNothingButNetlinkDecodeExceptionAndNeverHang()
    {
        long cases = Setting("HOSTACCEL_FUZZ_CASES", DefaultCases);
        ulong seed = (ulong)Setting("HOSTACCEL_FUZZ_SEED", (long)DefaultSeed);
        int workers = (int)Setting("HOSTACCEL_FUZZ_WORKERS", Math.Clamp(Environment.ProcessorCount, 1, 8));

        DecoderFuzzer.Result result = DecoderFuzzer.Run(cases, seed, workers);

        _output.WriteLine($"decoder fuzz: {result.Cases} cases, seed {seed}, {workers} workers, {result.Elapsed.TotalSeconds:0.0} s, corpus {FuzzCorpus.All.Count} seeds");
        for (int stage = 0; stage < DecoderHarness.Stages.Length; stage++)
        {
            _output.WriteLine($"  {DecoderHarness.Stages[stage],-52} decoded {result.Tally.Counts[stage, 0],10}  refused {result.Tally.Counts[stage, 1],10}");
        }

        var unknown = new List<string>();
        foreach (DecoderFuzzer.Finding finding in result.Findings)
        {
            byte[] minimal = DecoderFuzzer.Minimize(finding.Input, finding.First.Signature);
            bool known = KnownBugs.ContainsKey(finding.First.Signature);
            string line = $"{(known ? $"known ({KnownBugs[finding.First.Signature]})" : "NEW")}: {finding.First} ({finding.Occurrences} cases, first case {finding.Case})\n    minimized: {Convert.ToHexString(minimal)}";
            _output.WriteLine(line);
            if (!known)
            {
                unknown.Add(line);
            }
        }

        Assert.Null(result.Hang);
        Assert.Equal(cases, result.Cases);
        Assert.True(unknown.Count == 0, string.Join("\n", unknown));
    }

    [Fact]
    public void MutationsReachEveryDecoderBothAcceptedAndRefused()
    {
        // A fuzzer whose inputs all die in the first length check proves nothing about the decoders behind it.
        DecoderFuzzer.Result result = DecoderFuzzer.Run(5_000, DefaultSeed, 1);
        foreach (int stage in Enumerable.Range(0, 9).Concat(DecoderHarness.TrafficControlStages))
        {
            Assert.True(result.Tally.Counts[stage, 0] > 0, $"{DecoderHarness.Stages[stage]} never decoded a mutated input");
            Assert.True(result.Tally.Counts[stage, 1] > 0, $"{DecoderHarness.Stages[stage]} never refused a mutated input");
        }
    }

    [Fact]
    public void CasesAreReproducibleFromSeedAndIndex()
    {
        for (long i = 0; i < 200; i++)
        {
            Assert.Equal(Mutator.Case(FuzzCorpus.All, DefaultSeed, i), Mutator.Case(FuzzCorpus.All, DefaultSeed, i));
        }

        Assert.NotEqual(Mutator.Case(FuzzCorpus.All, DefaultSeed, 1), Mutator.Case(FuzzCorpus.All, DefaultSeed + 1, 1));
    }

    [Fact]
    public void TheCorpusHoldsEveryCapturedReplyAndDecodesCleanly()
    {
        Assert.Equal(16, FuzzCorpus.ReplyFixtures().Count());
        Assert.All(FuzzCorpus.All, seed => Assert.Null(DecoderHarness.Run(seed)));
    }

    private static long Setting(string name, long fallback) =>
        long.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out long value) && value > 0 ? value : fallback;
}
