using System.Text;
using HostAccel.Native.Interop;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine.Planning;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine;

/// <summary>Disable-Fastpath: the rules, the chain and the flowtable of each family; the set and the table stay.</summary>
internal sealed class DisableFastpathPlan : ChangePlan<Fastpath>
{
    private readonly HashSet<(string?, NftFamily, string)> _planned = [];

    internal DisableFastpathPlan(AccelSession session)
        : base(session)
    {
    }

    /// <summary>
    /// Per family: every rule of the chain, the chain and the flowtable. The peer Pod CIDR set and the table stay
    /// (Remove-AccelTable removes those). Families not asked for explicitly are skipped where nothing is enabled.
    /// </summary>
    public IReadOnlyList<PlannedChange<Fastpath>> Prepare(IReadOnlyCollection<AccelFamily>? families, string table, string flowtable, string chain, bool force)
    {
        Names.Objects(("TableName", table), ("FlowtableName", flowtable), ("ChainName", chain));
        var changes = new List<PlannedChange<Fastpath>>();
        Session.ForEachTable(families, table, family => $"table {family.ToNftName()} {table}", (family, found, asked) =>
        {
            Ownership.Require(found, force);
            NftFlowtable? ft = Session.Nft.ListFlowtables(family, table).FirstOrDefault(f => f.Name == flowtable);
            NftChain? ch = Session.Nft.ListChains(family, table).FirstOrDefault(c => c.Name == chain);
            if ((ft is null && ch is null) || _planned.Contains((Session.NetworkNamespace, family, table)))
            {
                if (asked)
                {
                    throw Fastpaths.NotFound(family, table, flowtable, chain);
                }

                return;
            }

            IReadOnlyList<NftRule> rules = ch is null ? [] : Session.Nft.ListRules(family, table, chain);
            Fastpath result = Fastpaths.ToModel(Session, family, table, flowtable, chain, ft, rules);
            string target = $"table {family.ToNftName()} {table}";
            var records = new List<Change>();
            records.AddRange(rules.Select(rule => new RuleChange(ChangeAction.Delete, rule) { Subject = target }));
            if (ch is not null)
            {
                records.Add(new ChainChange(ChangeAction.Delete, ch) { Subject = target });
            }

            if (ft is not null)
            {
                records.Add(new FlowtableChange(ChangeAction.Delete, ft) { Subject = target });
            }

            changes.Add(new PlannedChange<Fastpath>(target, "Disable flowtable acceleration", result, records, Session.InterfaceName));
        });

        if (changes.Count == 0 && families is not { Count: > 0 })
        {
            throw new HostAccelException(ErrorIds.FastpathNotFound, FailureKind.ObjectNotFound,
                $"acceleration is not enabled in table ip {table} or ip6 {table}", table);
        }

        return changes;
    }

    protected override void OnAccepted(PlannedChange<Fastpath> change) =>
        _planned.Add((Session.NetworkNamespace, change.Result.Family.ToNft(), change.Result.TableName));
}
