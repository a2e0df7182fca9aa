using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.PowerShell.Engine.Planning;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine;

/// <summary>Get-, Add- and Remove-PeerPodCidr: the prefixes of the peer Pod CIDR interval set of each family.</summary>
internal static class PeerPodCidrs
{
    /// <summary>
    /// Each family's prefixes, as they are read: a large set is written to the pipeline as it is decoded, not
    /// gathered first. A set <paramref name="named"/> by the caller must exist in one of the tables.
    /// </summary>
    public static IEnumerable<PeerPodCidr> Get(AccelSession session, IReadOnlyCollection<AccelFamily>? families, string table, string set, bool named = false, bool setNamed = false)
    {
        ArgumentNullException.ThrowIfNull(session);
        int sets = 0;
        foreach ((NftFamily family, NftTable _, bool asked) in session.Tables(families, table, named, f => $"set {f.ToNftName()} {table} {set}"))
        {
            NftSet? found = session.Nft.ListSets(family, table).FirstOrDefault(s => s.Name == set);
            if (found is null)
            {
                if (asked)
                {
                    throw SetNotFound(family, table, set);
                }

                continue;
            }

            sets++;
            foreach (IpPrefix prefix in session.Nft.ListPrefixes(found))
            {
                yield return ToModel(session, found, prefix);
            }
        }

        if (sets == 0 && setNamed)
        {
            throw new HostAccelException(ErrorIds.SetNotFound, FailureKind.ObjectNotFound, $"neither table ip {table} nor ip6 {table} has a set {set}", set);
        }
    }

    internal static PeerPodCidr ToModel(AccelSession session, NftSet set, IpPrefix prefix)
    {
        // The address is the prefix's text up to the slash: formatting it once costs half of what formatting twice does.
        string cidr = prefix.ToString();
        return new PeerPodCidr
        {
            Family = set.Family.ToModel(),
            TableName = set.Table,
            SetName = set.Name,
            Cidr = cidr,
            Address = cidr[..cidr.IndexOf('/', StringComparison.Ordinal)],
            PrefixLength = prefix.Length,
            NetworkNamespace = session.NetworkNamespace,
        };
    }

    internal static HostAccelException SetNotFound(NftFamily family, string table, string set) =>
        new(ErrorIds.SetNotFound, FailureKind.ObjectNotFound, $"table {family.ToNftName()} {table} has no set {set}", $"set {family.ToNftName()} {table} {set}");

    /// <summary>An existing set HostAccel can put prefixes of this family in: the right address type, intervals.</summary>
    internal static void CheckSet(NftSet set)
    {
        SetKeyType wanted = set.Family == NftFamily.Ip6 ? SetKeyType.Ipv6Address : SetKeyType.Ipv4Address;
        if (set.KeyType != wanted || !set.IsInterval)
        {
            throw new HostAccelException(ErrorIds.SetMismatch, FailureKind.InvalidOperation,
                $"{set} is not an interval set of {(wanted == SetKeyType.Ipv6Address ? "IPv6" : "IPv4")} addresses, so it cannot hold Pod CIDRs", set.ToString());
        }
    }
}
