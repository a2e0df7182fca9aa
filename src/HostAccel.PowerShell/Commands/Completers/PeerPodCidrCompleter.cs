using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands.Completers;

/// <summary>
/// Completes Remove-PeerPodCidr -Cidr with the prefixes the peer Pod CIDR set holds, read from the kernel for the
/// -NetworkNamespace, -TableName, -SetName and -Family already on the command line (else the defaults: table antrea,
/// set peer-pod-cidr, both families). Prefixes already given to -Cidr are not offered again. Completion never fails:
/// without privileges, table or set, it offers nothing.
/// </summary>
public sealed class PeerPodCidrCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string? networkNamespace = CompletionInput.String(fakeBoundParameters, "NetworkNamespace");
        string table = CompletionInput.String(fakeBoundParameters, "TableName") ?? Design.TableName;
        string setName = CompletionInput.String(fakeBoundParameters, "SetName") ?? Design.SetName;
        List<NftFamily> families = Families(CompletionInput.Strings(fakeBoundParameters, "Family"));
        var given = new HashSet<string>(CompletionInput.Strings(fakeBoundParameters, parameterName), StringComparer.OrdinalIgnoreCase);

        var prefixes = new List<string>();
        try
        {
            using NftConnection nft = NftConnection.Open(networkNamespace);
            foreach (NftFamily family in families)
            {
                NftSet? set = nft.ListSets(family, table).FirstOrDefault(s => s.Name == setName);
                if (set is not null)
                {
                    prefixes.AddRange(nft.ListPrefixes(set).Select(p => p.ToString()));
                }
            }
        }
#pragma warning disable CA1031 // a completer must not throw: no privilege, namespace or table, no completions
        catch (Exception)
#pragma warning restore CA1031
        {
            return [];
        }

        return CompletionInput.Complete(prefixes.Where(p => !given.Contains(p)), wordToComplete, $"in set {table} {setName}");
    }

    private static List<NftFamily> Families(IReadOnlyList<string> bound)
    {
        var families = bound
            .Select(f => Enum.TryParse(f, ignoreCase: true, out AccelFamily family) ? (NftFamily?)(NftFamily)(byte)family : null)
            .OfType<NftFamily>()
            .Distinct()
            .ToList();
        return families.Count > 0 ? families : [NftFamily.Ip, NftFamily.Ip6];
    }
}
