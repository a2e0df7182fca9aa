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

        // A reset dump that is restarted has already zeroed what its first attempts returned: keep those counts, each
        // counter of each rule by its place in the rule, and add them to the rules' final values, so no packet is lost.
        var zeroedEarlier = new Dictionary<ulong, (ulong Packets, ulong Bytes)[]>();
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
                        IReadOnlyList<CounterExpression> counters = rule.Counters;
                        (ulong Packets, ulong Bytes)[] earlier = zeroedEarlier.GetValueOrDefault(rule.Handle) ?? [];
                        var sum = new (ulong Packets, ulong Bytes)[Math.Max(earlier.Length, counters.Count)];
                        for (int i = 0; i < sum.Length; i++)
                        {
                            (ulong packets, ulong bytes) = i < earlier.Length ? earlier[i] : default;
                            sum[i] = i < counters.Count ? (packets + counters[i].Packets, bytes + counters[i].Bytes) : (packets, bytes);
                        }

                        zeroedEarlier[rule.Handle] = sum;
                    }
                }

                rules.Clear();
            },
            operation,
            sameGeneration: true);
        return rules
            .Where(r => r.Table == table && (chain is null || r.Chain == chain))
            .Select(r => zeroedEarlier.TryGetValue(r.Handle, out var earlier) ? WithCountersAdded(r, earlier) : r)
            .ToList();
    }

    /// <summary>
    /// The rules of one chain with their counters as they were, and the counters zeroed. Linux 6.2 and later read
    /// and zero them in one step (NFT_MSG_GETRULE_RESET), so no packet is lost or counted twice. Earlier kernels
    /// refuse that message (EINVAL); there every rule whose counters are not all zero is replaced by itself with new
    /// counters (as iptables-nft's -Z does), in one transaction pinned to the generation the rules were read at, so
    /// nothing else is changed, and asked back (NLM_F_ECHO) for the kernel's notice of each rule it removed: that notice
    /// carries the old rule's counters as the commit left them, so what it counted between the read and the commit is
    /// returned too. What is not returned: packets another CPU was already counting on an old rule at the instant of
    /// the commit (nanoseconds of work, against the microseconds between the switch and the notice). Where the
    /// kernel sends no notice, the counts read before the commit are returned and what came in between is lost:
    /// <see cref="LastCounterReset"/> says which happened.
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
                LastCounterReset = CounterReset.ResetDump;
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

    /// <summary>How the last <see cref="ResetRuleCounters"/> on this connection read and zeroed the counters; null before the first.</summary>
    public CounterReset? LastCounterReset { get; private set; }

    // Another writer that commits after the rules were read makes the pinned commit fail: read them again rather than
    // undo its change.
    private List<NftRule> ResetRuleCountersByReplacing(NftFamily family, string table, string chain) =>
        Attempts.Run(MaxReplaceResetAttempts, _ =>
        {
            uint generation = GetGeneration();
            List<NftRule> rules = ListRules(family, table, chain).ToList();
            var transaction = new NftTransaction();
            var replaced = new HashSet<ulong>();
            foreach (NftRule rule in rules.Where(r => r.Expressions.Any(e => e is CounterExpression { Packets: > 0 } or CounterExpression { Bytes: > 0 })))
            {
                transaction.ReplaceRule(rule with
                {
                    Expressions = rule.Expressions.Select(e => e is CounterExpression ? new CounterExpression() : e).ToArray(),
                });
                replaced.Add(rule.Handle);
            }

            var removed = new Dictionary<ulong, NftRule>();
            CommitEchoed(transaction, generation, (in NetlinkMessage m) =>
            {
                if (m.Type == MessageType(NFT_MSG_DELRULE))
                {
                    NftRule old = NftRule.Decode(m);
                    removed[old.Handle] = old;
                }
            });
            LastCounterReset = replaced.All(removed.ContainsKey) ? CounterReset.ReplacedWithFinalCounts : CounterReset.ReplacedWithCountsAsRead;
            return rules.Select(r => removed.TryGetValue(r.Handle, out NftRule? final) && final.Counters.Count == r.Counters.Count ? final : r).ToList();
        }, Attempts.IsStaleCommit);

    /// <summary>
    /// Commits a transaction pinned to <paramref name="generation"/> with NLM_F_ECHO on each message, handing the
    /// kernel's notices of what it changed (sent back to this socket) to <paramref name="notice"/>.
    /// </summary>
    private void CommitEchoed(NftTransaction transaction, uint generation, NetlinkMessageHandler notice)
    {
        if (transaction.IsEmpty)
        {
            return;
        }

        _batchWriter.Clear();
        uint first = _socket.NextSequence();
        int start = _batchWriter.BeginMessage(NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, first);
        _batchWriter.WriteNfGenMsg(0, NFNL_SUBSYS_NFTABLES);
        _batchWriter.WriteU32Be(NFNL_BATCH_GENID, generation);
        _batchWriter.EndMessage(start);
        for (int i = 0; i < transaction.Entries.Count; i++)
        {
            NftTransaction.Entry entry = transaction.Entries[i];
            ushort flags = (ushort)(NLM_F_REQUEST | NLM_F_ECHO | entry.Flags | (i == transaction.Entries.Count - 1 ? NLM_F_ACK : 0));
            start = _batchWriter.BeginMessage(MessageType(entry.Message), flags, _socket.NextSequence());
            _batchWriter.WriteNfGenMsg((byte)entry.Family);
            entry.Encode(_batchWriter);
            _batchWriter.EndMessage(start);
        }

        uint last = _socket.NextSequence();
        start = _batchWriter.BeginMessage(NFNL_MSG_BATCH_END, NLM_F_REQUEST, last);
        _batchWriter.WriteNfGenMsg(0, NFNL_SUBSYS_NFTABLES);
        _batchWriter.EndMessage(start);
        IReadOnlyList<NetlinkError> replies = _socket.SendBatch(_batchWriter.WrittenSpan, first, last, notice);
        TransactionOutcome.ThrowIfFailed(transaction, replies, first, last, generation);
    }

    private static NftRule WithCountersAdded(NftRule rule, (ulong Packets, ulong Bytes)[] earlier)
    {
        Expression[] expressions = rule.Expressions.ToArray();
        int counter = 0;
        for (int i = 0; i < expressions.Length && counter < earlier.Length; i++)
        {
            if (expressions[i] is CounterExpression c)
            {
                expressions[i] = new CounterExpression(c.Packets + earlier[counter].Packets, c.Bytes + earlier[counter].Bytes);
                counter++;
            }
        }

        return rule with { Expressions = expressions };
    }

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

    /// <summary>The ranges an interval set holds, as the kernel keeps them (a prefix HostAccel wrote is one range).</summary>
    public IReadOnlyList<AddressRange> ListRanges(NftSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        if (!set.IsInterval)
        {
            throw new ArgumentException($"set {set.Family.ToNftName()} {set.Table} {set.Name} has no 'flags interval'", nameof(set));
        }

        return IntervalCodec.Ranges(ListSetElements(set), set.HoldsIPv6);
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

/// <summary>How <see cref="NftConnection.ResetRuleCounters"/> read and zeroed the counters.</summary>
public enum CounterReset
{
    /// <summary>Read and zeroed in one kernel step (NFT_MSG_GETRULE_RESET, Linux 6.2 and later): nothing lost.</summary>
    ResetDump,

    /// <summary>
    /// Rules replaced by copies with new counters, the old counters taken from the kernel's notice of their removal at
    /// the commit: only packets being counted on another CPU at that instant are not returned.
    /// </summary>
    ReplacedWithFinalCounts,

    /// <summary>Rules replaced, but the kernel sent no notice: the counts read before the commit were returned, what came in between is lost.</summary>
    ReplacedWithCountsAsRead,
}
