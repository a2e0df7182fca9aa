using HostAccel.Native.Nftables.Objects;

namespace HostAccel.Native.Nftables;

/// <summary>
/// Changes written as the nft statements a person would type for them: what a dry run prints. Rules hold device
/// indexes; <c>interfaceName</c> names them (an index is shown where it cannot).
/// </summary>
public static class NftStatements
{
    public static string AddTable(NftTable table) => $"add {table}";

    public static string DeleteTable(NftTable table) => $"delete table {Id(table.Family, table.Name)}";

    public static string AddChain(NftChain chain) => $"add {chain}";

    public static string DeleteChain(NftChain chain) => $"delete chain {Id(chain.Family, chain.Table, chain.Name)}";

    public static string AddSet(NftSet set) => $"add {set}";

    public static string DeleteSet(NftSet set) => $"delete set {Id(set.Family, set.Table, set.Name)}";

    /// <summary><c>add element …</c> or <c>delete element …</c> with every prefix (megabytes for a large set: render on demand).</summary>
    public static string Elements(bool add, NftSet set, IEnumerable<IpPrefix> prefixes)
    {
        ArgumentNullException.ThrowIfNull(set);
        return $"{(add ? "add" : "delete")} element {Id(set.Family, set.Table, set.Name)} {{ {string.Join(", ", prefixes)} }}";
    }

    /// <summary>nft's <c>delete element … { 10.20.0.3-10.20.0.9 }</c>: ranges as the set holds them.</summary>
    public static string DeleteRanges(NftSet set, IEnumerable<AddressRange> ranges)
    {
        ArgumentNullException.ThrowIfNull(set);
        return $"delete element {Id(set.Family, set.Table, set.Name)} {{ {string.Join(", ", ranges)} }}";
    }

    public static string FlushSet(NftSet set) => $"flush set {Id(set.Family, set.Table, set.Name)}";

    public static string AddFlowtable(NftFlowtable flowtable) => $"add {flowtable}";

    public static string DeleteFlowtable(NftFlowtable flowtable) => $"delete flowtable {Id(flowtable.Family, flowtable.Table, flowtable.Name)}";

    public static string DeleteFlowtableDevices(NftFlowtable flowtable, IEnumerable<string> devices) =>
        $"delete flowtable {Id(flowtable.Family, flowtable.Table, flowtable.Name)} {{ devices = {{ {string.Join(", ", devices.Select(NftText.Name))} }}; }}";

    public static string AddRule(NftRule rule, Func<uint, string?>? interfaceName) => $"add {RuleText.Render(rule, interfaceName)}";

    /// <summary>nft's <c>insert rule … position N</c>: before the rule with handle N.</summary>
    public static string InsertRule(NftRule rule, ulong beforeHandle, Func<uint, string?>? interfaceName) =>
        $"insert rule {Id(rule.Family, rule.Table, rule.Chain)} position {beforeHandle} {RuleText.Body(rule, interfaceName)}";

    public static string ReplaceRule(NftRule rule, Func<uint, string?>? interfaceName) =>
        $"replace rule {Id(rule.Family, rule.Table, rule.Chain)} handle {rule.Handle} {RuleText.Body(rule, interfaceName)}";

    public static string DeleteRule(NftRule rule) => $"delete rule {Id(rule.Family, rule.Table, rule.Chain)} handle {rule.Handle}";

    /// <summary>nft's <c>reset rules chain …</c>: the chain's counters read and zeroed.</summary>
    public static string ResetCounters(NftFamily family, string table, string chain) => $"reset rules chain {Id(family, table, chain)}";

    /// <summary>An object's family and names, each quoted where nft needs it (<see cref="NftText.Name"/>).</summary>
    private static string Id(NftFamily family, params string[] names) => $"{family.ToNftName()} {string.Join(' ', names.Select(NftText.Name))}";
}
