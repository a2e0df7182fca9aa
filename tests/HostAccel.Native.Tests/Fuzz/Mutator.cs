using System.Buffers.Binary;
using static HostAccel.Native.Netlink.NetlinkConstants;

namespace HostAccel.Native.Tests.Fuzz;

/// <summary>
/// Builds fuzz case <c>i</c> of a run from the corpus: a few mutations that know netlink's shape (message and
/// attribute lengths, nesting, alignment) next to blind ones (bit flips, random bytes). Structural mutations that
/// insert or remove an attribute fix the lengths of every enclosing attribute and message half of the time, so that
/// the result gets past the length checks and reaches the decoders' own logic.
/// </summary>
internal static class Mutator
{
    public const int MaxInput = 64 * 1024;

    private static readonly uint[] InterestingU32 = [0, 1, 3, 4, 15, 16, 17, 19, 20, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
    private static readonly ushort[] InterestingU16 = [0, 1, 2, 3, 4, 5, 7, 8, 0x7f, 0x80, 0xff, 0x3fff, 0x4000, 0x7fff, 0x8000, 0xfffc, 0xffff];

    /// <summary>A message or attribute found in an input; Parent indexes the enclosing one, -1 for a message.</summary>
    internal readonly record struct Node(int Offset, int Length, int Parent, bool IsMessage);

    public static byte[] Case(IReadOnlyList<byte[]> corpus, ulong runSeed, long caseIndex)
    {
        var random = new FuzzRandom(runSeed, caseIndex);
        if (random.Chance(3))
        {
            return RandomDatagram(ref random);
        }

        byte[] data = random.Pick(corpus);
        int mutations = 1 + random.Below(4);
        for (int i = 0; i < mutations; i++)
        {
            data = Mutate(data, corpus, ref random);
            if (data.Length > MaxInput)
            {
                data = data[..MaxInput];
            }
        }

        return data;
    }

    private static byte[] RandomDatagram(ref FuzzRandom random)
    {
        byte[] data = new byte[random.Below(512)];
        random.Fill(data);
        if (data.Length >= NLMSG_HDRLEN && random.Chance(50))
        {
            BinaryPrimitives.WriteUInt32LittleEndian(data, (uint)data.Length);
        }

        return data;
    }

    private static byte[] Mutate(byte[] input, IReadOnlyList<byte[]> corpus, ref FuzzRandom random)
    {
        byte[] data = (byte[])input.Clone();
        List<Node> nodes = Walk(data);
        List<int> attributes = Enumerable.Range(0, nodes.Count).Where(i => !nodes[i].IsMessage).ToList();
        List<int> messages = Enumerable.Range(0, nodes.Count).Where(i => nodes[i].IsMessage).ToList();
        switch (random.Below(16))
        {
            case 0 when data.Length > 0:
                for (int flips = 1 + random.Below(8); flips > 0; flips--)
                {
                    int bit = random.Below(data.Length * 8);
                    data[bit / 8] ^= (byte)(1 << (bit % 8));
                }

                return data;
            case 1 when data.Length > 0:
                data[random.Below(data.Length)] = random.Chance(50) ? (byte)random.Pick(InterestingU32) : (byte)random.Next();
                return data;
            case 2 when data.Length >= 4:
                {
                    int at = random.Below(data.Length - 3);
                    uint value = random.Pick(InterestingU32);
                    if (random.Chance(50))
                    {
                        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(at), value);
                    }
                    else
                    {
                        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(at), value);
                    }

                    return data;
                }

            case 3 when messages.Count > 0:
                {
                    // nlmsg_len: off by a little, off by a lot, the whole datagram, past it.
                    Node message = nodes[random.Pick(messages)];
                    uint[] lengths = [(uint)message.Length - 1, (uint)message.Length + 1, (uint)message.Length + 4, (uint)(data.Length - message.Offset), (uint)(data.Length - message.Offset + 1), random.Pick(InterestingU32)];
                    BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(message.Offset), random.Pick(lengths));
                    return data;
                }

            case 4 when attributes.Count > 0:
                {
                    // nla_len the same way, against the room its parent leaves.
                    Node attribute = nodes[random.Pick(attributes)];
                    Node parent = nodes[attribute.Parent];
                    int room = parent.Offset + parent.Length - attribute.Offset;
                    int[] lengths = [attribute.Length - 1, attribute.Length + 1, attribute.Length + 4, room, room + 1, random.Pick(InterestingU16)];
                    BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(attribute.Offset), (ushort)random.Pick(lengths));
                    return data;
                }

            case 5 when attributes.Count > 0:
                {
                    // Another type, the nested and byte-order flags toggled.
                    Node attribute = nodes[random.Pick(attributes)];
                    ushort type = BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(attribute.Offset + 2));
                    type = random.Below(3) switch
                    {
                        0 => (ushort)((type & ~NLA_TYPE_MASK) | random.Below(20)),
                        1 => (ushort)(type ^ NLA_F_NESTED),
                        _ => (ushort)(type ^ NLA_F_NET_BYTEORDER),
                    };
                    BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(attribute.Offset + 2), type);
                    return data;
                }

            case 6 when data.Length > 0:
                {
                    // Truncated anywhere, or inside a chosen message or attribute.
                    if (nodes.Count > 0 && random.Chance(50))
                    {
                        Node node = random.Pick(nodes);
                        return data[..Math.Min(data.Length, node.Offset + random.Below(node.Length + 1))];
                    }

                    return data[..random.Below(data.Length)];
                }

            case 7 when attributes.Count > 0:
                {
                    // An attribute of another input spliced in at an attribute boundary.
                    byte[] donor = random.Pick(corpus);
                    List<Node> donorNodes = Walk(donor).Where(n => !n.IsMessage).ToList();
                    if (donorNodes.Count == 0)
                    {
                        return data;
                    }

                    Node piece = random.Pick(donorNodes);
                    Node target = nodes[random.Pick(attributes)];
                    return Insert(data, nodes, target.Parent, random.Chance(50) ? target.Offset : End(target), Padded(donor.AsSpan(piece.Offset, piece.Length)), random.Chance(50));
                }

            case 8 when attributes.Count > 0:
                {
                    // Duplicated: the same attribute twice in a row.
                    Node attribute = nodes[random.Pick(attributes)];
                    return Insert(data, nodes, attribute.Parent, End(attribute), Padded(data.AsSpan(attribute.Offset, attribute.Length)), random.Chance(70));
                }

            case 9 when attributes.Count > 0:
                {
                    // Nested once more: wrapped in a new attribute with NLA_F_NESTED.
                    Node attribute = nodes[random.Pick(attributes)];
                    int length = End(attribute) - attribute.Offset + NLA_HDRLEN;
                    if (length > ushort.MaxValue)
                    {
                        return data;
                    }

                    byte[] header = new byte[NLA_HDRLEN];
                    BinaryPrimitives.WriteUInt16LittleEndian(header, (ushort)length);
                    BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(2), (ushort)(NLA_F_NESTED | random.Below(12)));
                    return Insert(data, nodes, attribute.Parent, attribute.Offset, header, fixup: true);
                }

            case 10 when attributes.Count > 0:
                {
                    Node attribute = nodes[random.Pick(attributes)];
                    return Remove(data, nodes, attribute.Parent, attribute.Offset, End(attribute) - attribute.Offset, random.Chance(70));
                }

            case 11 when data.Length > 0:
                {
                    int at = random.Below(data.Length);
                    random.Fill(data.AsSpan(at, Math.Min(data.Length - at, 1 + random.Below(16))));
                    return data;
                }

            case 12 when attributes.Count > 0:
                {
                    // Random bytes inside an attribute's payload, its lengths kept right or not.
                    Node attribute = nodes[random.Pick(attributes)];
                    byte[] noise = new byte[1 + random.Below(24)];
                    random.Fill(noise);
                    int at = attribute.Offset + NLA_HDRLEN + random.Below(attribute.Length - NLA_HDRLEN + 1);
                    return Insert(data, nodes, nodes.IndexOf(attribute), at, noise, random.Chance(50));
                }

            case 13:
                {
                    // A whole message of another input after or before this one's.
                    byte[] donor = random.Pick(corpus);
                    List<Node> donorMessages = Walk(donor).Where(n => n.IsMessage).ToList();
                    if (donorMessages.Count == 0)
                    {
                        return data;
                    }

                    Node message = random.Pick(donorMessages);
                    byte[] piece = Padded(donor.AsSpan(message.Offset, message.Length));
                    return random.Chance(70) ? [.. data, .. piece] : [.. piece, .. data];
                }

            case 14 when messages.Count > 0:
                {
                    // The header's type and flags: error, done, overrun, a random type; the ACK TLV and capped bits.
                    Node message = nodes[random.Pick(messages)];
                    ushort[] types = [NLMSG_ERROR, NLMSG_DONE, NLMSG_OVERRUN, NLMSG_NOOP, (ushort)random.Next()];
                    if (random.Chance(50))
                    {
                        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(message.Offset + 4), random.Pick(types));
                    }
                    else
                    {
                        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(message.Offset + 6));
                        flags ^= random.Pick((ushort[])[NLM_F_CAPPED, NLM_F_ACK_TLVS, NLM_F_MULTI, NLM_F_DUMP_INTR]);
                        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(message.Offset + 6), flags);
                    }

                    return data;
                }

            default:
                {
                    // Bytes inserted or removed anywhere, shifting everything after them.
                    int at = random.Below(data.Length + 1);
                    if (random.Chance(50) && at < data.Length)
                    {
                        return [.. data.AsSpan(0, at), .. data.AsSpan(Math.Min(data.Length, at + 1 + random.Below(8)))];
                    }

                    byte[] noise = new byte[1 + random.Below(8)];
                    random.Fill(noise);
                    return [.. data.AsSpan(0, at), .. noise, .. data.AsSpan(at)];
                }
        }
    }

    private static int End(Node node) => node.Offset + Align(node.Length);

    private static byte[] Padded(ReadOnlySpan<byte> bytes)
    {
        byte[] padded = new byte[Align(bytes.Length)];
        bytes.CopyTo(padded);
        return padded;
    }

    /// <summary>Inserts bytes at <paramref name="at"/> inside node <paramref name="parent"/>; with fixup, every enclosing length grows.</summary>
    private static byte[] Insert(byte[] data, List<Node> nodes, int parent, int at, ReadOnlySpan<byte> bytes, bool fixup)
    {
        at = Math.Min(at, data.Length);
        byte[] result = [.. data.AsSpan(0, at), .. bytes, .. data.AsSpan(at)];
        if (fixup)
        {
            AdjustLengths(result, nodes, parent, bytes.Length);
        }

        return result;
    }

    private static byte[] Remove(byte[] data, List<Node> nodes, int parent, int at, int count, bool fixup)
    {
        count = Math.Min(count, data.Length - at);
        byte[] result = [.. data.AsSpan(0, at), .. data.AsSpan(at + count)];
        if (fixup)
        {
            AdjustLengths(result, nodes, parent, -count);
        }

        return result;
    }

    private static void AdjustLengths(byte[] data, List<Node> nodes, int index, int delta)
    {
        for (; index >= 0; index = nodes[index].Parent)
        {
            Node node = nodes[index];
            if (node.IsMessage)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(node.Offset), (uint)(node.Length + delta));
                return;
            }

            int length = node.Length + delta;
            if (length is < NLA_HDRLEN or > ushort.MaxValue)
            {
                return;
            }

            BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(node.Offset), (ushort)length);
        }
    }

    /// <summary>
    /// The messages of a datagram and the attributes in them, as far as they are well formed. Attributes are looked
    /// for after the nfgenmsg (nfnetlink) or after errno and the echoed header (NLMSG_ERROR), and inside every
    /// attribute whose payload is itself a well-formed run of attributes, whatever its NLA_F_NESTED bit says.
    /// </summary>
    internal static List<Node> Walk(byte[] data)
    {
        var nodes = new List<Node>();
        int offset = 0;
        while (data.Length - offset >= NLMSG_HDRLEN)
        {
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(offset));
            if (length < NLMSG_HDRLEN || length > data.Length - offset)
            {
                break;
            }

            int message = nodes.Count;
            nodes.Add(new Node(offset, (int)length, -1, IsMessage: true));
            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(offset + 4));
            int first = offset + NLMSG_HDRLEN + (type == NLMSG_ERROR ? 4 + NLMSG_HDRLEN : 4);
            WalkAttributes(data, first, offset + (int)length, message, nodes, depth: 0);
            offset += Align((int)length);
        }

        return nodes;
    }

    private static void WalkAttributes(byte[] data, int start, int end, int parent, List<Node> nodes, int depth)
    {
        for (int offset = start; end - offset >= NLA_HDRLEN;)
        {
            ushort length = BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(offset));
            if (length < NLA_HDRLEN || length > end - offset)
            {
                return;
            }

            int index = nodes.Count;
            nodes.Add(new Node(offset, length, parent, IsMessage: false));
            if (depth < 8 && length > NLA_HDRLEN && IsAttributeRun(data, offset + NLA_HDRLEN, offset + length))
            {
                WalkAttributes(data, offset + NLA_HDRLEN, offset + length, index, nodes, depth + 1);
            }

            offset += Align(length);
        }
    }

    private static bool IsAttributeRun(byte[] data, int start, int end)
    {
        int offset = start;
        while (end - offset >= NLA_HDRLEN)
        {
            ushort length = BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(offset));
            if (length < NLA_HDRLEN || length > end - offset)
            {
                return false;
            }

            offset += Align(length);
        }

        return offset >= end;
    }
}
