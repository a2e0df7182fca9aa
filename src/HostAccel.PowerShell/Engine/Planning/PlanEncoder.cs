using HostAccel.Native.Nftables;

namespace HostAccel.PowerShell.Engine.Planning;

/// <summary>
/// The one encoder of plans: each change queued into an nf_tables transaction with its subject, so that an error the
/// kernel reports on a message names the user's object it came from (for elements, the prefix's own subject).
/// </summary>
internal static class PlanEncoder
{
    public static NftTransaction Encode(IEnumerable<Change> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var tx = new NftTransaction();
        foreach (Change change in changes)
        {
            object? subject = change.Subject;
            switch (change)
            {
                case TableChange { Action: ChangeAction.Add or ChangeAction.Create } t:
                    tx.AddTable(t.Table, exclusive: t.Action == ChangeAction.Create, subject);
                    break;
                case TableChange { Action: ChangeAction.Delete } t:
                    tx.DeleteTable(t.Table, subject);
                    break;
                case SetChange { Action: ChangeAction.Add } s:
                    tx.AddSet(s.Set, subject);
                    break;
                case SetChange { Action: ChangeAction.Delete } s:
                    tx.DeleteSet(s.Set, subject);
                    break;
                case ElementsChange { Action: ChangeAction.Add } e:
                    tx.AddElements(e.Set, e.Prefixes, subject, Subjects(e));
                    break;
                case ElementsChange { Action: ChangeAction.Delete } e:
                    tx.DeleteElements(e.Set, e.Prefixes, subject, Subjects(e));
                    break;
                case RangesChange r:
                    tx.DeleteRanges(r.Set, r.Ranges.ToArray(), subject, r.Subjects.Count == 0 ? null : r.Subjects.ToArray());
                    break;
                case FlowtableChange { Action: ChangeAction.Add } f:
                    tx.AddFlowtable(f.Flowtable, subject);
                    break;
                case FlowtableChange { Action: ChangeAction.Delete } f:
                    tx.DeleteFlowtable(f.Flowtable, subject);
                    break;
                case FlowtableDevicesChange d:
                    tx.DeleteFlowtableDevices(d.Flowtable, d.Devices.ToArray(), subject);
                    break;
                case ChainChange { Action: ChangeAction.Add } c:
                    tx.AddChain(c.Chain, subject);
                    break;
                case ChainChange { Action: ChangeAction.Delete } c:
                    tx.DeleteChain(c.Chain, subject);
                    break;
                case RuleChange { Action: ChangeAction.Add } r:
                    tx.AddRule(r.Rule, subject);
                    break;
                case RuleChange { Action: ChangeAction.Insert } r:
                    tx.InsertRule(r.Rule, r.Position, subject);
                    break;
                case RuleChange { Action: ChangeAction.Replace } r:
                    tx.ReplaceRule(r.Rule, subject);
                    break;
                case RuleChange { Action: ChangeAction.Delete } r:
                    tx.DeleteRule(r.Rule, subject);
                    break;
                case CounterResetChange:
                    // Read and zeroed by its own request, not in a batch (PlanCommit).
                    break;
                default:
                    throw new ArgumentException($"no encoding for {change}", nameof(changes));
            }
        }

        return tx;
    }

    private static object?[]? Subjects(ElementsChange change) => change.Subjects.Count == 0 ? null : change.Subjects.ToArray();
}
