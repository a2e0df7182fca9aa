using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;

namespace HostAccel.Native.TrafficControl.Actions;

/// <summary>
/// One tc action of a filter. Each kind lives in its own file and encodes and decodes its own TCA_&lt;KIND&gt;_*
/// attributes; <see cref="ActionCodec"/> only dispatches on the kind. What the kernel adds when it reports an action
/// (its index, reference counts, statistics) is in <see cref="State"/>, null for an action not read from the kernel.
/// </summary>
public abstract record TcAction
{
    /// <summary>The kernel's name of the action (TCA_ACT_KIND): "mirred", "pedit", "csum", "gact" …</summary>
    public abstract string Kind { get; }

    /// <summary>The verdict the action returns (tc_gen.action).</summary>
    public TcControl Control { get; init; } = TcControl.Pipe;

    /// <summary>tc_gen.index: the kernel numbers an action written with 0.</summary>
    public uint Index { get; init; }

    /// <summary>
    /// TCA_ACT_COOKIE (Linux 4.11): up to 16 bytes the kernel stores with the action and reports back untouched, tc's
    /// <c>cookie HEX</c>. HostAccel writes its mark here to tell its filters from everyone else's.
    /// </summary>
    public EquatableArray<byte> Cookie { get; init; }

    /// <summary>What the kernel reported with the action; null for an action built here.</summary>
    public TcActionState? State { get; init; }

    /// <summary>The action as HostAccel writes it: without the kernel's index and state, for comparisons.</summary>
    public TcAction AsWritten() => this with { Index = 0, State = null };

    /// <summary>Writes the attributes that go inside TCA_ACT_OPTIONS.</summary>
    internal abstract void EncodeOptions(NetlinkWriter writer);

    /// <summary>The action in tc's syntax, after <c>action</c>, devices shown by index.</summary>
    public sealed override string ToString() => Render(null);

    /// <summary>The action in tc's syntax, naming devices with <paramref name="interfaceNames"/> where it knows them.</summary>
    internal abstract string Render(Func<int, string?>? interfaceNames);

    /// <summary>The action and its cookie, as they follow <c>action</c> on tc's command line.</summary>
    internal string RenderWithCookie(Func<int, string?>? interfaceNames) =>
        Cookie.Count == 0 ? Render(interfaceNames) : $"{Render(interfaceNames)} cookie {Convert.ToHexString(Cookie.AsSpan()).ToLowerInvariant()}";

    private protected static string ControlText(TcControl control) => control switch
    {
        TcControl.Ok => "pass",
        TcControl.Shot => "drop",
        TcControl.Unspecified => "continue",
        _ => control.ToString().ToLowerInvariant(),
    };
}

/// <summary>What the kernel says of an action it holds.</summary>
public sealed record TcActionState(int RefCount, int BindCount)
{
    public TcStatistics? Statistics { get; init; }

    /// <summary>How long ago the action was installed and last used (struct tcf_t, in 1/100 s).</summary>
    public TcActionTimes? Times { get; init; }
}

/// <summary>Ages of an action (struct tcf_t): the kernel reports how long ago, not when.</summary>
public sealed record TcActionTimes(TimeSpan SinceInstalled, TimeSpan SinceLastUsed, TimeSpan? SinceFirstUsed)
{
    /// <summary>struct tcf_t (linux/pkt_cls.h): install, lastuse, expires, firstuse, as clock_t (USER_HZ = 100).</summary>
    internal static TcActionTimes? Decode(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 32)
        {
            return null;
        }

        static TimeSpan Ticks(ReadOnlySpan<byte> b)
        {
            ulong hundredths = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(b);
            return hundredths <= (ulong)(TimeSpan.MaxValue.Ticks / (TimeSpan.TicksPerSecond / 100))
                ? TimeSpan.FromTicks((long)hundredths * (TimeSpan.TicksPerSecond / 100))
                : throw new Netlink.NetlinkDecodeException($"an action age of {hundredths} hundredths of a second");
        }

        ulong firstUse = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(payload[24..]);
        return new TcActionTimes(Ticks(payload), Ticks(payload[8..]), firstUse == 0 ? null : Ticks(payload[24..]));
    }
}
