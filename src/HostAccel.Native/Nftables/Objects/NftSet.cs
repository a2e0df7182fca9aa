using HostAccel.Native.Netlink;
using static HostAccel.Native.Nftables.NfTablesConstants;

namespace HostAccel.Native.Nftables.Objects;

/// <summary>nft's datatype ids for set keys (TYPE_IPADDR, TYPE_IP6ADDR of nft's datatype.h).</summary>
public enum SetKeyType : uint
{
    Ipv4Address = 7,
    Ipv6Address = 8,
}

/// <summary>enum nft_set_flags.</summary>
[Flags]
public enum SetFlags : uint
{
    None = 0,
    Anonymous = 0x1,
    Constant = 0x2,
    Interval = 0x4,
    Map = 0x8,
    Timeout = 0x10,
    Eval = 0x20,
    Object = 0x40,
    Concat = 0x80,
    Expr = 0x100,
}

/// <summary>A named set: <c>set peer-pod-cidr { type ipv4_addr; flags interval; }</c>.</summary>
public sealed record NftSet(NftFamily Family, string Table, string Name, SetKeyType KeyType)
{
    public SetFlags Flags { get; init; }

    public string? Comment { get; init; }

    public ulong Handle { get; init; }

    /// <summary>Bytes per key: follows from the address types, read from the kernel for any other.</summary>
    public int KeyLength { get; init; } = KeyType switch
    {
        SetKeyType.Ipv4Address => 4,
        SetKeyType.Ipv6Address => 16,
        _ => 0,
    };

    public bool IsInterval => (Flags & SetFlags.Interval) != 0;

    /// <summary>Whether the keys are IPv6 addresses (else IPv4), for the address types HostAccel writes.</summary>
    public bool HoldsIPv6 => KeyType == SetKeyType.Ipv6Address;

    public override string ToString()
    {
        string type = KeyType switch
        {
            SetKeyType.Ipv4Address => "ipv4_addr",
            SetKeyType.Ipv6Address => "ipv6_addr",
            _ => $"type{(uint)KeyType}",
        };
        string flags = IsInterval ? " flags interval;" : "";
        string comment = Comment is null ? "" : $" comment {NftText.Quote(Comment)};";
        return $"set {Family.ToNftName()} {NftText.Name(Table)} {NftText.Name(Name)} {{ type {type};{flags}{comment} }}";
    }

    internal void Encode(NetlinkWriter writer, uint setId)
    {
        writer.WriteString(NFTA_SET_TABLE, Table);
        writer.WriteString(NFTA_SET_NAME, Name);
        writer.WriteU32Be(NFTA_SET_FLAGS, (uint)Flags);
        writer.WriteU32Be(NFTA_SET_KEY_TYPE, (uint)KeyType);
        writer.WriteU32Be(NFTA_SET_KEY_LEN, (uint)KeyLength);
        writer.WriteU32Be(NFTA_SET_ID, setId);

        // nft records the key's byte order (2 = big endian); no auto-merge, so each prefix stays deletable.
        Span<byte> userData = stackalloc byte[6 + 3 + UserData.MaxCommentLength * 4 + 1];
        int length = UserData.PutU32(userData, NFTNL_UDATA_SET_KEYBYTEORDER, 2);
        if (Comment is not null)
        {
            length += UserData.PutString(userData[length..], NFTNL_UDATA_SET_COMMENT, Comment);
        }

        writer.WriteBytes(NFTA_SET_USERDATA, userData[..length]);
    }

    internal static NftSet Decode(in NetlinkMessage message)
    {
        string table = "", name = "";
        string? comment = null;
        uint flags = 0, keyType = 0, keyLength = 0;
        ulong handle = 0;
        AttributeReader reader = message.Attributes;
        while (reader.Next())
        {
            switch (reader.Type)
            {
                case NFTA_SET_TABLE:
                    table = reader.GetString();
                    break;
                case NFTA_SET_NAME:
                    name = reader.GetString();
                    break;
                case NFTA_SET_FLAGS:
                    flags = reader.GetU32Be();
                    break;
                case NFTA_SET_KEY_TYPE:
                    keyType = reader.GetU32Be();
                    break;
                case NFTA_SET_KEY_LEN:
                    keyLength = reader.GetU32Be();
                    break;
                case NFTA_SET_HANDLE:
                    handle = reader.GetU64Be();
                    break;
                case NFTA_SET_USERDATA:
                    comment = UserData.FindString(reader.Payload, NFTNL_UDATA_SET_COMMENT);
                    break;
            }
        }

        return new NftSet((NftFamily)message.Family, table, name, (SetKeyType)keyType)
        {
            Flags = (SetFlags)flags,
            Comment = comment,
            Handle = handle,
            KeyLength = (int)keyLength,
        };
    }
}
