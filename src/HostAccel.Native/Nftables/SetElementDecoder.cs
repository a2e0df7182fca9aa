using HostAccel.Native.Netlink;
using static HostAccel.Native.Nftables.NfTablesConstants;

namespace HostAccel.Native.Nftables;

/// <summary>Reads the elements of an NFT_MSG_NEWSETELEM dump message.</summary>
internal static class SetElementDecoder
{
    internal static void Decode(in NetlinkMessage message, List<SetElement> elements)
    {
        AttributeReader reader = message.Attributes;
        while (reader.Next())
        {
            if (reader.Type != NFTA_SET_ELEM_LIST_ELEMENTS)
            {
                continue;
            }

            AttributeReader list = reader.Nested();
            while (list.Next())
            {
                if (list.Type == NFTA_LIST_ELEM)
                {
                    elements.Add(DecodeElement(list.Nested()));
                }
            }
        }
    }

    private static SetElement DecodeElement(AttributeReader element)
    {
        UInt128? key = null;
        uint flags = 0;
        while (element.Next())
        {
            switch (element.Type)
            {
                case NFTA_SET_ELEM_FLAGS:
                    flags = element.GetU32Be();
                    break;
                case NFTA_SET_ELEM_KEY:
                    AttributeReader data = element.Nested();
                    while (data.Next())
                    {
                        if (data.Type == NFTA_DATA_VALUE)
                        {
                            key = data.Payload.Length is 4 or 16
                                ? IpPrefix.FromBytes(data.Payload)
                                : throw new NetlinkDecodeException($"set element key of {data.Payload.Length} bytes is not an address");
                        }
                    }

                    break;
            }
        }

        return new SetElement(key ?? throw new NetlinkDecodeException("set element without a key"), (flags & NFT_SET_ELEM_INTERVAL_END) != 0);
    }
}
