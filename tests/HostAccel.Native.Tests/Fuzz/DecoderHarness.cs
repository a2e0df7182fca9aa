using System.Diagnostics;
using System.Reflection;
using HostAccel.Native.Conntrack;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.TrafficControl;
using HostAccel.Native.TrafficControl.Routing;
using static HostAccel.Native.Netlink.NetlinkConstants;

namespace HostAccel.Native.Tests.Fuzz;

/// <summary>An exception other than <see cref="NetlinkDecodeException"/> out of one stage, and where it was thrown.</summary>
internal sealed record FuzzFinding(string Stage, string ExceptionType, string Method, string Location, string Message)
{
    /// <summary>What makes two findings the same bug: stage, exception and throwing method (not the line, which moves).</summary>
    public string Signature => $"{Stage} | {ExceptionType} at {Method}";

    public override string ToString() => $"{Signature}{Location}: {Message}";
}

/// <summary>
/// Runs every reply decoder on one datagram, the way the library meets it: split into messages, then each message
/// through every decoder whatever its type (a fuzzed type must not choose the decoder), set elements gathered over
/// the datagram as a dump gathers them. Then what the library does with decoded objects: their nft text, interval
/// elements merged back into prefixes (NftConnection.ListPrefixes), kernel answers turned into a transaction's
/// outcome (NetlinkSocket.SendBatch's filter, then TransactionOutcome).
/// </summary>
internal static class DecoderHarness
{
    public const uint BatchFirst = 1000;

    /// <summary>Stages, in the order <see cref="Run"/> counts them.</summary>
    public static readonly string[] Stages =
    [
        "NetlinkMessage.Parse", "NetlinkError.Decode", "NftTable.Decode", "NftChain.Decode", "NftSet.Decode",
        "NftFlowtable.Decode", "NftRule.Decode", "SetElementDecoder.Decode", "ConntrackConnection.Decode",
        "object text (ToString, RuleText)", "NetlinkException from NetlinkError", "ListPrefixes (IntervalCodec.Decode, IpPrefix.Create)",
        "TransactionOutcome.ThrowIfFailed", "TcFilter.Decode", "TcQdisc.Decode", "Link.Decode", "Neighbour.Decode",
        "Route.Decode", "tc object text (Render, AsWritten)",
    ];

    /// <summary>The stages of the rtnetlink decoders, which <see cref="Run"/> counts after the nf_tables ones.</summary>
    public static readonly int[] TrafficControlStages = [13, 14, 15, 16, 17];

    private static readonly NftTransaction Batch = BuildBatch();

    public static uint BatchLast => BatchFirst + (uint)Batch.Count + 1;

    private static readonly Func<uint, string?> InterfaceNames = index => index == 4 ? "antrea-gw0" : null;

    /// <summary>
    /// Per-stage tallies: [stage, 0] decoded, [stage, 1] refused with NetlinkDecodeException (or, for the outcome,
    /// with the NetlinkException that reports a kernel error). They show how deep the mutated inputs reach.
    /// </summary>
    public sealed class Tally
    {
        public long[,] Counts { get; } = new long[Stages.Length, 2];

        public void Add(Tally other)
        {
            for (int i = 0; i < Stages.Length; i++)
            {
                Counts[i, 0] += other.Counts[i, 0];
                Counts[i, 1] += other.Counts[i, 1];
            }
        }
    }

    /// <summary>The first finding in <paramref name="datagram"/>, or null when every stage kept to its contract.</summary>
    public static FuzzFinding? Run(byte[] datagram, Tally? tally = null)
    {
        tally ??= new Tally();
        var messages = new List<(ushort Type, ushort Flags, uint Sequence, uint PortId, byte[] Payload)>();
        FuzzFinding? finding = Stage(tally, 0, () =>
        {
            foreach (NetlinkMessage m in NetlinkMessage.Parse(datagram))
            {
                messages.Add((m.Type, m.Flags, m.Sequence, m.PortId, m.Payload.ToArray()));
            }
        });
        if (finding is not null)
        {
            return finding;
        }

        var elements = new List<SetElement>();
        var errors = new List<NetlinkError>();
        var objects = new List<object>();
        foreach ((ushort type, ushort flags, uint sequence, uint portId, byte[] payload) in messages)
        {
            NetlinkMessage Message() => new(type, flags, sequence, portId, payload);
            finding = Stage(tally, 1, () =>
                {
                    NetlinkError error = NetlinkError.Decode(Message());
                    if (type == NLMSG_ERROR && sequence >= BatchFirst && sequence <= BatchLast)
                    {
                        errors.Add(error);
                    }

                    objects.Add(error);
                })
                ?? Stage(tally, 2, () => objects.Add(NftTable.Decode(Message())))
                ?? Stage(tally, 3, () => objects.Add(NftChain.Decode(Message())))
                ?? Stage(tally, 4, () => objects.Add(NftSet.Decode(Message())))
                ?? Stage(tally, 5, () => objects.Add(NftFlowtable.Decode(Message())))
                ?? Stage(tally, 6, () => objects.Add(NftRule.Decode(Message())))
                ?? Stage(tally, 7, () => SetElementDecoder.Decode(Message(), elements))
                ?? Stage(tally, 8, () => objects.Add(ConntrackConnection.Decode(Message())))
                ?? Stage(tally, 13, () =>
                {
                    if (TcFilter.Decode(Message()) is TcFilter filter)
                    {
                        objects.Add(filter);
                    }
                })
                ?? Stage(tally, 14, () => objects.Add(TcQdisc.Decode(Message())))
                ?? Stage(tally, 15, () => objects.Add(Link.Decode(Message())))
                ?? Stage(tally, 16, () => objects.Add(Neighbour.Decode(Message())))
                ?? Stage(tally, 17, () => objects.Add(Route.Decode(Message())));
            if (finding is not null)
            {
                return finding;
            }
        }

        foreach (object decoded in objects)
        {
            finding = decoded switch
            {
                NftRule rule => Stage(tally, 9, () => _ = rule.ToString() + RuleText.Render(rule, InterfaceNames) + rule.Counter),
                TcFilter filter => Stage(tally, 18, () => _ = filter.Render(i => i == 4 ? "antrea-gw0" : null) + filter.AsWritten() +
                    (filter is FlowerFilter f ? f.Statistics?.ToString() + string.Concat(f.Actions.Select(a => a.AsWritten().ToString())) : "")),
                NetlinkError error => Stage(tally, 10, () => _ = new NetlinkException(error.Errno, "fuzzing", error.ExtAckMessage, error.Offset, error.OriginalSequence).Message),
                _ => Stage(tally, 9, () => _ = decoded.ToString()),
            };
            if (finding is not null)
            {
                return finding;
            }
        }

        if (elements.Count > 0)
        {
            // ListPrefixes reads the set (and so its key type) apart from its elements: an IPv4 reading is tried
            // only when every key fits IPv4, as the kernel's key length guarantees for an ipv4_addr set.
            bool[] readings = elements.All(e => e.Key <= uint.MaxValue) ? [false, true] : [true];
            finding = Stage(tally, 11, () =>
            {
                foreach (bool v6 in readings)
                {
                    // ListPrefixes: intervals merged back, or one prefix per address.
                    _ = IntervalCodec.Decode(elements, v6);
                    _ = elements.Select(e => IpPrefix.Create(v6, e.Key, v6 ? 128 : 32)).Order().ToList();
                }
            });
            if (finding is not null)
            {
                return finding;
            }
        }

        return errors.Count == 0 ? null : Stage(tally, 12, () =>
        {
            try
            {
                TransactionOutcome.ThrowIfFailed(Batch, errors, BatchFirst, BatchLast, 7);
            }
            catch (NetlinkException ex)
            {
                // The kernel's error for the message it names: the contract of a failed commit.
                throw new NetlinkDecodeException(ex.Message);
            }
        });
    }

    private static FuzzFinding? Stage(Tally tally, int stage, Action action)
    {
        try
        {
            action();
            tally.Counts[stage, 0]++;
            return null;
        }
        catch (NetlinkDecodeException)
        {
            tally.Counts[stage, 1]++;
            return null;
        }
        catch (Exception ex)
        {
            (string method, string location) = Site(ex);
            return new FuzzFinding(Stages[stage], ex.GetType().Name, method, location, ex.Message);
        }
    }

    /// <summary>The innermost frame in the library, with its file and line when symbols are there.</summary>
    private static (string Method, string Location) Site(Exception ex)
    {
        Assembly library = typeof(NetlinkMessage).Assembly;
        StackFrame[] frames = new StackTrace(ex, fNeedFileInfo: true).GetFrames();
        StackFrame? frame = frames.FirstOrDefault(f => f.GetMethod()?.DeclaringType?.Assembly == library) ?? frames.FirstOrDefault();
        if (frame?.GetMethod() is not MethodBase method)
        {
            return ("?", "");
        }

        string location = frame.GetFileName() is string file ? $" ({Path.GetFileName(file)}:{frame.GetFileLineNumber()})" : "";
        return ($"{method.DeclaringType?.Name}.{method.Name}", location);
    }

    private static NftTransaction BuildBatch()
    {
        var transaction = new NftTransaction();
        transaction.AddTable(new NftTable(NftFamily.Ip, "antrea"));
        transaction.AddChain(new NftChain(NftFamily.Ip, "antrea", "forward"));
        transaction.AddFlowtable(new NftFlowtable(NftFamily.Ip, "antrea", "fastpath") { Devices = new[] { "eth0" } });
        return transaction;
    }
}
