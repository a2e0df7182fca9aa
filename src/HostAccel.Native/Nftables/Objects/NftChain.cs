using HostAccel.Native.Netlink;
using static HostAccel.Native.Nftables.NfTablesConstants;

namespace HostAccel.Native.Nftables.Objects;

/// <summary>The netfilter hooks of the ip, ip6 and inet families (enum nf_inet_hooks).</summary>
public enum ChainHook : uint
{
    Prerouting = 0,
    Input = 1,
    Forward = 2,
    Output = 3,
    Postrouting = 4,
}

public enum ChainPolicy : uint
{
    Drop = 0,
    Accept = 1,
}

/// <summary>What makes a chain a base chain: <c>type filter hook forward priority filter; policy accept;</c>.</summary>
public sealed record BaseChain(string Type, ChainHook Hook, int Priority, ChainPolicy Policy = ChainPolicy.Accept)
{
    public override string ToString() =>
        $"type {NftText.Name(Type)} hook {Hook.ToString().ToLowerInvariant()} priority {NftText.Priority(Priority, Hook)}; policy {Policy.ToString().ToLowerInvariant()};";
}

/// <summary>A chain; a base chain when <see cref="Base"/> is set.</summary>
public sealed record NftChain(NftFamily Family, string Table, string Name)
{
    public BaseChain? Base { get; init; }

    public string? Comment { get; init; }

    public ulong Handle { get; init; }

    public override string ToString()
    {
        var body = new List<string>();
        if (Comment is not null)
        {
            body.Add($"comment {NftText.Quote(Comment)};");
        }

        if (Base is not null)
        {
            body.Add(Base.ToString());
        }

        string head = $"chain {Family.ToNftName()} {NftText.Name(Table)} {NftText.Name(Name)}";
        return body.Count == 0 ? head : $"{head} {{ {string.Join(" ", body)} }}";
    }

    internal void Encode(NetlinkWriter writer)
    {
        writer.WriteString(NFTA_CHAIN_TABLE, Table);
        writer.WriteString(NFTA_CHAIN_NAME, Name);
        if (Base is not null)
        {
            writer.WriteString(NFTA_CHAIN_TYPE, Base.Type);
            writer.WriteU32Be(NFTA_CHAIN_POLICY, (uint)Base.Policy);
            using (writer.Nested(NFTA_CHAIN_HOOK))
            {
                writer.WriteU32Be(NFTA_HOOK_HOOKNUM, (uint)Base.Hook);
                writer.WriteU32Be(NFTA_HOOK_PRIORITY, unchecked((uint)Base.Priority));
            }
        }

        if (Comment is not null)
        {
            UserData.WriteComment(NFTA_CHAIN_USERDATA, NFTNL_UDATA_CHAIN_COMMENT, Comment, writer);
        }
    }

    internal static NftChain Decode(in NetlinkMessage message)
    {
        string table = "", name = "", type = "filter";
        string? comment = null;
        ulong handle = 0;
        ChainHook? hook = null;
        int priority = 0;
        ChainPolicy policy = ChainPolicy.Accept;
        AttributeReader reader = message.Attributes;
        while (reader.Next())
        {
            switch (reader.Type)
            {
                case NFTA_CHAIN_TABLE:
                    table = reader.GetString();
                    break;
                case NFTA_CHAIN_NAME:
                    name = reader.GetString();
                    break;
                case NFTA_CHAIN_HANDLE:
                    handle = reader.GetU64Be();
                    break;
                case NFTA_CHAIN_TYPE:
                    type = reader.GetString();
                    break;
                case NFTA_CHAIN_POLICY:
                    policy = (ChainPolicy)reader.GetU32Be();
                    break;
                case NFTA_CHAIN_USERDATA:
                    comment = UserData.FindString(reader.Payload, NFTNL_UDATA_CHAIN_COMMENT);
                    break;
                case NFTA_CHAIN_HOOK:
                    AttributeReader hookReader = reader.Nested();
                    while (hookReader.Next())
                    {
                        switch (hookReader.Type)
                        {
                            case NFTA_HOOK_HOOKNUM:
                                hook = (ChainHook)hookReader.GetU32Be();
                                break;
                            case NFTA_HOOK_PRIORITY:
                                priority = unchecked((int)hookReader.GetU32Be());
                                break;
                        }
                    }

                    break;
            }
        }

        return new NftChain((NftFamily)message.Family, table, name)
        {
            Base = hook is ChainHook h ? new BaseChain(type, h, priority, policy) : null,
            Comment = comment,
            Handle = handle,
        };
    }
}
