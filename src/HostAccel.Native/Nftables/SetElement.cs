namespace HostAccel.Native.Nftables;

/// <summary>
/// One element as the kernel stores it: a key and its flags. In an interval set a range is two of these, its
/// first address and, flagged <see cref="IsIntervalEnd"/>, the first address after it. An interval that runs to
/// the end of the address space has no end element; nft marks its start <see cref="IsOpenInterval"/>.
/// </summary>
public readonly record struct SetElement(UInt128 Key, bool IsIntervalEnd, bool IsOpenInterval = false);

/// <summary>
/// One range of addresses an interval set holds, first and last included — what nft writes for
/// <c>10.20.0.3-10.20.0.9</c>. HostAccel writes prefixes, each its own range; a range written by someone else may
/// cover several prefixes (<see cref="Prefixes"/>).
/// </summary>
public readonly record struct AddressRange(bool IsIPv6, UInt128 First, UInt128 Last)
{
    /// <summary>The fewest prefixes that cover the range exactly, in order: one when the range is a prefix.</summary>
    public List<IpPrefix> Prefixes()
    {
        var prefixes = new List<IpPrefix>(1);
        IntervalCodec.AddRange(prefixes, IsIPv6, First, Last);
        return prefixes;
    }

    public bool Contains(IpPrefix prefix) => prefix.IsIPv6 == IsIPv6 && prefix.Value >= First && prefix.Last <= Last;

    /// <summary>In nft's syntax: the prefix when the range is one, else first-last.</summary>
    public override string ToString()
    {
        List<IpPrefix> prefixes = Prefixes();
        if (prefixes.Count == 1)
        {
            return prefixes[0].ToString();
        }

        int bits = IsIPv6 ? 128 : 32;
        return $"{IpPrefix.Create(IsIPv6, First, bits).Address}-{IpPrefix.Create(IsIPv6, Last, bits).Address}";
    }
}

/// <summary>
/// Converts prefixes to the kernel's interval elements and back (what nft does in its segtree code). Each prefix
/// stays its own interval, so it can later be deleted on its own: adjacent prefixes are not fused when written,
/// and reading back yields them as they were added.
/// </summary>
public static class IntervalCodec
{
    /// <summary>
    /// The elements for <paramref name="prefixes"/>, in address order: a start and an end element each, except that
    /// a prefix reaching the last address of the space has no end element (its end would not fit in the key). With
    /// <paramref name="leadingMarker"/>, as nft does when it adds intervals, an end element at address zero closes
    /// the gap below the first interval.
    /// </summary>
    public static List<SetElement> Encode(IEnumerable<IpPrefix> prefixes, bool leadingMarker = false)
    {
        ArgumentNullException.ThrowIfNull(prefixes);
        IpPrefix[] sorted = prefixes.Order().ToArray();
        var elements = new List<SetElement>(sorted.Length * 2 + 1);
        if (leadingMarker && sorted.Length > 0 && sorted[0].Value != 0)
        {
            elements.Add(new SetElement(0, IsIntervalEnd: true));
        }

        foreach (IpPrefix prefix in sorted)
        {
            UInt128? end = prefix.EndExclusive;
            elements.Add(new SetElement(prefix.Value, IsIntervalEnd: false, IsOpenInterval: end is null));
            if (end is UInt128 first)
            {
                elements.Add(new SetElement(first, IsIntervalEnd: true));
            }
        }

        return elements;
    }

    /// <summary>
    /// The prefixes an interval set holds, from its elements in any order. A range that is not a single prefix (one
    /// written by someone else) comes back as the fewest prefixes that cover it exactly.
    /// </summary>
    public static List<IpPrefix> Decode(IEnumerable<SetElement> elements, bool isV6)
    {
        List<AddressRange> ranges = Ranges(elements, isV6);
        var prefixes = new List<IpPrefix>(ranges.Count);
        foreach (AddressRange range in ranges)
        {
            AddRange(prefixes, isV6, range.First, range.Last);
        }

        return prefixes;
    }

    /// <summary>The ranges an interval set holds, as the kernel keeps them, in address order.</summary>
    public static List<AddressRange> Ranges(IEnumerable<SetElement> elements, bool isV6)
    {
        ArgumentNullException.ThrowIfNull(elements);
        SetElement[] sorted = elements.ToArray();

        // At equal keys the end of one range sorts before the start of the next.
        Array.Sort(sorted, static (a, b) =>
        {
            int byKey = a.Key.CompareTo(b.Key);
            return byKey != 0 ? byKey : b.IsIntervalEnd.CompareTo(a.IsIntervalEnd);
        });

        UInt128 max = isV6 ? UInt128.MaxValue : uint.MaxValue;
        var ranges = new List<AddressRange>(sorted.Length / 2 + 1);
        for (int i = 0; i < sorted.Length; i++)
        {
            if (sorted[i].IsIntervalEnd)
            {
                // An end with no start: nft's marker for the gap before the first range.
                continue;
            }

            UInt128 start = sorted[i].Key;
            if (start > max || (i + 1 < sorted.Length && sorted[i + 1].Key <= start))
            {
                // The kernel keeps keys unique and within the family; anything else is not a reply it sent.
                throw new Netlink.NetlinkDecodeException($"interval set elements out of order or out of range at key {start:x}");
            }

            if (i + 1 < sorted.Length && sorted[i + 1].IsIntervalEnd)
            {
                ranges.Add(new AddressRange(isV6, start, sorted[i + 1].Key - 1));
                i++;
            }
            else if (i + 1 == sorted.Length)
            {
                ranges.Add(new AddressRange(isV6, start, max));
            }
            else
            {
                // Two starts in a row: the first is a range of its own up to just before the second.
                ranges.Add(new AddressRange(isV6, start, sorted[i + 1].Key - 1));
            }
        }

        return ranges;
    }

    /// <summary>Splits [first, last] into the fewest aligned prefixes.</summary>
    public static void AddRange(List<IpPrefix> prefixes, bool isV6, UInt128 first, UInt128 last)
    {
        int bits = isV6 ? 128 : 32;
        UInt128 current = first;
        while (true)
        {
            // The largest block aligned at current that does not pass last.
            int size = current == 0 ? bits : Math.Min(bits, (int)UInt128.TrailingZeroCount(current));
            while (size > 0 && (size == 128 ? UInt128.MaxValue : (UInt128.One << size) - 1) > last - current)
            {
                size--;
            }

            prefixes.Add(IpPrefix.Create(isV6, current, bits - size));
            UInt128 blockLast = current + (size == 128 ? UInt128.MaxValue : (UInt128.One << size) - 1);
            if (blockLast >= last)
            {
                return;
            }

            current = blockLast + 1;
        }
    }
}
