using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using static HostAccel.Native.TrafficControl.TcConstants;

namespace HostAccel.Native.TrafficControl.Actions;

/// <summary>
/// Encodes a filter's action list (TCA_FLOWER_ACT, or TCA_ACT_TAB of a standalone action message) and decodes it,
/// dispatching on each kind. The list and its numbered entries are written without NLA_F_NESTED, the options with
/// it, exactly as iproute2's tc writes them.
/// </summary>
internal static class ActionCodec
{
    internal delegate TcAction Decoder(AttributeReader options);

    private static readonly Dictionary<string, Decoder> Decoders = new(StringComparer.Ordinal)
    {
        [MirredAction.KindName] = MirredAction.Decode,
        [PeditAction.KindName] = PeditAction.Decode,
        [CsumAction.KindName] = CsumAction.Decode,
        [GactAction.KindName] = GactAction.Decode,
    };

    internal static void EncodeList(NetlinkWriter writer, ushort attribute, IReadOnlyList<TcAction> actions)
    {
        if (actions.Count > TCA_ACT_MAX_PRIO)
        {
            throw new ArgumentException($"a filter holds at most {TCA_ACT_MAX_PRIO} actions, not {actions.Count}", nameof(actions));
        }

        using (writer.NestedWithoutFlag(attribute))
        {
            for (int i = 0; i < actions.Count; i++)
            {
                // The kernel runs actions in the order of these numbers (tc's "action order N").
                using (writer.NestedWithoutFlag((ushort)(i + 1)))
                {
                    writer.WriteString(TCA_ACT_KIND, actions[i].Kind);
                    using (writer.Nested(TCA_ACT_OPTIONS))
                    {
                        actions[i].EncodeOptions(writer);
                    }

                    // After the options, where tc's parse_action writes "cookie HEX".
                    if (actions[i].Cookie.Count > 0)
                    {
                        if (actions[i].Cookie.Count > TC_COOKIE_MAX_SIZE)
                        {
                            throw new ArgumentException($"an action cookie holds at most {TC_COOKIE_MAX_SIZE} bytes, not {actions[i].Cookie.Count}", nameof(actions));
                        }

                        writer.WriteBytes(TCA_ACT_COOKIE, actions[i].Cookie.AsSpan());
                    }
                }
            }
        }
    }

    internal static EquatableArray<TcAction> DecodeList(AttributeReader list)
    {
        var ordered = new SortedList<ushort, TcAction>();
        while (list.Next())
        {
            ordered[list.Type] = DecodeElement(list.Nested());
        }

        return new EquatableArray<TcAction>(ordered.Values);
    }

    private static TcAction DecodeElement(AttributeReader element)
    {
        string? kind = null;
        byte[] options = [];
        TcStatistics? statistics = null;
        uint? index = null;
        byte[]? cookie = null;
        while (element.Next())
        {
            switch (element.Type)
            {
                case TCA_ACT_KIND:
                    kind = element.GetString();
                    break;
                case TCA_ACT_OPTIONS:
                    options = element.Payload.ToArray();
                    break;
                case TCA_ACT_STATS:
                    statistics = TcStatistics.Decode(element.Nested());
                    break;
                case TCA_ACT_INDEX:
                    index = element.GetU32Host();
                    break;
                case TCA_ACT_COOKIE:
                    cookie = element.Payload.ToArray();
                    break;
            }
        }

        if (kind is null)
        {
            throw new NetlinkDecodeException("action without TCA_ACT_KIND");
        }

        TcAction action = Decoders.TryGetValue(kind, out Decoder? decode)
            ? decode(new AttributeReader(options))
            : new UnknownAction(kind, new EquatableArray<byte>(options)) { Index = index ?? 0, State = new TcActionState(0, 0) };
        if (cookie is not null)
        {
            action = action with { Cookie = cookie };
        }

        return statistics is null
            ? action
            : action with { State = (action.State ?? new TcActionState(0, 0)) with { Statistics = statistics } };
    }
}
