using HostAccel.Native.Netlink;
using static HostAccel.Native.TrafficControl.Routing.RouteConstants;

namespace HostAccel.Native.TrafficControl.Routing;

/// <summary>A network device as RTM_NEWLINK describes it: what a redirected frame's source address comes from.</summary>
public sealed record Link(int Index, string Name)
{
    /// <summary>ARPHRD_* of linux/if_arp.h: 1 for Ethernet (veth, physical NICs, OVS internal ports).</summary>
    public ushort Type { get; init; }

    /// <summary>IFF_* flags (up, running …).</summary>
    public uint Flags { get; init; }

    public uint Mtu { get; init; }

    /// <summary>The device's own link-layer address; null when it has none of 6 bytes.</summary>
    public MacAddress? Address { get; init; }

    /// <summary>IFLA_INFO_KIND: "veth", "bridge", "openvswitch" …; null for a physical device.</summary>
    public string? Kind { get; init; }

    public bool IsUp => (Flags & IFF_UP) != 0;

    public bool IsEthernet => Type == ARPHRD_ETHER && Address is not null;

    internal static Link Decode(in NetlinkMessage message)
    {
        IfInfoMsg header = IfInfoMsg.Read(message.Payload);
        string name = "";
        uint mtu = 0;
        MacAddress? address = null;
        string? kind = null;
        var reader = new AttributeReader(message.Payload[IfInfoMsg.Length..]);
        while (reader.Next())
        {
            switch (reader.Type)
            {
                case IFLA_IFNAME:
                    name = reader.GetString();
                    break;
                case IFLA_MTU:
                    mtu = reader.GetU32Host();
                    break;
                case IFLA_ADDRESS when reader.Payload.Length == MacAddress.Length:
                    address = MacAddress.FromBytes(reader.Payload);
                    break;
                case IFLA_LINKINFO:
                    AttributeReader info = reader.Nested();
                    while (info.Next())
                    {
                        if (info.Type == IFLA_INFO_KIND)
                        {
                            kind = info.GetString();
                        }
                    }

                    break;
            }
        }

        return new Link(header.Index, name) { Type = header.Type, Flags = header.Flags, Mtu = mtu, Address = address, Kind = kind };
    }

    public override string ToString() => $"{Index}: {Name} mtu {Mtu} {(IsUp ? "up" : "down")} link/{(Type == ARPHRD_ETHER ? "ether" : Type.ToString(System.Globalization.CultureInfo.InvariantCulture))} {Address}";
}
