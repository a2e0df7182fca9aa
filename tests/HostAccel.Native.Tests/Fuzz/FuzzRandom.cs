namespace HostAccel.Native.Tests.Fuzz;

/// <summary>
/// SplitMix64: a tiny deterministic generator, seeded per case so that any case of any run can be rebuilt from the
/// run's seed and its index alone, whatever the number of workers.
/// </summary>
internal struct FuzzRandom
{
    private ulong _state;

    public FuzzRandom(ulong runSeed, long caseIndex)
    {
        _state = runSeed * 0x9E3779B97F4A7C15UL ^ (ulong)caseIndex * 0xD1B54A32D192ED03UL;
        Next();
    }

    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A number in [0, bound); 0 when bound is 0.</summary>
    public int Below(int bound) => bound <= 0 ? 0 : (int)(Next() % (ulong)bound);

    public bool Chance(int percent) => Below(100) < percent;

    public T Pick<T>(IReadOnlyList<T> items) => items[Below(items.Count)];

    public void Fill(Span<byte> bytes)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)Next();
        }
    }
}
