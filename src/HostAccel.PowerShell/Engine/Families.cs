using HostAccel.Native.Nftables;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine;

internal static class Families
{
    public static NftFamily ToNft(this AccelFamily family) => (NftFamily)(byte)family;

    public static AccelFamily ToModel(this NftFamily family) => family switch
    {
        NftFamily.Ip => AccelFamily.Ip,
        NftFamily.Ip6 => AccelFamily.Ip6,
        NftFamily.Inet => AccelFamily.Inet,
        _ => throw new ArgumentOutOfRangeException(nameof(family), $"HostAccel does not manage {family.ToNftName()} tables"),
    };

    public static bool IsManaged(NftFamily family) => family is NftFamily.Ip or NftFamily.Ip6 or NftFamily.Inet;

    /// <summary>The family of the address tables a prefix belongs in: ip for IPv4, ip6 for IPv6.</summary>
    public static NftFamily Of(IpPrefix prefix) => prefix.IsIPv6 ? NftFamily.Ip6 : NftFamily.Ip;

    /// <summary>Parses a CIDR with IpPrefix's strict rules, classifying the failure (host bits set, or not a CIDR).</summary>
    public static IpPrefix ParseCidr(string? text)
    {
        if (IpPrefix.TryParse(text, out IpPrefix prefix, out string? error, out bool hostBitsSet))
        {
            return prefix;
        }

        throw new HostAccelException(hostBitsSet ? ErrorIds.HostBitsSet : ErrorIds.InvalidCidr, FailureKind.InvalidArgument, error, text);
    }

    /// <summary>
    /// A Pod CIDR to accelerate, peer or local: as <see cref="ParseCidr"/>, and not a /0. The whole address space as a
    /// peer or local Pod CIDR would put every forwarded connection on the fast path, around the host's own filtering.
    /// </summary>
    public static IpPrefix ParsePodCidr(string? text, string role)
    {
        IpPrefix prefix = ParseCidr(text);
        if (prefix.Length == 0)
        {
            throw new HostAccelException(ErrorIds.InvalidCidr, FailureKind.InvalidArgument,
                $"{prefix} is the whole {(prefix.IsIPv6 ? "IPv6" : "IPv4")} address space: as a {role} it would accelerate every forwarded connection; give the Pod CIDRs themselves", text);
        }

        return prefix;
    }

    /// <summary>
    /// Peer and local Pod CIDRs live in ip and ip6 tables (an interval set holds one address type): the prefix's own
    /// family, which must be among those asked for, when any are.
    /// </summary>
    public static NftFamily ForPrefix(IpPrefix prefix, IReadOnlyCollection<AccelFamily>? requested, string text)
    {
        NftFamily own = Of(prefix);
        if (requested is { Count: > 0 } && !requested.Any(f => f.ToNft() == own))
        {
            throw new HostAccelException(ErrorIds.WrongFamily, FailureKind.InvalidArgument,
                $"{prefix} is an {(prefix.IsIPv6 ? "IPv6" : "IPv4")} prefix and belongs in an {own.ToNftName()} table, not {string.Join(" or ", requested.Select(f => f.ToNft().ToNftName()))}", text);
        }

        return own;
    }
}
