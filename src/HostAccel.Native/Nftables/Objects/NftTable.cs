using HostAccel.Native.Netlink;
using static HostAccel.Native.Nftables.NfTablesConstants;

namespace HostAccel.Native.Nftables.Objects;

/// <summary>An nftables table: <c>table ip antrea { comment "Rules for Antrea" }</c>.</summary>
public sealed record NftTable(NftFamily Family, string Name)
{
    public string? Comment { get; init; }

    /// <summary>
    /// Who manages the table, kept in a userdata record of its own that nft neither shows nor disturbs: a mark that
    /// outlives the creating process (NFT_TABLE_F_OWNER does not) and does not depend on the comment.
    /// </summary>
    public string? Manager { get; init; }

    /// <summary>NFT_TABLE_F_* bits (dormant, owner …).</summary>
    public uint Flags { get; init; }

    /// <summary>The kernel's handle; 0 for a table not read from the kernel.</summary>
    public ulong Handle { get; init; }

    public override string ToString() =>
        $"table {Family.ToNftName()} {NftText.Name(Name)}" + (Comment is null ? "" : $" {{ comment {NftText.Quote(Comment)}; }}");

    internal void Encode(NetlinkWriter writer)
    {
        writer.WriteString(NFTA_TABLE_NAME, Name);
        writer.WriteU32Be(NFTA_TABLE_FLAGS, Flags);
        if (Comment is not null || Manager is not null)
        {
            Span<byte> userData = stackalloc byte[2 * (3 + UserData.MaxCommentLength * 4)];
            int length = 0;
            if (Comment is not null)
            {
                length += UserData.PutString(userData, NFTNL_UDATA_TABLE_COMMENT, Comment);
            }

            if (Manager is not null)
            {
                length += UserData.PutString(userData[length..], HOSTACCEL_UDATA_TABLE_MANAGER, Manager);
            }

            writer.WriteBytes(NFTA_TABLE_USERDATA, userData[..length]);
        }
    }

    internal static NftTable Decode(in NetlinkMessage message)
    {
        string name = "";
        string? comment = null, manager = null;
        uint flags = 0;
        ulong handle = 0;
        AttributeReader reader = message.Attributes;
        while (reader.Next())
        {
            switch (reader.Type)
            {
                case NFTA_TABLE_NAME:
                    name = reader.GetString();
                    break;
                case NFTA_TABLE_FLAGS:
                    flags = reader.GetU32Be();
                    break;
                case NFTA_TABLE_HANDLE:
                    handle = reader.GetU64Be();
                    break;
                case NFTA_TABLE_USERDATA:
                    comment = UserData.FindString(reader.Payload, NFTNL_UDATA_TABLE_COMMENT);
                    manager = UserData.FindString(reader.Payload, HOSTACCEL_UDATA_TABLE_MANAGER);
                    break;
            }
        }

        return new NftTable((NftFamily)message.Family, name) { Comment = comment, Manager = manager, Flags = flags, Handle = handle };
    }
}
