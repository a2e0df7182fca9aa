using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables.Objects;
using static HostAccel.Native.Netlink.NetlinkConstants;
using static HostAccel.Native.Nftables.NfTablesConstants;

namespace HostAccel.Native.Nftables;

/// <summary>
/// Changes queued for one nf_tables batch: committed together or not at all. Each queued message keeps a
/// description in the words of its object and the caller's subject (the object it was queued for), so that a kernel
/// error comes back on both: <see cref="NetlinkException.Subject"/>. For an element list the subject is found per
/// element, from where in the message the kernel pointed. What a change looks like as nft text is
/// <see cref="NftStatements"/>' business, not the transaction's.
/// </summary>
public sealed class NftTransaction
{
    /// <summary>Room under the 64 KiB limit of the nested attribute that holds a message's elements.</summary>
    private const int MaxElementBytesPerMessage = 60 * 1024;

    private readonly List<Entry> _entries = [];
    private readonly Dictionary<(NftFamily, string, string), uint> _newSets = [];
    private readonly HashSet<(NftFamily, string, string)> _newSetsStillEmpty = [];
    private readonly Dictionary<(NftFamily, string, string), int> _rulesPerChain = [];
    private uint _nextSetId = 1;

    /// <summary>
    /// One message of the batch. <see cref="Elements"/> is set for an element list: which element stands where once
    /// encoded, and whose it is.
    /// </summary>
    internal sealed record Entry(ushort Message, ushort Flags, NftFamily Family, Action<NetlinkWriter> Encode, string Description, object? Subject)
    {
        public ElementChunk? Elements { get; init; }

        /// <summary>Where the message began in the last encoded batch.</summary>
        public int Start { get; set; }
    }

    /// <summary>
    /// The elements of one element-list message: for each, the index of the prefix it encodes (-1 for nft's marker
    /// below the first interval) and, filled as the message is encoded, where its attribute begins in the batch.
    /// </summary>
    internal sealed class ElementChunk(List<SetElement> elements, int[] owners, IReadOnlyList<object?>? subjects)
    {
        public List<SetElement> Elements { get; } = elements;

        public int[] Starts { get; } = new int[elements.Count];

        /// <summary>The subject of the element at <paramref name="offset"/> from the message's start, or null.</summary>
        public object? SubjectAt(int messageStart, int offset)
        {
            int position = messageStart + offset;
            int index = -1;
            for (int i = 0; i < Starts.Length && Starts[i] <= position; i++)
            {
                index = i;
            }

            return index < 0 || subjects is null || owners[index] < 0 ? null : subjects[owners[index]];
        }
    }

    public int Count => _entries.Count;

    public bool IsEmpty => _entries.Count == 0;

    internal IReadOnlyList<Entry> Entries => _entries;

    /// <summary>Adds a table; with <paramref name="exclusive"/> an existing one is an error (EEXIST), else a no-op.</summary>
    public void AddTable(NftTable table, bool exclusive = false, object? subject = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        Queue(NFT_MSG_NEWTABLE, exclusive ? (ushort)(NLM_F_CREATE | NLM_F_EXCL) : (ushort)0, table.Family, table.Encode,
            $"adding table {table.Family.ToNftName()} {table.Name}", subject);
    }

    public void DeleteTable(NftTable table, object? subject = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        Queue(NFT_MSG_DELTABLE, 0, table.Family, w => NameOrHandle(w, NFTA_TABLE_NAME, table.Name, NFTA_TABLE_HANDLE, table.Handle),
            $"deleting table {table.Family.ToNftName()} {table.Name}", subject);
    }

    public void AddChain(NftChain chain, object? subject = null)
    {
        ArgumentNullException.ThrowIfNull(chain);
        Queue(NFT_MSG_NEWCHAIN, NLM_F_CREATE, chain.Family, chain.Encode,
            $"adding chain {chain.Family.ToNftName()} {chain.Table} {chain.Name}", subject);
    }

    public void DeleteChain(NftChain chain, object? subject = null)
    {
        ArgumentNullException.ThrowIfNull(chain);
        Queue(NFT_MSG_DELCHAIN, 0, chain.Family, w =>
        {
            w.WriteString(NFTA_CHAIN_TABLE, chain.Table);
            NameOrHandle(w, NFTA_CHAIN_NAME, chain.Name, NFTA_CHAIN_HANDLE, chain.Handle);
        }, $"deleting chain {chain.Family.ToNftName()} {chain.Table} {chain.Name}", subject);
    }

    public void AddSet(NftSet set, object? subject = null)
    {
        ArgumentNullException.ThrowIfNull(set);
        uint id = _nextSetId++;
        _newSets[(set.Family, set.Table, set.Name)] = id;
        _newSetsStillEmpty.Add((set.Family, set.Table, set.Name));
        Queue(NFT_MSG_NEWSET, NLM_F_CREATE, set.Family, w => set.Encode(w, id),
            $"adding set {set.Family.ToNftName()} {set.Table} {set.Name}", subject);
    }

    public void DeleteSet(NftSet set, object? subject = null)
    {
        ArgumentNullException.ThrowIfNull(set);
        Queue(NFT_MSG_DELSET, 0, set.Family, w =>
        {
            w.WriteString(NFTA_SET_TABLE, set.Table);
            NameOrHandle(w, NFTA_SET_NAME, set.Name, NFTA_SET_HANDLE, set.Handle);
        }, $"deleting set {set.Family.ToNftName()} {set.Table} {set.Name}", subject);
    }

    /// <summary>
    /// Adds prefixes to an address set: intervals in an interval set, single addresses otherwise.
    /// <paramref name="subjects"/>, when given, holds the caller's object of each prefix: a kernel error on one element
    /// comes back on its prefix's subject.
    /// </summary>
    public void AddElements(NftSet set, IEnumerable<IpPrefix> prefixes, object? subject = null, IReadOnlyList<object?>? subjects = null) =>
        QueueElements(NFT_MSG_NEWSETELEM, NLM_F_CREATE, set, prefixes, "adding", subject, subjects);

    /// <summary>Deletes prefixes from an address set; each must be there exactly as it was added.</summary>
    public void DeleteElements(NftSet set, IEnumerable<IpPrefix> prefixes, object? subject = null, IReadOnlyList<object?>? subjects = null) =>
        QueueElements(NFT_MSG_DELSETELEM, 0, set, prefixes, "deleting", subject, subjects);

    /// <summary>
    /// Deletes ranges an interval set holds as they are (<see cref="NftConnection.ListRanges"/>): a range written as
    /// first-last by someone else, which no prefix deletes. <paramref name="subjects"/>: one per range.
    /// </summary>
    public void DeleteRanges(NftSet set, IReadOnlyList<AddressRange> ranges, object? subject = null, IReadOnlyList<object?>? subjects = null)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(ranges);
        if (!set.IsInterval || ranges.Any(r => r.IsIPv6 != set.HoldsIPv6))
        {
            throw new ArgumentException($"set {set.Family.ToNftName()} {set.Table} {set.Name} holds no such ranges", nameof(ranges));
        }

        UInt128 max = set.HoldsIPv6 ? UInt128.MaxValue : uint.MaxValue;
        var elements = new List<SetElement>(ranges.Count * 2);
        var owners = new List<int>(ranges.Count * 2);
        foreach ((AddressRange range, int index) in ranges.Select((r, i) => (r, i)).OrderBy(x => x.r.First))
        {
            elements.Add(new SetElement(range.First, IsIntervalEnd: false, IsOpenInterval: range.Last == max));
            owners.Add(index);
            if (range.Last != max)
            {
                elements.Add(new SetElement(range.Last + 1, IsIntervalEnd: true));
                owners.Add(index);
            }
        }

        var chunk = new ElementChunk(elements, [.. owners], subjects);
        string target = $"set {set.Family.ToNftName()} {set.Table} {set.Name}";
        _entries.Add(new Entry(NFT_MSG_DELSETELEM, 0, set.Family, w => WriteElements(w, set, chunk),
            $"deleting {(ranges.Count == 1 ? ranges[0].ToString() : $"{ranges.Count} ranges")} from {target}", subject) { Elements = chunk });
    }

    /// <summary>Removes every element of a set.</summary>
    public void FlushSet(NftSet set, object? subject = null)
    {
        ArgumentNullException.ThrowIfNull(set);
        Queue(NFT_MSG_DELSETELEM, 0, set.Family, w =>
        {
            w.WriteString(NFTA_SET_ELEM_LIST_SET, set.Name);
            w.WriteString(NFTA_SET_ELEM_LIST_TABLE, set.Table);
        }, $"flushing set {set.Family.ToNftName()} {set.Table} {set.Name}", subject);
    }

    /// <summary>Adds a flowtable, or adds the devices listed to an existing one (kernel 5.8 and later).</summary>
    public void AddFlowtable(NftFlowtable flowtable, object? subject = null)
    {
        ArgumentNullException.ThrowIfNull(flowtable);
        Queue(NFT_MSG_NEWFLOWTABLE, NLM_F_CREATE, flowtable.Family, w => flowtable.Encode(w),
            $"adding flowtable {flowtable.Family.ToNftName()} {flowtable.Table} {flowtable.Name}", subject);
    }

    public void DeleteFlowtable(NftFlowtable flowtable, object? subject = null)
    {
        ArgumentNullException.ThrowIfNull(flowtable);
        Queue(NFT_MSG_DELFLOWTABLE, 0, flowtable.Family, w =>
        {
            w.WriteString(NFTA_FLOWTABLE_TABLE, flowtable.Table);
            NameOrHandle(w, NFTA_FLOWTABLE_NAME, flowtable.Name, NFTA_FLOWTABLE_HANDLE, flowtable.Handle);
        }, $"deleting flowtable {flowtable.Family.ToNftName()} {flowtable.Table} {flowtable.Name}", subject);
    }

    /// <summary>
    /// Removes devices from a flowtable that stays, with the rules that use it (kernel 5.8 and later); adding
    /// devices is <see cref="AddFlowtable"/> with just the new ones.
    /// </summary>
    public void DeleteFlowtableDevices(NftFlowtable flowtable, IReadOnlyCollection<string> devices, object? subject = null)
    {
        ArgumentNullException.ThrowIfNull(flowtable);
        ArgumentNullException.ThrowIfNull(devices);
        NftFlowtable hook = flowtable with { Devices = devices.ToArray() };
        Queue(NFT_MSG_DELFLOWTABLE, 0, flowtable.Family, w => hook.EncodeDeviceRemoval(w),
            $"deleting devices {string.Join(", ", devices)} from flowtable {flowtable.Family.ToNftName()} {flowtable.Table} {flowtable.Name}", subject);
    }

    /// <summary>Appends a rule to its chain. A lookup of a set added earlier in this transaction is bound by its id.</summary>
    public void AddRule(NftRule rule, object? subject = null)
    {
        ArgumentNullException.ThrowIfNull(rule);
        NftRule bound = BindNewSets(rule);
        var chainKey = (rule.Family, rule.Table, rule.Chain);
        int ordinal = _rulesPerChain.GetValueOrDefault(chainKey) + 1;
        _rulesPerChain[chainKey] = ordinal;
        _entries.Add(new Entry(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, rule.Family, bound.Encode,
            $"adding rule {ordinal} to chain {rule.Family.ToNftName()} {rule.Table} {rule.Chain}", subject));
    }

    /// <summary>
    /// Inserts a rule right before the rule with handle <paramref name="beforeHandle"/> (nft's <c>insert rule …
    /// position N</c>): how a rule goes back to its place among rules that stay.
    /// </summary>
    public void InsertRule(NftRule rule, ulong beforeHandle, object? subject = null)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (beforeHandle == 0)
        {
            throw new ArgumentException("a rule is inserted before the handle of a rule in the kernel, not handle 0", nameof(beforeHandle));
        }

        NftRule bound = BindNewSets(rule);
        _entries.Add(new Entry(NFT_MSG_NEWRULE, NLM_F_CREATE, rule.Family, w => bound.Encode(w, beforeHandle),
            $"inserting a rule before handle {beforeHandle} in chain {rule.Family.ToNftName()} {rule.Table} {rule.Chain}", subject));
    }

    /// <summary>
    /// Replaces the rule with <paramref name="rule"/>'s handle by <paramref name="rule"/> (nft's <c>replace rule …
    /// handle N</c>): the kernel keeps the handle and the rule's place in its chain.
    /// </summary>
    public void ReplaceRule(NftRule rule, object? subject = null)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (rule.Handle == 0)
        {
            throw new ArgumentException($"rule in chain {rule.Family.ToNftName()} {rule.Table} {rule.Chain} has no handle: only rules read from the kernel can be replaced", nameof(rule));
        }

        NftRule bound = BindNewSets(rule);
        _entries.Add(new Entry(NFT_MSG_NEWRULE, NLM_F_REPLACE, rule.Family, bound.Encode,
            $"replacing rule handle {rule.Handle} in chain {rule.Family.ToNftName()} {rule.Table} {rule.Chain}", subject));
    }

    /// <summary>Deletes a rule by its handle.</summary>
    public void DeleteRule(NftRule rule, object? subject = null)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (rule.Handle == 0)
        {
            throw new ArgumentException($"rule in chain {rule.Family.ToNftName()} {rule.Table} {rule.Chain} has no handle: only rules read from the kernel can be deleted", nameof(rule));
        }

        Queue(NFT_MSG_DELRULE, 0, rule.Family, w =>
        {
            w.WriteString(NFTA_RULE_TABLE, rule.Table);
            w.WriteString(NFTA_RULE_CHAIN, rule.Chain);
            w.WriteU64Be(NFTA_RULE_HANDLE, rule.Handle);
        }, $"deleting rule handle {rule.Handle} from chain {rule.Family.ToNftName()} {rule.Table} {rule.Chain}", subject);
    }

    /// <summary>
    /// Lays the batch out: BATCH_BEGIN (with the generation it was planned against, when given), the messages, and
    /// BATCH_END. Only the last message asks for an ACK: errors come back without asking, and an ACK per message
    /// would flood the socket on large batches.
    /// </summary>
    internal (uint First, uint Last) Encode(NetlinkWriter writer, Func<uint> nextSequence, uint? generation, bool ackEach = false)
    {
        uint begin = nextSequence();
        int start = writer.BeginMessage(NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, begin);
        writer.WriteNfGenMsg(0, NFNL_SUBSYS_NFTABLES);
        if (generation is uint genId)
        {
            writer.WriteU32Be(NFNL_BATCH_GENID, genId);
        }

        writer.EndMessage(start);
        for (int i = 0; i < _entries.Count; i++)
        {
            Entry entry = _entries[i];
            ushort flags = (ushort)(NLM_F_REQUEST | entry.Flags | (ackEach || i == _entries.Count - 1 ? NLM_F_ACK : 0));
            start = writer.BeginMessage(MessageType(entry.Message), flags, nextSequence());
            entry.Start = start;
            writer.WriteNfGenMsg((byte)entry.Family);
            entry.Encode(writer);
            writer.EndMessage(start);
        }

        uint last = nextSequence();
        start = writer.BeginMessage(NFNL_MSG_BATCH_END, NLM_F_REQUEST, last);
        writer.WriteNfGenMsg(0, NFNL_SUBSYS_NFTABLES);
        writer.EndMessage(start);
        return (begin, last);
    }

    /// <summary>
    /// An object read from the kernel is deleted by its handle, so that a same-named object created since by someone
    /// else is not the one removed; an object built by hand is deleted by name.
    /// </summary>
    private static void NameOrHandle(NetlinkWriter writer, ushort nameAttribute, string name, ushort handleAttribute, ulong handle)
    {
        if (handle != 0)
        {
            writer.WriteU64Be(handleAttribute, handle);
        }
        else
        {
            writer.WriteString(nameAttribute, name);
        }
    }

    private void Queue(ushort message, ushort flags, NftFamily family, Action<NetlinkWriter> encode, string description, object? subject) =>
        _entries.Add(new Entry(message, flags, family, encode, description, subject));

    private void QueueElements(ushort message, ushort flags, NftSet set, IEnumerable<IpPrefix> prefixes, string verb, object? subject, IReadOnlyList<object?>? subjects)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(prefixes);
        List<IpPrefix> list = prefixes.ToList();
        if (subjects is not null && subjects.Count != list.Count)
        {
            throw new ArgumentException($"{subjects.Count} subjects for {list.Count} prefixes", nameof(subjects));
        }

        foreach (IpPrefix prefix in list)
        {
            if (prefix.IsIPv6 != set.HoldsIPv6 || prefix.AddressBytes != set.KeyLength)
            {
                throw new ArgumentException($"{prefix} is an {(prefix.IsIPv6 ? "IPv6" : "IPv4")} prefix; set {set.Family.ToNftName()} {set.Table} {set.Name} holds {(set.HoldsIPv6 ? "IPv6" : "IPv4")} addresses", nameof(prefixes));
            }

            if (!set.IsInterval && prefix.Length != prefix.AddressBits)
            {
                throw new ArgumentException($"{prefix} is a range; set {set.Family.ToNftName()} {set.Table} {set.Name} has no 'flags interval' and holds single addresses", nameof(prefixes));
            }
        }

        // nft closes the gap below the first interval of a set it knows to be empty; so does this, for a set added
        // empty in this transaction. Elsewhere neither writes it, and the kernel does not need it.
        bool intoEmptySet = message == NFT_MSG_NEWSETELEM && _newSetsStillEmpty.Remove((set.Family, set.Table, set.Name));
        List<SetElement> elements = set.IsInterval
            ? IntervalCodec.Encode(list, leadingMarker: intoEmptySet)
            : list.Select(p => new SetElement(p.Value, false)).ToList();
        int[] owners = Owners(list, elements, set.IsInterval);
        int perElement = 4 + 4 + 4 + set.KeyLength + 8 + 12;
        int perMessage = Math.Max(1, MaxElementBytesPerMessage / perElement);
        string target = $"set {set.Family.ToNftName()} {set.Table} {set.Name}";
        string what = list.Count == 1 ? list[0].ToString() : $"{list.Count} prefixes";
        for (int offset = 0; offset < elements.Count; offset += perMessage)
        {
            int count = Math.Min(perMessage, elements.Count - offset);
            var chunk = new ElementChunk(elements.GetRange(offset, count), owners[offset..(offset + count)], subjects);
            _entries.Add(new Entry(message, flags, set.Family, w => WriteElements(w, set, chunk),
                $"{verb} {what} {(verb == "adding" ? "to" : "from")} {target}", subject) { Elements = chunk });
        }
    }

    /// <summary>For each element, the index of the prefix it encodes: its start, or (flagged) the address after its end.</summary>
    private static int[] Owners(List<IpPrefix> prefixes, List<SetElement> elements, bool interval)
    {
        var starts = new Dictionary<UInt128, int>(prefixes.Count);
        var ends = new Dictionary<UInt128, int>(prefixes.Count);
        for (int i = 0; i < prefixes.Count; i++)
        {
            starts.TryAdd(prefixes[i].Value, i);
            if (interval && prefixes[i].EndExclusive is UInt128 end)
            {
                ends.TryAdd(end, i);
            }
        }

        var owners = new int[elements.Count];
        for (int i = 0; i < elements.Count; i++)
        {
            SetElement e = elements[i];
            owners[i] = (e.IsIntervalEnd ? ends : starts).TryGetValue(e.Key, out int owner) ? owner : -1;
        }

        return owners;
    }

    private void WriteElementListHeader(NetlinkWriter writer, NftSet set)
    {
        writer.WriteString(NFTA_SET_ELEM_LIST_TABLE, set.Table);
        writer.WriteString(NFTA_SET_ELEM_LIST_SET, set.Name);
        if (_newSets.TryGetValue((set.Family, set.Table, set.Name), out uint id))
        {
            writer.WriteU32Be(NFTA_SET_ELEM_LIST_SET_ID, id);
        }
    }

    /// <summary>
    /// nft numbers the list entries of an element list (1, 2, 3 … rather than NFTA_LIST_ELEM each time; the kernel
    /// ignores the type) and marks an interval that runs to the end of the address space in the element's userdata.
    /// Both are copied so that the bytes equal nft's.
    /// </summary>
    private void WriteElements(NetlinkWriter writer, NftSet set, ElementChunk chunk)
    {
        List<SetElement> elements = chunk.Elements;
        WriteElementListHeader(writer, set);
        Span<byte> key = stackalloc byte[16];
        Span<byte> openInterval = stackalloc byte[6];
        UserData.PutU32(openInterval, NFTNL_UDATA_SET_ELEM_FLAGS, NFTNL_SET_ELEM_F_INTERVAL_OPEN);
        using (writer.Nested(NFTA_SET_ELEM_LIST_ELEMENTS))
        {
            ushort index = 0;
            foreach (SetElement element in elements)
            {
                chunk.Starts[index] = writer.Length;
                using (writer.Nested(++index))
                {
                    if (element.IsIntervalEnd)
                    {
                        writer.WriteU32Be(NFTA_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
                    }

                    IpPrefix.WriteBytes(element.Key, set.HoldsIPv6, key);
                    using (writer.Nested(NFTA_SET_ELEM_KEY))
                    {
                        writer.WriteBytes(NFTA_DATA_VALUE, key[..set.KeyLength]);
                    }

                    if (element.IsOpenInterval)
                    {
                        writer.WriteBytes(NFTA_SET_ELEM_USERDATA, openInterval);
                    }
                }
            }
        }
    }

    private NftRule BindNewSets(NftRule rule)
    {
        bool changed = false;
        var expressions = new List<Expressions.Expression>(rule.Expressions.Count);
        foreach (Expressions.Expression expression in rule.Expressions)
        {
            if (expression is Expressions.LookupExpression { SetId: null } lookup
                && _newSets.TryGetValue((rule.Family, rule.Table, lookup.Set), out uint id))
            {
                expressions.Add(lookup with { SetId = id });
                changed = true;
            }
            else
            {
                expressions.Add(expression);
            }
        }

        return changed ? rule with { Expressions = expressions.ToArray() } : rule;
    }
}
