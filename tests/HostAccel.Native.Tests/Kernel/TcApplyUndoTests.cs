using System.Buffers.Binary;
using System.Reflection;
using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.Native.TrafficControl;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>
/// <see cref="TcConnection.Apply"/> on the real kernel of a throwaway namespace, with tc as the oracle: a list the
/// kernel accepts is applied whole; when it refuses a change, the changes before it are undone last first, and those
/// that cannot be are named in the order they were applied. This host has no cls_flower: where a flower filter must
/// have been accepted, the kernel's refusal of it is turned into an acknowledgement in its reply stream, and the test
/// reads which requests the undo then sent from the kernel's answers to them.
/// </summary>
public sealed class TcApplyUndoTests : TcNamespaceTest
{
    private const ushort RTM_NEWQDISC = 36, RTM_DELQDISC = 37, RTM_NEWTFILTER = 44, RTM_DELTFILTER = 45;


    private string Tc(params string[] arguments) => Ns.Exec(["tc", .. arguments]);

    private bool TcSeesClsact(string device) => Tc("qdisc", "show", "dev", device).Contains("qdisc clsact", StringComparison.Ordinal);

    [Fact]
    public void AListTheKernelAcceptsIsAppliedWhole()
    {
        Connection.Apply([TcChange.AddQdisc(TcQdisc.Clsact(A)), TcChange.AddQdisc(TcQdisc.Clsact(B))]);
        Assert.True(TcSeesClsact("veth-a"));
        Assert.True(TcSeesClsact("veth-b"));
    }

    [Fact]
    public void ChangesWithoutAnInverseAreNamedAsNotUndoneInTheOrderTheyWereApplied()
    {
        TcChange add = TcChange.AddQdisc(TcQdisc.Clsact(A)), replace = TcChange.ReplaceQdisc(TcQdisc.Clsact(B)), delete = TcChange.DeleteQdisc(TcQdisc.Clsact(B));
        TcApplyException error = Assert.Throws<TcApplyException>(() => Connection.Apply([add, replace, delete, TcChange.AddQdisc(TcQdisc.Clsact(A))]));

        Assert.Equal(3, error.Index);
        Assert.Equal(Errno.EEXIST, error.KernelError.Errno);
        // The clsact this list added (and left empty) is deleted; a replace and a delete have no inverse.
        Assert.Equal([replace, delete], error.NotUndone);
        Assert.False(TcSeesClsact("veth-a"));
        Assert.False(TcSeesClsact("veth-b"));
        Assert.EndsWith(
            $"(2 of the 3 change(s) before it could not be undone: tc qdisc replace dev #{B} clsact; tc qdisc del dev #{B} clsact)",
            error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnInverseTheKernelRefusesLeavesItsChangeNotUndone()
    {
        TcChange add = TcChange.AddQdisc(TcQdisc.Clsact(A)), delete = TcChange.DeleteQdisc(TcQdisc.Clsact(A));
        TcApplyException error = Assert.Throws<TcApplyException>(() => Connection.Apply([add, delete, TcChange.AddQdisc(TcQdisc.Clsact(9999))]));

        Assert.Equal(2, error.Index);
        // Undoing the add deletes a clsact that the delete already removed: the kernel refuses, and both stay listed.
        Assert.Equal([add, delete], error.NotUndone);
        Assert.False(TcSeesClsact("veth-a"));
    }

    /// <summary>
    /// A clsact the list added is deleted by the undo only while it holds no filter: here another program put a
    /// filter on one of its hooks between the add and the refusal, and the clsact stays with it.
    /// </summary>
    [Theory]
    [InlineData("ingress")]
    [InlineData("egress")]
    public void AClsactAddedByTheListIsKeptWhenAFilterWasPutOnEitherHookMeanwhile(string hook)
    {
        bool filtered = false;
        SocketOf(Connection).OnReceive = datagram =>
        {
            if (!filtered)
            {
                filtered = true;
                Tc("filter", "add", "dev", "veth-a", hook, "protocol", "ip", "prio", "5", "u32", "match", "u32", "0", "0", "action", "mirred", "egress", "redirect", "dev", "veth-b");
            }

            return datagram.Length;
        };

        TcChange add = TcChange.AddQdisc(TcQdisc.Clsact(A));
        TcApplyException error = Assert.Throws<TcApplyException>(() => Connection.Apply([add, TcChange.AddQdisc(TcQdisc.Clsact(A))]));
        SocketOf(Connection).OnReceive = null;

        Assert.True(filtered);
        Assert.Equal([add], error.NotUndone);
        Assert.True(TcSeesClsact("veth-a"));
        Assert.Contains("u32", Tc("filter", "show", "dev", "veth-a", hook), StringComparison.Ordinal);
        Assert.Contains(Connection.ListFilters(A, hook == "ingress" ? ClsactHook.Ingress : ClsactHook.Egress), f => f.Kind == "u32" && f.Priority == 5);
    }

    public static TheoryData<string> FilterChanges => new(FilterCases.Keys);

    private static FlowerFilter Filter(int device, int target, uint handle) =>
        FlowerFilter.Redirect(device, 40010, handle, TcFixtures.LocalPodCidr(false), TcFixtures.PeerPodCidr(false), TcFixtures.Eth0Mac, TcFixtures.PeerMac, target);

    /// <summary>Each filter change, and the request its undo sends (null: none, it cannot be undone).</summary>
    private static readonly Dictionary<string, (Func<int, int, TcChange> Change, ushort? Undo)> FilterCases = new()
    {
        ["an added filter is deleted"] = ((a, b) => TcChange.AddFilter(Filter(a, b, 1)), RTM_DELTFILTER),
        ["a filter added without a handle cannot be found to be deleted"] = ((a, b) => TcChange.AddFilter(Filter(a, b, 0)), null),
        ["a replaced filter is put back"] = ((a, b) => TcChange.ReplaceFilter(Filter(a, b, 1), Filter(a, a, 1)), RTM_NEWTFILTER),
        ["a filter replaced with none before is deleted"] = ((a, b) => TcChange.ReplaceFilter(Filter(a, b, 1)), RTM_DELTFILTER),
        ["a deleted flower filter is added again"] = ((a, b) => TcChange.DeleteFilter(Filter(a, b, 1)), RTM_NEWTFILTER),
    };

    [Theory]
    [MemberData(nameof(FilterChanges))]
    public void AFilterChangeIsUndoneByItsInverse(string name)
    {
        (Func<int, int, TcChange> make, ushort? undo) = FilterCases[name];
        TcChange change = make(A, B);
        var answered = new List<(ushort Request, Errno Errno)>();
        bool pretended = false;
        SocketOf(Connection).OnReceive = datagram =>
        {
            foreach (ReplyStream.Header h in ReplyStream.Headers(datagram))
            {
                if (h.Type != ReplyStream.NLMSG_ERROR)
                {
                    continue;
                }

                Span<byte> message = datagram[h.Offset..];
                int error = BinaryPrimitives.ReadInt32LittleEndian(message[16..]);
                ushort request = BinaryPrimitives.ReadUInt16LittleEndian(message[24..]);
                if (!pretended && request is RTM_NEWTFILTER or RTM_DELTFILTER)
                {
                    // The kernel with cls_flower would have accepted the filter change: an ACK in place of its refusal.
                    pretended = true;
                    error = 0;
                    BinaryPrimitives.WriteInt32LittleEndian(message[16..], 0);
                    BinaryPrimitives.WriteUInt16LittleEndian(message[6..], (ushort)(h.Flags & ~0x200));
                }

                answered.Add((request, (Errno)(-error)));
            }

            return datagram.Length;
        };

        TcChange clsact = TcChange.AddQdisc(TcQdisc.Clsact(A));
        TcApplyException refused = Assert.Throws<TcApplyException>(() => Connection.Apply([clsact, change, TcChange.AddQdisc(TcQdisc.Clsact(A))]));
        SocketOf(Connection).OnReceive = null;

        Assert.True(pretended);
        Assert.Equal(2, refused.Index);
        Assert.Equal(
            [(RTM_NEWQDISC, Errno.None), (change.Kind == TcChangeKind.DeleteFilter ? RTM_DELTFILTER : RTM_NEWTFILTER, Errno.None), (RTM_NEWQDISC, Errno.EEXIST)],
            answered.Take(3));

        // Undone last first: the filter change by its inverse (which this kernel refuses: it never had the filter,
        // or has no flower to add one), then the clsact, empty, deleted.
        ushort[] expected = undo is ushort u ? [u, RTM_DELQDISC] : [RTM_DELQDISC];
        Assert.Equal(expected, answered.Skip(3).Select(x => x.Request));
        Assert.All(answered.Skip(3).SkipLast(1), x => Assert.NotEqual(Errno.None, x.Errno));
        Assert.Equal(Errno.None, answered[^1].Errno);
        Assert.Equal([change], refused.NotUndone);
        Assert.False(TcSeesClsact("veth-a"));
    }

    /// <summary>
    /// A qdisc change refused with ENOENT may be a missing module: the connection asks the kernel's module probe
    /// which of the change's kinds it lacks. Here the parent qdisc is what is missing, and the probe finds clsact.
    /// </summary>
    [Theory]
    [InlineData(TcChangeKind.AddQdisc)]
    [InlineData(TcChangeKind.ReplaceQdisc)]
    public void AQdiscRefusedWithEnoentIsAMissingModuleOnlyWhereTheProbeSaysSo(TcChangeKind kind)
    {
        var orphan = new TcQdisc(A, TcQdisc.ClsactKind) { Handle = TcQdisc.ClsactHandle, Parent = 0x00050000 };
        TcChange change = kind == TcChangeKind.AddQdisc ? TcChange.AddQdisc(orphan) : TcChange.ReplaceQdisc(orphan);

        // The probe the connection asks (KernelSupport's), answering for the kinds it was given.
        var asked = new List<IReadOnlyCollection<string>>();
        using (TcConnection probed = Open(kinds =>
        {
            asked.Add(kinds);
            return ["sch_ingress"];
        }))
        {
            NetlinkException missing = Assert.Throws<NetlinkException>(() => probed.Execute(change));
            Assert.Equal(Errno.ENOENT, missing.Errno);
            Assert.Equal([TcQdisc.ClsactKind], Assert.Single(asked));
            Assert.Equal(KernelReason.TrafficControlModuleMissing, missing.Reason);
            Assert.Equal(["sch_ingress"], missing.MissingModules);
        }

        // A probe that cannot run (null) leaves the refusal reported as a possibly missing module, naming none.
        using (TcConnection unprobed = Open(_ => null))
        {
            NetlinkException unknown = Assert.Throws<NetlinkException>(() => unprobed.Execute(change));
            Assert.Equal(Errno.ENOENT, unknown.Errno);
            Assert.Equal(KernelReason.TrafficControlModuleMissing, unknown.Reason);
            Assert.Empty(unknown.MissingModules);
        }

        // The real probe: this kernel has sch_ingress, so the refusal is no missing module.
        NetlinkException real = Assert.Throws<NetlinkException>(() => Connection.Execute(change));
        Assert.Equal(Errno.ENOENT, real.Errno);
        Assert.Equal(KernelSupport.ProbeTrafficControl().Clsact ? KernelReason.None : KernelReason.TrafficControlModuleMissing, real.Reason);
        Assert.Empty(real.MissingModules);
    }

    /// <summary>The probe's own connection (<see cref="TcConnection.OpenThrowaway"/>) asks no probe: it is the probe.</summary>
    [Fact]
    public void TheProbesOwnConnectionReportsAnEnoentRefusalWithoutProbingAgain()
    {
        using TcConnection throwaway = TcConnection.OpenThrowaway();
        NetlinkException error = Assert.Throws<NetlinkException>(() =>
            throwaway.Execute(TcChange.AddQdisc(new TcQdisc(1, TcQdisc.ClsactKind) { Handle = TcQdisc.ClsactHandle, Parent = 0x00050000 })));
        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.Equal(KernelReason.TrafficControlModuleMissing, error.Reason);
        Assert.Empty(error.MissingModules);
    }

    /// <summary>A connection in the test's namespace whose module probe is <paramref name="probe"/> (the constructor's seam).</summary>
    private TcConnection Open(Func<IReadOnlyCollection<string>, IReadOnlyList<string>?> probe) =>
        (TcConnection)typeof(TcConnection).GetConstructors(BindingFlags.NonPublic | BindingFlags.Instance).Single()
            .Invoke([NetlinkSocket.Open(NetlinkConstants.NETLINK_ROUTE, Ns.Name), probe]);
}
