namespace HostAccel.Native.Nftables;

/// <summary>The nf_tables address families (NFPROTO_* of linux/netfilter.h) HostAccel works with.</summary>
public enum NftFamily : byte
{
    Unspecified = 0,
    Inet = 1,
    Ip = 2,
    Arp = 3,
    Netdev = 5,
    Bridge = 7,
    Ip6 = 10,
}

public static class NftFamilyNames
{
    /// <summary>The family as nft spells it: ip, ip6, inet …</summary>
    public static string ToNftName(this NftFamily family) => family switch
    {
        NftFamily.Ip => "ip",
        NftFamily.Ip6 => "ip6",
        NftFamily.Inet => "inet",
        NftFamily.Arp => "arp",
        NftFamily.Bridge => "bridge",
        NftFamily.Netdev => "netdev",
        _ => $"family{(byte)family}",
    };

    public static bool TryParse(string? text, out NftFamily family)
    {
        family = text?.ToLowerInvariant() switch
        {
            "ip" or "ipv4" => NftFamily.Ip,
            "ip6" or "ipv6" => NftFamily.Ip6,
            "inet" => NftFamily.Inet,
            "arp" => NftFamily.Arp,
            "bridge" => NftFamily.Bridge,
            "netdev" => NftFamily.Netdev,
            _ => NftFamily.Unspecified,
        };
        return family != NftFamily.Unspecified;
    }
}
