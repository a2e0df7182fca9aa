using HostAccel.Native.Netlink;
using static HostAccel.Native.Nftables.NfTablesConstants;

namespace HostAccel.Native.Nftables;

/// <summary>Reads the elements of an NFT_MSG_NEWSETELEM dump message.</summary>
internal static class SetElementDecoder
{
    // keyLength: the set's, when known; a key of another length is not an element of that set.
    internal static void Decode(in NetlinkMessage message, List<SetElement> elements, int keyLength = 0)
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
                    SetElement element = DecodeElement(list.Nested(), keyLength);
                    elements.Add(element);
                }
            }
        }
    }

    private static SetElement DecodeElement(AttributeReader element, int keyLength)
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
                            key = data.Payload.Length is 4 or 16 && (keyLength == 0 || data.Payload.Length == keyLength)
                                ? IpPrefix.FromBytes(data.Payload)
                                : throw new NetlinkDecodeException($"set element key of {data.Payload.Length} bytes in a set of {keyLength}-byte addresses");
                        }
                    }

                    break;
            }
        }

        return new SetElement(key ?? throw new NetlinkDecodeException("set element without a key"), (flags & NFT_SET_ELEM_INTERVAL_END) != 0);
    }
}
