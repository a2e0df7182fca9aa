using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;
using static HostAccel.Native.Netlink.NetlinkConstants;
using static HostAccel.Native.Nftables.NfTablesConstants;

namespace HostAccel.Native.Nftables;

/// <summary>
/// A conversation with nf_tables in one network namespace: reads objects with dumps and commits transactions. It
/// keeps no cache of the ruleset, so a change costs the same whatever the size of the ruleset, and it keeps its
/// socket open, so a series of changes does not pay the kernel's socket teardown each time.
/// </summary>
public sealed class NftConnection : IDisposable
{
    private readonly NetlinkSocket _socket;
    private readonly NetlinkWriter _batchWriter = new(64 * 1024);

    /// <summary>How often a counter reset by replacing rules is planned again when another writer commits first.</summary>
    private const int MaxReplaceResetAttempts = 5;

    private NftConnection(NetlinkSocket socket)
    {
        _socket = socket;
    }

    public string? NetworkNamespace => _socket.NetworkNamespace;

    /// <summary>The socket underneath, for tests that inject faults into its reply stream.</summary>
    internal NetlinkSocket Socket => _socket;

    /// <summary>Connects to nf_tables in a named network namespace, or in the current one when null.</summary>
    public static NftConnection Open(string? networkNamespace = null) =>
        new(NetlinkSocket.Open(NETLINK_NETFILTER, networkNamespace));

    /// <summary>The ruleset's generation: it changes with every committed transaction, anyone's.</summary>
    public uint GetGeneration()
    {
        uint generation = 0;
        bool seen = false;
        _socket.Dump(
            (w, seq) => Request(w, NFT_MSG_GETGEN, NLM_F_ACK, NftFamily.Unspecified, seq, static _ => { }),
            (in NetlinkMessage m) =>
            {
                AttributeReader reader = m.Attributes;
                while (reader.Next())
                {
                    if (reader.Type == NFTA_GEN_ID)
                    {
                        generation = reader.GetU32Be();
                        seen = true;
                    }
                }
            },
            null,
            "reading the ruleset generation");
        return seen ? generation : throw new NetlinkDecodeException("NFT_MSG_NEWGEN without NFTA_GEN_ID");
    }

    public IReadOnlyList<NftTable> ListTables(NftFamily family = NftFamily.Unspecified) =>
        DumpObjects(NFT_MSG_GETTABLE, family, static _ => { }, NftTable.Decode, $"listing {FamilyText(family)} tables");

    /// <summary>One table, or null when it does not exist.</summary>
    public NftTable? GetTable(NftFamily family, string name)
    {
        try
        {
            return GetObject(NFT_MSG_GETTABLE, family, w => w.WriteString(NFTA_TABLE_NAME, name), NftTable.Decode,
                $"reading table {family.ToNftName()} {name}");
        }
        catch (NetlinkException ex) when (ex.Errno == Errno.ENOENT)
        {
            return null;
        }
    }

    public IReadOnlyList<NftChain> ListChains(NftFamily family = NftFamily.Unspecified, string? table = null)
    {
        IReadOnlyList<NftChain> chains = DumpObjects(NFT_MSG_GETCHAIN, family, static _ => { }, NftChain.Decode,
            $"listing chains of {TableText(family, table)}");
        return table is null ? chains : chains.Where(c => c.Table == table).ToList();
    }

    public IReadOnlyList<NftSet> ListSets(NftFamily family = NftFamily.Unspecified, string? table = null) =>
        DumpObjects(NFT_MSG_GETSET, family, w =>
        {
            if (table is not null)
            {
                w.WriteString(NFTA_SET_TABLE, table);
            }
        }, NftSet.Decode, $"listing sets of {TableText(family, table)}");

    public IReadOnlyList<NftFlowtable> ListFlowtables(NftFamily family = NftFamily.Unspecified, string? table = null) =>
        DumpObjects(NFT_MSG_GETFLOWTABLE, family, w =>
        {
            if (table is not null)
            {
                w.WriteString(NFTA_FLOWTABLE_TABLE, table);
            }
        }, NftFlowtable.Decode, $"listing flowtables of {TableText(family, table)}");

    /// <summary>
    /// The rules of a table, or of one chain. With <paramref name="resetCounters"/> the kernel returns the counters
    /// and zeroes them in the same step (NFT_MSG_GETRULE_RESET), so no packet is counted twice or lost.
    /// </summary>
    public IReadOnlyList<NftRule> ListRules(NftFamily family, string table, string? chain = null, bool resetCounters = false)
    {
        ArgumentNullException.ThrowIfNull(table);
        string operation = $"{(resetCounters ? "resetting counters of" : "listing")} rules of {TableText(family, table)}{(chain is null ? "" : $" chain {chain}")}";
        var rules = new List<NftRule>();

        // A reset dump that is restarted has already zeroed what its first attempts returned: keep those counts and
        // add them to the rules' final values, so no packet is lost.
        var zeroedEarlier = new Dictionary<ulong, (ulong Packets, ulong Bytes)>();
        _socket.Dump(
            (w, seq) => Request(w, resetCounters ? NFT_MSG_GETRULE_RESET : NFT_MSG_GETRULE, NLM_F_DUMP, family, seq, r =>
            {
                r.WriteString(NFTA_RULE_TABLE, table);
                if (chain is not null)
                {
                    r.WriteString(NFTA_RULE_CHAIN, chain);
                }
            }),
            (in NetlinkMessage m) => rules.Add(NftRule.Decode(m)),
            () =>
            {
                if (resetCounters)
                {
                    foreach (NftRule rule in rules)
                    {
                        if (rule.Counter is CounterExpression counter)
                        {
                            (ulong packets, ulong bytes) = zeroedEarlier.GetValueOrDefault(rule.Handle);
                            zeroedEarlier[rule.Handle] = (packets + counter.Packets, bytes + counter.Bytes);
                        }
                    }
                }

                rules.Clear();
            },
            operation,
            sameGeneration: true);
        return rules
            .Where(r => r.Table == table && (chain is null || r.Chain == chain))
            .Select(r => zeroedEarlier.TryGetValue(r.Handle, out var earlier) ? WithCounterAdded(r, earlier.Packets, earlier.Bytes) : r)
            .ToList();
    }

    /// <summary>
    /// The rules of one chain with their counters as they were, and the counters zeroed. Linux 6.2 and later read
    /// and zero them in one step (NFT_MSG_GETRULE_RESET), so no packet is lost or counted twice. Earlier kernels
    /// refuse that message (EINVAL); there every rule whose counter is not zero is replaced by itself with a new
    /// counter (as iptables-nft's -Z does), in one transaction pinned to the generation the rules were read at, so
    /// nothing else is changed: packets counted between the read and the commit, one round trip, are not returned.
    /// </summary>
    public IReadOnlyList<NftRule> ResetRuleCounters(NftFamily family, string table, string chain)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(chain);
        if (ResetsCountersAtomically != false)
        {
            try
            {
                IReadOnlyList<NftRule> rules = ListRules(family, table, chain, resetCounters: true);
                ResetsCountersAtomically = true;
                return rules;
            }
            catch (NetlinkException ex) when (ex.Errno == Errno.EINVAL && ResetsCountersAtomically is null)
            {
                ResetsCountersAtomically = false;
            }
        }

        return ResetRuleCountersByReplacing(family, table, chain);
    }

    /// <summary>
    /// Whether this kernel zeroes counters as it dumps rules (Linux 6.2), found by the first reset: null before it.
    /// Tests set it to false to take the path of older kernels.
    /// </summary>
    public bool? ResetsCountersAtomically { get; internal set; }

    // Another writer that commits after the rules were read makes the pinned commit fail: read them again rather than
    // undo its change.
    private List<NftRule> ResetRuleCountersByReplacing(NftFamily family, string table, string chain) =>
        Attempts.Run(MaxReplaceResetAttempts, _ =>
        {
            uint generation = GetGeneration();
            List<NftRule> rules = ListRules(family, table, chain).ToList();
            var transaction = new NftTransaction();
            foreach (NftRule rule in rules.Where(r => r.Expressions.Any(e => e is CounterExpression { Packets: > 0 } or CounterExpression { Bytes: > 0 })))
            {
                transaction.ReplaceRule(rule with
                {
                    Expressions = rule.Expressions.Select(e => e is CounterExpression ? new CounterExpression() : e).ToArray(),
                });
            }

            Commit(transaction, generation);
            return rules;
        }, Attempts.IsStaleCommit);

    private static NftRule WithCounterAdded(NftRule rule, ulong packets, ulong bytes) => rule with
    {
        Expressions = rule.Expressions
            .Select(e => e is CounterExpression c ? new CounterExpression(c.Packets + packets, c.Bytes + bytes) : e)
            .ToArray(),
    };

    /// <summary>The raw elements of a set, as the kernel holds them.</summary>
    public IReadOnlyList<SetElement> ListSetElements(NftSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var elements = new List<SetElement>();
        _socket.Dump(
            (w, seq) => Request(w, NFT_MSG_GETSETELEM, NLM_F_DUMP, set.Family, seq, r =>
            {
                r.WriteString(NFTA_SET_ELEM_LIST_TABLE, set.Table);
                r.WriteString(NFTA_SET_ELEM_LIST_SET, set.Name);
            }),
            (in NetlinkMessage m) => SetElementDecoder.Decode(m, elements, set.KeyLength),
            elements.Clear,
            $"listing elements of set {set.Family.ToNftName()} {set.Table} {set.Name}",
            sameGeneration: true);
        return elements;
    }

    /// <summary>The prefixes an address set holds: intervals merged back into CIDRs, or single addresses.</summary>
    public IReadOnlyList<IpPrefix> ListPrefixes(NftSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        IReadOnlyList<SetElement> elements = ListSetElements(set);
        if (set.IsInterval)
        {
            return IntervalCodec.Decode(elements, set.HoldsIPv6);
        }

        int bits = set.HoldsIPv6 ? 128 : 32;
        return elements.Select(e => IpPrefix.Create(set.HoldsIPv6, e.Key, bits)).Order().ToList();
    }

    /// <summary>
    /// Commits a transaction as one batch. With <paramref name="generation"/>, the kernel refuses the batch (ERESTART)
    /// if anyone committed anything since that generation was read, instead of overwriting their change.
    /// </summary>
    public void Commit(NftTransaction transaction, uint? generation = null)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        if (transaction.IsEmpty)
        {
            return;
        }

        _batchWriter.Clear();
        (uint first, uint last) = transaction.Encode(_batchWriter, _socket.NextSequence, generation);
        IReadOnlyList<NetlinkError> replies = _socket.SendBatch(_batchWriter.WrittenSpan, first, last);
        TransactionOutcome.ThrowIfFailed(transaction, replies, first, last, generation);
    }

    /// <summary>
    /// Sends a transaction and returns the kernel's verdict on each of its messages (None where it passed), without
    /// interpreting them: for probes whose batch is meant to fail. Every message asks for an ACK here.
    /// </summary>
    internal IReadOnlyList<Errno> Validate(NftTransaction transaction)
    {
        _batchWriter.Clear();
        (uint first, uint last) = transaction.Encode(_batchWriter, _socket.NextSequence, generation: null, ackEach: true);
        IReadOnlyList<NetlinkError> replies = _socket.SendBatch(_batchWriter.WrittenSpan, first, last);
        var results = new Errno[transaction.Count];
        foreach (NetlinkError reply in replies)
        {
            if (reply.OriginalSequence == first && !reply.IsAck)
            {
                throw new NetlinkException(reply.Errno, "starting the probe transaction", reply.ExtAckMessage, reply.Offset, reply.OriginalSequence,
                    reply.Errno == Errno.EPERM ? KernelReason.NetAdminRequired : KernelReason.None);
            }

            if (reply.OriginalSequence > first && reply.OriginalSequence < last)
            {
                results[reply.OriginalSequence - first - 1] = reply.Errno;
            }
        }

        return results;
    }

    /// <summary>Device index by name in this connection's namespace, or null when there is no such device.</summary>
    public uint? InterfaceIndex(string name) =>
        Interop.NetworkNamespace.Run(NetworkNamespace, () => NetworkInterface.IndexOf(name));

    /// <summary>Every device of this connection's namespace, by index.</summary>
    public IReadOnlyDictionary<uint, string> Interfaces() =>
        Interop.NetworkNamespace.Run(NetworkNamespace, NetworkInterface.List);

    public void Dispose() => _socket.Dispose();

    private delegate T ObjectDecoder<out T>(in NetlinkMessage message);

    private List<T> DumpObjects<T>(ushort message, NftFamily family, Action<NetlinkWriter> filter, ObjectDecoder<T> decode, string operation)
    {
        var objects = new List<T>();
        _socket.Dump(
            (w, seq) => Request(w, message, NLM_F_DUMP, family, seq, filter),
            (in NetlinkMessage m) => objects.Add(decode(m)),
            objects.Clear,
            operation,
            sameGeneration: true);
        return objects;
    }

    private T GetObject<T>(ushort message, NftFamily family, Action<NetlinkWriter> key, ObjectDecoder<T> decode, string operation)
        where T : class
    {
        T? result = null;
        _socket.Dump(
            (w, seq) => Request(w, message, NLM_F_ACK, family, seq, key),
            (in NetlinkMessage m) => result = decode(m),
            null,
            operation);
        return result ?? throw new NetlinkDecodeException($"{operation}: the kernel acknowledged without answering");
    }

    private static void Request(NetlinkWriter writer, ushort message, ushort flags, NftFamily family, uint sequence, Action<NetlinkWriter> attributes)
    {
        int start = writer.BeginMessage(MessageType(message), (ushort)(NLM_F_REQUEST | flags), sequence);
        writer.WriteNfGenMsg((byte)family);
        attributes(writer);
        writer.EndMessage(start);
    }

    private static string FamilyText(NftFamily family) => family == NftFamily.Unspecified ? "all" : family.ToNftName();

    private static string TableText(NftFamily family, string? table) =>
        table is null ? $"{FamilyText(family)} tables" : $"table {family.ToNftName()} {table}";
}
