using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;

namespace HostAccel.PowerShell.Engine.Configuration;

/// <summary>What one table holds in the kernel: its sets, flowtables, chains and every rule, read in one go.</summary>
internal sealed record KernelTable(NftTable Table, IReadOnlyList<NftSet> Sets, IReadOnlyList<NftFlowtable> Flowtables, IReadOnlyList<NftChain> Chains, IReadOnlyList<NftRule> Rules)
{
    /// <summary>The table named <paramref name="name"/> of a family, or null when there is none.</summary>
    public static KernelTable? Read(NftConnection nft, NftFamily family, string name)
    {
        ArgumentNullException.ThrowIfNull(nft);
        NftTable? table = nft.GetTable(family, name);
        if (table is null)
        {
            return null;
        }

        return new KernelTable(table, nft.ListSets(family, name).Where(s => (s.Flags & SetFlags.Anonymous) == 0).ToList(), nft.ListFlowtables(family, name), nft.ListChains(family, name), nft.ListRules(family, name));
    }

    public IEnumerable<NftRule> RulesOf(string chain) => Rules.Where(r => r.Chain == chain);
}
