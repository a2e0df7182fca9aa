using HostAccel.Native.Nftables.Objects;

namespace HostAccel.PowerShell.Engine;

/// <summary>
/// How HostAccel tells its own tables from everyone else's. The tables it creates carry a manager mark in a
/// userdata record of their own (<see cref="NftTable.Manager"/>), which nft neither shows nor disturbs and which
/// outlives the creating process (NFT_TABLE_F_OWNER dies with its socket). A table with HostAccel's mark is
/// HostAccel's whatever its comment; a table with another manager's mark is not. A table with no mark at all — one
/// written by nft or by Antrea's agent — counts as HostAccel's only when its comment is the one HostAccel writes
/// (seed 000's "Rules for Antrea") or the one the caller passed in this call, so that the tables of the design it
/// follows can be adopted. Every decision goes through this class.
/// </summary>
internal static class Ownership
{
    public static bool IsOwned(NftTable table, string? comment = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table.Manager is not null)
        {
            return table.Manager == Defaults.Manager;
        }

        return table.Comment is not null && (table.Comment == Defaults.TableComment || (comment is not null && table.Comment == comment));
    }

    /// <summary>Throws unless the table is HostAccel's or <paramref name="force"/> is set.</summary>
    public static void Require(NftTable table, bool force, string? comment = null)
    {
        if (!force && !IsOwned(table, comment))
        {
            throw Failures.NotOwned(table);
        }
    }
}
