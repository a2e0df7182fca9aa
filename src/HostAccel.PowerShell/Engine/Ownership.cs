using HostAccel.Native.Nftables.Objects;

namespace HostAccel.PowerShell.Engine;

/// <summary>
/// How HostAccel tells its own tables from everyone else's: by the table comment. A table is HostAccel's when its
/// comment is the one HostAccel writes by default (seed 000's "Rules for Antrea") or the comment the caller asked
/// for in this call (New-AccelTable -Comment, Enable-Fastpath -TableComment). nf_tables keeps no owner that survives
/// the creating process (NFT_TABLE_F_OWNER dies with the socket), so the mark has to live in the table's userdata.
/// A private userdata record that nft ignores would be invisible and independent of the comment; the native layer
/// does not write one yet, which is why the comment is the mark today. Every decision goes through this class.
/// </summary>
internal static class Ownership
{
    public static bool IsOwned(NftTable table, string? comment = null)
    {
        ArgumentNullException.ThrowIfNull(table);
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
