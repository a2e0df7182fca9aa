using HostAccel.Native.Nftables;

namespace HostAccel.PowerShell.Engine.Planning;

/// <summary>The one renderer of plans: each change as the nft statement that would make it.</summary>
internal static class PlanText
{
    /// <summary>
    /// A statement cut after <paramref name="maxLength"/> characters, with the count of its elements: an element list
    /// of 100 000 prefixes is not rendered whole to be cut.
    /// </summary>
    public static string Statement(Change change, Func<uint, string?>? interfaceName, int maxLength)
    {
        if (change is not ElementsChange e)
        {
            string whole = Statement(change, interfaceName);
            return whole.Length <= maxLength ? whole : $"{whole[..maxLength]}…";
        }

        string head = NftStatements.Elements(e.Action == ChangeAction.Add, e.Set, e.Prefixes.Take(maxLength / 8 + 1));
        return head.Length <= maxLength && e.Prefixes.Count <= maxLength / 8 + 1 ? head : $"{head[..Math.Min(head.Length, maxLength)]}… ({e.Prefixes.Count} elements)";
    }

    public static string Statement(Change change, Func<uint, string?>? interfaceName = null) => change switch
    {
        TableChange { Action: ChangeAction.Add or ChangeAction.Create } t => NftStatements.AddTable(t.Table),
        TableChange { Action: ChangeAction.Delete } t => NftStatements.DeleteTable(t.Table),
        SetChange { Action: ChangeAction.Add } s => NftStatements.AddSet(s.Set),
        SetChange { Action: ChangeAction.Delete } s => NftStatements.DeleteSet(s.Set),
        ElementsChange e => NftStatements.Elements(e.Action == ChangeAction.Add, e.Set, e.Prefixes),
        RangesChange r => NftStatements.DeleteRanges(r.Set, r.Ranges),
        FlowtableChange { Action: ChangeAction.Add } f => NftStatements.AddFlowtable(f.Flowtable),
        FlowtableChange { Action: ChangeAction.Delete } f => NftStatements.DeleteFlowtable(f.Flowtable),
        FlowtableDevicesChange d => NftStatements.DeleteFlowtableDevices(d.Flowtable, d.Devices),
        ChainChange { Action: ChangeAction.Add } c => NftStatements.AddChain(c.Chain),
        ChainChange { Action: ChangeAction.Delete } c => NftStatements.DeleteChain(c.Chain),
        RuleChange { Action: ChangeAction.Add } r => NftStatements.AddRule(r.Rule, interfaceName),
        RuleChange { Action: ChangeAction.Insert } r => NftStatements.InsertRule(r.Rule, r.Position, interfaceName),
        RuleChange { Action: ChangeAction.Replace } r => NftStatements.ReplaceRule(r.Rule, interfaceName),
        RuleChange { Action: ChangeAction.Delete } r => NftStatements.DeleteRule(r.Rule),
        CounterResetChange r => NftStatements.ResetCounters(r.Family, r.Table, r.Chain),
        _ => throw new ArgumentException($"no statement for {change}", nameof(change)),
    };

    /// <summary>
    /// A change in a few words for a prompt: element lists by their count ("add 50000 elements to set ip antrea
    /// peer-pod-cidr"), everything else as its statement.
    /// </summary>
    public static string Summary(Change change, Func<uint, string?>? interfaceName = null, int maxLength = int.MaxValue) => change switch
    {
        ElementsChange { Prefixes.Count: > 3 } e =>
            $"{(e.Action == ChangeAction.Add ? "add" : "delete")} {e.Prefixes.Count} elements {(e.Action == ChangeAction.Add ? "to" : "from")} set {e.Set.Family.ToNftName()} {e.Set.Table} {e.Set.Name}",
        _ => maxLength == int.MaxValue ? Statement(change, interfaceName) : Statement(change, interfaceName, maxLength),
    };
}
