using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;

namespace HostAccel.PowerShell.Engine;

/// <summary>
/// How HostAccel tells its own tables from everyone else's: by the manager mark it writes in a userdata record of its
/// own when it creates a table (<see cref="NftTable.Manager"/>), which nft neither shows nor disturbs and which
/// outlives the creating process (NFT_TABLE_F_OWNER dies with its socket). Only that mark counts. A table's comment
/// never does — the design document's "Rules for Antrea" is also the comment Antrea's own agent writes, so a table with it and no
/// mark may hold someone's firewall — and neither does its name or its shape. A table without HostAccel's mark is
/// acted on only with -Force; nothing ever deletes a table that is not HostAccel's without it. Every decision goes
/// through this class.
/// </summary>
internal static class Ownership
{
    /// <summary>Whether HostAccel created the table. <paramref name="comment"/> is not consulted: a comment proves nothing.</summary>
    public static bool IsOwned(NftTable table, string? comment = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        _ = comment;
        return table.Manager == Design.Manager;
    }

    /// <summary>Throws TableNotOwned unless the table is HostAccel's or <paramref name="force"/> is set.</summary>
    public static void Require(NftTable table, bool force, string? comment = null)
    {
        if (!force && !IsOwned(table, comment))
        {
            throw NotOwned(table);
        }
    }

    private static HostAccelException NotOwned(NftTable table) =>
        new(ErrorIds.TableNotOwned, FailureKind.InvalidOperation,
            $"table {table.Family.ToNftName()} {NftText.Name(table.Name)} was not created by HostAccel ({Mark(table)}): it is left alone unless -Force is given", table.ToString());

    private static string Mark(NftTable table) => table.Manager is null
        ? "it carries no HostAccel mark; its comment does not make it HostAccel's"
        : $"it is marked as managed by {NftText.Quote(table.Manager)}";
}
