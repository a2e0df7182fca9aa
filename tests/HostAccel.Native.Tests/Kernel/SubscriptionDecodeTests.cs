using System.Buffers.Binary;
using System.Reflection;
using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>
/// How a subscription decodes what the kernel multicasts, in a throwaway namespace with `nft` and `ip` as the other
/// process: the kernel's real notifications are edited through <see cref="NetlinkSocket.OnReceive"/> of the
/// subscription's sockets (reached by reflection) into the forms it does not send on demand — a message of another
/// subsystem or type, a link message of its ifinfomsg alone, a second attribute of the type that names the object.
/// And opening it where the thread may not join nf_tables' group fails without leaving a socket behind.
/// </summary>
public sealed class SubscriptionDecodeTests : NamespaceTest
{
    private const ushort NFT_NEWTABLE = (10 << 8) | 0; // NFNL_SUBSYS_NFTABLES, NFT_MSG_NEWTABLE
    private const ushort CTNETLINK_NEW = (1 << 8) | 0; // NFNL_SUBSYS_CTNETLINK, IPCTNL_MSG_CT_NEW
    private const ushort RTM_NEWLINK = 16;
    private const ushort RTM_DELLINK = 17;
    private const ushort RTM_NEWADDR = 20;
    private const ushort IFLA_IFNAME = 3;
    private const int NETLINK_NETFILTER = 12;

    [Fact]
    public void ANetfilterMessageOfAnotherSubsystemIsNoNotice()
    {
        using NetlinkSubscription subscription = NetlinkSubscription.Open(Ns.Name);
        Socket(subscription, "_nftables").OnReceive = EachMessage((datagram, offset, type) =>
        {
            if (type == NFT_NEWTABLE)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(datagram[(offset + 4)..], CTNETLINK_NEW);
            }
        });

        Ns.Nft("add", "table", "ip", "watched");
        List<NetlinkNotice> notices = Collect(subscription, n => n.Any(x => x.Kind == NetlinkNoticeKind.Generation));

        Assert.Equal([NetlinkNoticeKind.Generation], notices.Select(n => n.Kind));
    }

    [Fact]
    public void TheTableIsNamedByTheFirstAttributeOfTypeOne()
    {
        using NetlinkSubscription subscription = NetlinkSubscription.Open(Ns.Name);
        Socket(subscription, "_nftables").OnReceive = EachMessage((datagram, offset, type) =>
        {
            if (type == NFT_NEWTABLE)
            {
                // nfgenmsg, then NFTA_TABLE_NAME; the attribute after it is given type 1 as well.
                SetTypeOfAttributeAfter(datagram, offset, offset + 20, 1);
            }
        });

        Ns.Nft("add", "table", "ip", "watched");
        List<NetlinkNotice> notices = Collect(subscription, n => n.Any(x => x.Kind == NetlinkNoticeKind.Generation));

        NetlinkNotice added = Assert.Single(notices, n => n.Kind == NetlinkNoticeKind.Ruleset);
        Assert.Equal(("watched", (ushort)0, false), (added.Table, added.Message, added.Deleted));
    }

    [Fact]
    public void ARouteMessageOfAnotherTypeThanNewOrDelLinkIsNoNotice()
    {
        Ns.AddDevice("watched0", "watched0p");
        using NetlinkSubscription subscription = NetlinkSubscription.Open(Ns.Name);
        Socket(subscription, "_links").OnReceive = EachMessage((datagram, offset, type) =>
        {
            if (type == RTM_NEWLINK)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(datagram[(offset + 4)..], RTM_NEWADDR);
            }
        });

        Ns.Exec("ip", "link", "set", "watched0", "mtu", "1400");
        Ns.Exec("ip", "link", "del", "watched0");
        List<NetlinkNotice> notices = Collect(subscription, n => n.Any(x => x.Deleted && x.Link == "watched0"));

        Assert.Contains(notices, n => n.Kind == NetlinkNoticeKind.Link && n.Message == RTM_DELLINK && n.Link == "watched0");
        Assert.All(notices, n => Assert.Equal((NetlinkNoticeKind.Link, RTM_DELLINK, true), (n.Kind, n.Message, n.Deleted)));
    }

    [Fact]
    public void ALinkMessageOfItsIfInfoMsgAloneIsANoticeWithoutAName()
    {
        Ns.AddDevice("watched0", "watched0p");
        using NetlinkSubscription subscription = NetlinkSubscription.Open(Ns.Name);
        bool cut = false;
        Socket(subscription, "_links").OnReceive = datagram =>
        {
            // The first RTM_NEWLINK is cut to its header and ifinfomsg (16 + 16 bytes); the datagram ends there.
            if (!cut && BinaryPrimitives.ReadUInt16LittleEndian(datagram[4..]) == RTM_NEWLINK)
            {
                cut = true;
                BinaryPrimitives.WriteUInt32LittleEndian(datagram, 32);
                return 32;
            }

            return datagram.Length;
        };

        Ns.Exec("ip", "link", "set", "watched0", "mtu", "1400");
        Ns.Exec("ip", "link", "del", "watched0");
        List<NetlinkNotice> notices = Collect(subscription, n => n.Any(x => x.Deleted && x.Link == "watched0"));

        Assert.True(cut);
        Assert.Equal(new NetlinkNotice(NetlinkNoticeKind.Link, RTM_NEWLINK), notices[0]);
    }

    [Fact]
    public void TheDeviceIsNamedByTheFirstIflaIfName()
    {
        Ns.AddDevice("watched0", "watched0p");
        using NetlinkSubscription subscription = NetlinkSubscription.Open(Ns.Name);
        Socket(subscription, "_links").OnReceive = EachMessage((datagram, offset, type) =>
        {
            if (type is RTM_NEWLINK or RTM_DELLINK)
            {
                // Header and ifinfomsg, then the attributes: the one after IFLA_IFNAME is given its type too.
                int end = offset + (int)BinaryPrimitives.ReadUInt32LittleEndian(datagram[offset..]);
                int attribute = offset + 32;
                while (attribute + 4 <= end && BinaryPrimitives.ReadUInt16LittleEndian(datagram[(attribute + 2)..]) != IFLA_IFNAME)
                {
                    attribute += (BinaryPrimitives.ReadUInt16LittleEndian(datagram[attribute..]) + 3) & ~3;
                }

                SetTypeOfAttributeAfter(datagram, offset, attribute, IFLA_IFNAME);
            }
        });

        Ns.Exec("ip", "link", "set", "watched0", "mtu", "1400");
        Ns.Exec("ip", "link", "del", "watched0");
        List<NetlinkNotice> notices = Collect(subscription, n => n.Any(x => x.Deleted && x.Link == "watched0"));

        Assert.Contains(notices, n => n.Link == "watched0" && !n.Deleted);
        Assert.All(notices, n => Assert.True(n.Link is "watched0" or "watched0p", $"named {n.Link}"));
    }

    [Fact]
    public void OpeningWithoutCapNetAdminFailsToJoinTheNfTablesGroupAndClosesItsSocket()
    {
        int before = UserSockets(NETLINK_NETFILTER);

        SystemCallException error = Assert.Throws<SystemCallException>(() =>
            ThreadCapabilities.RunWithout(ThreadCapabilities.CAP_NET_ADMIN, () => NetlinkSubscription.Open(Ns.Name)));

        Assert.Equal(Errno.EPERM, error.Errno);
        Assert.StartsWith("setsockopt (level 270 option 1) failed: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, UserSockets(NETLINK_NETFILTER));
    }

    /// <summary>The netlink sockets of a protocol bound in the namespace to a port other than the kernel's (0).</summary>
    private int UserSockets(int protocol) =>
        Ns.Exec("cat", "/proc/net/netlink").Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Count(fields => fields[1] == protocol.ToString(System.Globalization.CultureInfo.InvariantCulture) && fields[2] != "0");

    private static NetlinkSocket Socket(NetlinkSubscription subscription, string field) =>
        (NetlinkSocket)typeof(NetlinkSubscription).GetField(field, BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(subscription)!;

    private delegate void MessageEdit(Span<byte> datagram, int offset, ushort type);

    /// <summary>A hook that hands every message of every datagram to <paramref name="edit"/>, which may change it in place.</summary>
    private static ReceiveHook EachMessage(MessageEdit edit) => datagram =>
    {
        for (int offset = 0; offset + 16 <= datagram.Length;)
        {
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(datagram[offset..]);
            edit(datagram, offset, BinaryPrimitives.ReadUInt16LittleEndian(datagram[(offset + 4)..]));
            offset += (length + 3) & ~3;
        }

        return datagram.Length;
    };

    /// <summary>Gives the attribute that follows the one at <paramref name="attribute"/> the type <paramref name="type"/>.</summary>
    private static void SetTypeOfAttributeAfter(Span<byte> datagram, int message, int attribute, ushort type)
    {
        int next = attribute + ((BinaryPrimitives.ReadUInt16LittleEndian(datagram[attribute..]) + 3) & ~3);
        Assert.True(next + 4 <= message + (int)BinaryPrimitives.ReadUInt32LittleEndian(datagram[message..]), "no attribute after it");
        BinaryPrimitives.WriteUInt16LittleEndian(datagram[(next + 2)..], type);
    }

    private static List<NetlinkNotice> Collect(NetlinkSubscription subscription, Func<List<NetlinkNotice>, bool> enough)
    {
        var notices = new List<NetlinkNotice>();
        DateTime deadline = DateTime.UtcNow.AddSeconds(5);
        while (!enough(notices) && DateTime.UtcNow < deadline)
        {
            notices.AddRange(subscription.Wait(TimeSpan.FromMilliseconds(200)));
        }

        Assert.True(enough(notices), $"the notices expected did not come: {string.Join(", ", notices)}");
        return notices;
    }
}
