namespace HostAccel.Native.Nftables;

/// <summary>Message types and attributes of include/uapi/linux/netfilter/nf_tables.h, under their C names.</summary>
internal static class NfTablesConstants
{
    // enum nf_tables_msg_types
    internal const ushort NFT_MSG_NEWTABLE = 0;
    internal const ushort NFT_MSG_GETTABLE = 1;
    internal const ushort NFT_MSG_DELTABLE = 2;
    internal const ushort NFT_MSG_NEWCHAIN = 3;
    internal const ushort NFT_MSG_GETCHAIN = 4;
    internal const ushort NFT_MSG_DELCHAIN = 5;
    internal const ushort NFT_MSG_NEWRULE = 6;
    internal const ushort NFT_MSG_GETRULE = 7;
    internal const ushort NFT_MSG_DELRULE = 8;
    internal const ushort NFT_MSG_NEWSET = 9;
    internal const ushort NFT_MSG_GETSET = 10;
    internal const ushort NFT_MSG_DELSET = 11;
    internal const ushort NFT_MSG_NEWSETELEM = 12;
    internal const ushort NFT_MSG_GETSETELEM = 13;
    internal const ushort NFT_MSG_DELSETELEM = 14;
    internal const ushort NFT_MSG_NEWGEN = 15;
    internal const ushort NFT_MSG_GETGEN = 16;
    internal const ushort NFT_MSG_NEWFLOWTABLE = 22;
    internal const ushort NFT_MSG_GETFLOWTABLE = 23;
    internal const ushort NFT_MSG_DELFLOWTABLE = 24;
    internal const ushort NFT_MSG_GETRULE_RESET = 25;

    // enum nft_table_attributes
    internal const ushort NFTA_TABLE_NAME = 1;
    internal const ushort NFTA_TABLE_FLAGS = 2;
    internal const ushort NFTA_TABLE_USE = 3;
    internal const ushort NFTA_TABLE_HANDLE = 4;
    internal const ushort NFTA_TABLE_USERDATA = 6;

    // enum nft_chain_attributes
    internal const ushort NFTA_CHAIN_TABLE = 1;
    internal const ushort NFTA_CHAIN_HANDLE = 2;
    internal const ushort NFTA_CHAIN_NAME = 3;
    internal const ushort NFTA_CHAIN_HOOK = 4;
    internal const ushort NFTA_CHAIN_POLICY = 5;
    internal const ushort NFTA_CHAIN_USE = 6;
    internal const ushort NFTA_CHAIN_TYPE = 7;
    internal const ushort NFTA_CHAIN_COUNTERS = 8;
    internal const ushort NFTA_CHAIN_FLAGS = 10;
    internal const ushort NFTA_CHAIN_ID = 11;
    internal const ushort NFTA_CHAIN_USERDATA = 12;

    // enum nft_hook_attributes
    internal const ushort NFTA_HOOK_HOOKNUM = 1;
    internal const ushort NFTA_HOOK_PRIORITY = 2;
    internal const ushort NFTA_HOOK_DEV = 3;
    internal const ushort NFTA_HOOK_DEVS = 4;

    // enum nft_rule_attributes
    internal const ushort NFTA_RULE_TABLE = 1;
    internal const ushort NFTA_RULE_CHAIN = 2;
    internal const ushort NFTA_RULE_HANDLE = 3;
    internal const ushort NFTA_RULE_EXPRESSIONS = 4;
    internal const ushort NFTA_RULE_POSITION = 6;
    internal const ushort NFTA_RULE_USERDATA = 7;
    internal const ushort NFTA_RULE_ID = 9;

    // enum nft_list_attributes, nft_expr_attributes
    internal const ushort NFTA_LIST_ELEM = 1;
    internal const ushort NFTA_EXPR_NAME = 1;
    internal const ushort NFTA_EXPR_DATA = 2;

    // enum nft_set_attributes
    internal const ushort NFTA_SET_TABLE = 1;
    internal const ushort NFTA_SET_NAME = 2;
    internal const ushort NFTA_SET_FLAGS = 3;
    internal const ushort NFTA_SET_KEY_TYPE = 4;
    internal const ushort NFTA_SET_KEY_LEN = 5;
    internal const ushort NFTA_SET_DATA_TYPE = 6;
    internal const ushort NFTA_SET_DATA_LEN = 7;
    internal const ushort NFTA_SET_POLICY = 8;
    internal const ushort NFTA_SET_DESC = 9;
    internal const ushort NFTA_SET_ID = 10;
    internal const ushort NFTA_SET_USERDATA = 13;
    internal const ushort NFTA_SET_HANDLE = 16;

    // enum nft_set_elem_list_attributes, nft_set_elem_attributes
    internal const ushort NFTA_SET_ELEM_LIST_TABLE = 1;
    internal const ushort NFTA_SET_ELEM_LIST_SET = 2;
    internal const ushort NFTA_SET_ELEM_LIST_ELEMENTS = 3;
    internal const ushort NFTA_SET_ELEM_LIST_SET_ID = 4;
    internal const ushort NFTA_SET_ELEM_KEY = 1;
    internal const ushort NFTA_SET_ELEM_DATA = 2;
    internal const ushort NFTA_SET_ELEM_FLAGS = 3;
    internal const ushort NFTA_SET_ELEM_USERDATA = 6;
    internal const ushort NFTA_SET_ELEM_KEY_END = 10;

    // enum nft_set_elem_flags
    internal const uint NFT_SET_ELEM_INTERVAL_END = 0x1;

    // enum nft_data_attributes, nft_verdict_attributes
    internal const ushort NFTA_DATA_VALUE = 1;
    internal const ushort NFTA_DATA_VERDICT = 2;
    internal const ushort NFTA_VERDICT_CODE = 1;
    internal const ushort NFTA_VERDICT_CHAIN = 2;

    // enum nft_flowtable_attributes, nft_flowtable_hook_attributes
    internal const ushort NFTA_FLOWTABLE_TABLE = 1;
    internal const ushort NFTA_FLOWTABLE_NAME = 2;
    internal const ushort NFTA_FLOWTABLE_HOOK = 3;
    internal const ushort NFTA_FLOWTABLE_USE = 4;
    internal const ushort NFTA_FLOWTABLE_HANDLE = 5;
    internal const ushort NFTA_FLOWTABLE_FLAGS = 7;
    internal const ushort NFTA_FLOWTABLE_HOOK_NUM = 1;
    internal const ushort NFTA_FLOWTABLE_HOOK_PRIORITY = 2;
    internal const ushort NFTA_FLOWTABLE_HOOK_DEVS = 3;
    internal const ushort NFTA_DEVICE_NAME = 1;

    // enum nft_gen_attributes
    internal const ushort NFTA_GEN_ID = 1;

    // libnftnl's userdata TLV types (include/libnftnl/udata.h), which `nft` reads comments from.
    internal const byte NFTNL_UDATA_TABLE_COMMENT = 0;
    internal const byte NFTNL_UDATA_CHAIN_COMMENT = 0;
    internal const byte NFTNL_UDATA_RULE_COMMENT = 0;
    internal const byte NFTNL_UDATA_SET_KEYBYTEORDER = 0;
    internal const byte NFTNL_UDATA_SET_DATABYTEORDER = 1;
    internal const byte NFTNL_UDATA_SET_MERGE_ELEMENTS = 2;
    internal const byte NFTNL_UDATA_SET_COMMENT = 7;
    internal const byte NFTNL_UDATA_SET_ELEM_FLAGS = 1;

    // HostAccel's own userdata record, far above libnftnl's table types (only the comment, 0, so far); nft skips
    // types it does not know.
    internal const byte HOSTACCEL_UDATA_TABLE_MANAGER = 0xa5;
    internal const uint NFTNL_SET_ELEM_F_INTERVAL_OPEN = 1;

    internal static ushort MessageType(ushort nftMessage) =>
        (ushort)((Netlink.NetlinkConstants.NFNL_SUBSYS_NFTABLES << 8) | nftMessage);
}
