using System.Net;
using System.Net.Sockets;
using HostAccel.Native.Netlink;
using static HostAccel.Native.TrafficControl.Routing.RouteConstants;

namespace HostAccel.Native.TrafficControl.Routing;

/// <summary>NUD_* states of linux/neighbour.h.</summary>
[Flags]
public enum NeighbourState : ushort
{
    None = 0,
    Incomplete = 0x01,
    Reachable = 0x02,
    Stale = 0x04,
    Delay = 0x08,
    Probe = 0x10,
    Failed = 0x20,
    NoArp = 0x40,
    Permanent = 0x80,
}

/// <summary>An ARP or NDP entry: the link-layer address of an IP address on one device.</summary>
public sealed record Neighbour(IPAddress Address, int InterfaceIndex)
{
    /// <summary>NUD_VALID less NOARP without an address: the states in which the kernel itself sends to the address.</summary>
    private const NeighbourState Valid = NeighbourState.Reachable | NeighbourState.Stale | NeighbourState.Delay |
        NeighbourState.Probe | NeighbourState.Permanent | NeighbourState.NoArp;

    public MacAddress? LinkLayerAddress { get; init; }

    public NeighbourState State { get; init; }

    /// <summary>NTF_* flags (router, proxy …).</summary>
    public byte Flags { get; init; }

    /// <summary>
    /// The kernel would send to this address with <see cref="LinkLayerAddress"/> now: an entry that is reachable, or
    /// stale and about to be confirmed (a stale entry still holds the last address the neighbour answered with).
    /// </summary>
    public bool IsUsable => LinkLayerAddress is { IsZero: false } && (State & Valid) != 0;

    internal static Neighbour Decode(in NetlinkMessage message)
    {
        NdMsg header = NdMsg.Read(message.Payload);
        IPAddress? address = null;
        MacAddress? lladdr = null;
        var reader = new AttributeReader(message.Payload[NdMsg.Length..]);
        while (reader.Next())
        {
            switch (reader.Type)
            {
                case NDA_DST when reader.Payload.Length is 4 or 16:
                    address = new IPAddress(reader.Payload);
                    break;
                case NDA_LLADDR when reader.Payload.Length == MacAddress.Length:
                    lladdr = MacAddress.FromBytes(reader.Payload);
                    break;
            }
        }

        return new Neighbour(address ?? throw new NetlinkDecodeException("neighbour without NDA_DST"), header.InterfaceIndex)
        {
            LinkLayerAddress = lladdr,
            State = (NeighbourState)header.State,
            Flags = header.Flags,
        };
    }

    internal static byte FamilyOf(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6 ? AF_INET6 : AF_INET;

    public override string ToString() => $"{Address} dev #{InterfaceIndex} lladdr {LinkLayerAddress?.ToString() ?? "(none)"} {State}";
}
