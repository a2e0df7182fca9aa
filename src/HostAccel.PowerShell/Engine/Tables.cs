using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine.Planning;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine;

/// <summary>Get-, New- and Remove-AccelTable.</summary>
internal static class Tables
{
    /// <summary>
    /// The ip, ip6 and inet tables, HostAccel's only unless <paramref name="includeForeign"/>. A name without
    /// wildcards that matches nothing is an error, as Get-Item's would be.
    /// </summary>
    public static IReadOnlyList<AccelTable> Get(AccelSession session, IReadOnlyCollection<AccelFamily>? families, string? name, bool includeForeign)
    {
        ArgumentNullException.ThrowIfNull(session);
        Glob.Validate(name);
        try
        {
            IReadOnlyList<NftTable> tables = session.Nft.ListTables();
            IReadOnlyList<NftSet> sets = session.Nft.ListSets();
            IReadOnlyList<NftChain> chains = session.Nft.ListChains();
            IReadOnlyList<NftFlowtable> flowtables = session.Nft.ListFlowtables();
            var result = tables
                .Where(t => Families.IsManaged(t.Family))
                .Where(t => families is null || families.Count == 0 || families.Contains(t.Family.ToModel()))
                .Where(t => Glob.IsMatch(t.Name, name))
                .Where(t => includeForeign || Ownership.IsOwned(t) || (name is not null && !Glob.HasWildcards(name)))
                .OrderBy(t => t.Name, StringComparer.Ordinal).ThenBy(t => t.Family)
                .Select(t => ToModel(session, t,
                    sets.Where(s => s.Family == t.Family && s.Table == t.Name).Select(s => s.Name),
                    chains.Where(c => c.Family == t.Family && c.Table == t.Name).Select(c => c.Name),
                    flowtables.Where(f => f.Family == t.Family && f.Table == t.Name).Select(f => f.Name)))
                .ToList();
            if (result.Count == 0 && name is not null && !Glob.HasWildcards(name))
            {
                throw new HostAccelException(ErrorIds.TableNotFound, FailureKind.ObjectNotFound,
                    $"there is no {FamilyText(families)} table named {name}", name);
            }

            return result;
        }
        catch (Exception ex) when (ex is not HostAccelException)
        {
            throw Failures.From(ex, name);
        }
    }

    public static NewTablePlan PlanNew(AccelSession session) => new(session);

    public static RemoveTablePlan PlanRemove(AccelSession session) => new(session);

    internal static AccelTable ToModel(AccelSession session, NftTable table, IEnumerable<string>? sets = null, IEnumerable<string>? chains = null, IEnumerable<string>? flowtables = null, string? ownComment = null) => new()
    {
        Family = table.Family.ToModel(),
        Name = table.Name,
        Comment = table.Comment,
        Handle = table.Handle,
        Owned = Ownership.IsOwned(table, ownComment),
        Sets = sets?.ToList() ?? [],
        Chains = chains?.ToList() ?? [],
        Flowtables = flowtables?.ToList() ?? [],
        NetworkNamespace = session.NetworkNamespace,
    };

    private static string FamilyText(IReadOnlyCollection<AccelFamily>? families) =>
        families is null || families.Count == 0 ? "ip, ip6 or inet" : string.Join(" or ", families.Select(f => f.ToNft().ToNftName()));
}

internal sealed class NewTablePlan : ChangePlan<AccelTable>
{
    private readonly HashSet<(NftFamily, string)> _planned = [];

    internal NewTablePlan(AccelSession session)
        : base(session)
    {
    }

    /// <summary>A new table; an existing one is an error (New-* creates), and so is one planned twice.</summary>
    public PlannedChange<AccelTable> Prepare(AccelFamily family, string name, string? comment)
    {
        NftTable table = Design.Table(family.ToNft(), name, comment ?? Design.TableComment);
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new HostAccelException(ErrorIds.InvalidArgument, FailureKind.InvalidArgument, "a table name cannot be empty", name);
        }

        Failures.CheckComment(comment, "Comment");
        Names.NewTable(name, comment);

        NftTable? existing;
        try
        {
            existing = Session.Table(table.Family, name);
        }
        catch (Exception ex) when (ex is not HostAccelException)
        {
            throw Failures.From(ex, table.ToString());
        }

        if (existing is not null || _planned.Contains((table.Family, name)))
        {
            throw new HostAccelException(ErrorIds.TableExists, FailureKind.ResourceExists,
                $"table {table.Family.ToNftName()} {name} already exists{(existing is not null && !Ownership.IsOwned(existing) ? " and is not HostAccel's" : "")}", table.ToString());
        }

        AccelTable result = Tables.ToModel(Session, table, ownComment: comment);
        return new PlannedChange<AccelTable>(table.ToString(), "Create table", result,
            [new TableChange(ChangeAction.Create, table) { Subject = result }]);
    }

    protected override void OnAccepted(PlannedChange<AccelTable> change) =>
        _planned.Add((change.Result.Family.ToNft(), change.Result.Name));
}

internal sealed class RemoveTablePlan : ChangePlan<AccelTable>
{
    private readonly HashSet<(NftFamily, string)> _planned = [];

    internal RemoveTablePlan(AccelSession session)
        : base(session)
    {
    }

    /// <summary>
    /// The tables named <paramref name="name"/> in the given families (any of ip, ip6, inet when none): each must
    /// exist and be HostAccel's unless <paramref name="force"/>. Deleting a table deletes everything in it.
    /// </summary>
    public IReadOnlyList<PlannedChange<AccelTable>> Prepare(IReadOnlyCollection<AccelFamily>? families, string name, bool force)
    {
        Names.Object("Name", name);
        bool explicitFamilies = families is not null && families.Count > 0;
        IEnumerable<AccelFamily> candidates = explicitFamilies ? families! : [AccelFamily.Ip, AccelFamily.Ip6, AccelFamily.Inet];
        var changes = new List<PlannedChange<AccelTable>>();
        foreach (AccelFamily family in candidates.Distinct())
        {
            NftTable? table;
            try
            {
                table = Session.Table(family.ToNft(), name);
            }
            catch (Exception ex) when (ex is not HostAccelException)
            {
                throw Failures.From(ex, name);
            }

            if (table is null || _planned.Contains((table.Family, name)))
            {
                if (explicitFamilies)
                {
                    throw Failures.TableNotFound(family.ToNft(), name, name);
                }

                continue;
            }

            Ownership.Require(table, force);
            AccelTable model = Tables.ToModel(Session, table);
            changes.Add(new PlannedChange<AccelTable>(table.ToString(), "Delete table and everything in it", model,
                [new TableChange(ChangeAction.Delete, table) { Subject = model }]));
        }

        if (changes.Count == 0)
        {
            throw new HostAccelException(ErrorIds.TableNotFound, FailureKind.ObjectNotFound,
                $"there is no ip, ip6 or inet table named {name}", name);
        }

        return changes;
    }

    protected override void OnAccepted(PlannedChange<AccelTable> change) =>
        _planned.Add((change.Result.Family.ToNft(), change.Result.Name));
}
