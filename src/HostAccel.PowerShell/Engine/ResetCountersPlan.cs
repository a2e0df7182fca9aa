using System.Net;
using HostAccel.Native.Conntrack;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine.Planning;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine;

/// <summary>
/// Reset-FlowtableCounter: one <see cref="CounterReset"/> per chain, read and zeroed by the kernel in one step from
/// Linux 6.2 (before, by replacing the counted rules: <see cref="NftConnection.ResetRuleCounters"/>). The objects it
/// yields are the counts just before the reset; planned (-WhatIf), the counts as they stand.
/// </summary>
internal sealed class ResetCountersPlan : ChangePlan<FlowtableCounter>
{
    private readonly HashSet<(NftFamily, string, string)> _planned = [];

    internal ResetCountersPlan(AccelSession session)
        : base(session)
    {
    }

    /// <summary>
    /// Each family's chain: the families asked for, where a missing table or chain is an error, or ip and ip6, where
    /// a missing one is skipped (but not both). A table HostAccel does not own needs <paramref name="force"/>.
    /// </summary>
    public IReadOnlyList<PlannedChange<FlowtableCounter>> Prepare(IReadOnlyCollection<AccelFamily>? families, string table, string chain, bool force)
    {
        var changes = new List<PlannedChange<FlowtableCounter>>();
        bool owned = true;
        int chains = 0;
        Session.ForEachTable(families, table, family => $"chain {family.ToNftName()} {table} {chain}", (family, found, asked) =>
        {
            if (!force && !Ownership.IsOwned(found))
            {
                owned = false;
                throw Failures.NotOwned(found);
            }

            if (!Session.Nft.ListChains(family, table).Any(c => c.Name == chain))
            {
                if (asked)
                {
                    throw Counters.ChainNotFound(family, table, chain);
                }

                return;
            }

            string target = $"chain {family.ToNftName()} {table} {chain}";
            chains++;
            if (_planned.Contains((family, table, chain)))
            {
                return;
            }

            // One change per chain, carried by its first counted rule; the others come along as what -WhatIf shows.
            Change[] reset = [new CounterReset(family, table, chain) { Subject = target }];
            foreach (NftRule rule in Session.Nft.ListRules(family, table, chain).Where(r => r.Counter is not null))
            {
                changes.Add(new PlannedChange<FlowtableCounter>(target, "Reset rule counters", Counters.ToModel(Session, rule, null), reset));
                reset = [];
            }
        });

        if (chains == 0 && owned && families is not { Count: > 0 })
        {
            throw new HostAccelException(ErrorIds.FastpathNotFound, FailureKind.ObjectNotFound,
                $"neither table ip {table} nor ip6 {table} has a chain {chain}", table);
        }

        return changes;
    }

    protected override void OnAccepted(PlannedChange<FlowtableCounter> change)
    {
        foreach (CounterReset reset in change.Changes.OfType<CounterReset>())
        {
            _planned.Add((reset.Family, reset.Table, reset.Chain));
        }
    }

    protected override IReadOnlyList<FlowtableCounter> Outcome(IReadOnlyList<FlowtableCounter> accepted, IReadOnlyDictionary<CounterReset, IReadOnlyList<NftRule>> resets) =>
        resets.Values.SelectMany(rules => rules.Where(r => r.Counter is not null).Select(r => Counters.ToModel(Session, r, null))).ToList();
}
