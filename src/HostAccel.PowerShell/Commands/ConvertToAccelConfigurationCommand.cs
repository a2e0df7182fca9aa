using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Text.Json;
using HostAccel.PowerShell.Commands.Completers;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands;

/// <summary>
/// Turns a cluster's Nodes into one configuration per Node, each Node's peers being every other Node's Pod CIDRs.
/// ConvertTo rather than a -Cluster parameter set of New-AccelConfiguration: the input is another format of the same
/// facts (Kubernetes Node objects, or a description file), many objects come in and many go out, and nothing can be
/// written before the last Node is read. Like New-AccelConfiguration it touches no kernel.
/// </summary>
[Cmdlet(VerbsData.ConvertTo, "AccelConfiguration", DefaultParameterSetName = NodeSet)]
[OutputType(typeof(AccelConfiguration))]
public sealed class ConvertToAccelConfigurationCommand : PSCmdlet
{
    private const string NodeSet = "Node";
    private const string PathSet = "Path";

    private readonly List<ClusterNode> _nodes = [];
    private readonly Hashtable _fileTemplate = new(StringComparer.OrdinalIgnoreCase);
    private HostAccelException? _failure;

    /// <summary>A Kubernetes Node (or a List of them, as kubectl get nodes -o json gives), or a description entry.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = NodeSet)]
    public object? InputObject { get; set; }

    /// <summary>A cluster description file (.psd1 or .json), or the saved output of kubectl get nodes -o json.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>The transport interface of every Node that does not name its own (Node objects never do).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string? TransportInterface { get; set; }

    /// <summary>The traffic to accelerate on every Node; FullPath adds the other Nodes' InternalIPs as PeerNodeIP.</summary>
    [Parameter]
    public AccelTraffic Traffic { get; set; }

    /// <summary>Settings every Node's configuration starts from: any New-AccelConfiguration setting but the computed ones.</summary>
    [Parameter]
    public IDictionary? Template { get; set; }

    protected override void ProcessRecord()
    {
        if (_failure is not null)
        {
            return;
        }

        try
        {
            if (ParameterSetName == PathSet)
            {
                ReadFile();
            }
            else if (ToData(InputObject) is IDictionary node)
            {
                _nodes.AddRange(ClusterDescription.Nodes(node, $"Node {_nodes.Count + 1} of the input"));
            }
            else
            {
                throw new HostAccelException(ClusterErrorIds.InvalidNode, FailureKind.InvalidArgument,
                    $"-InputObject takes a Kubernetes Node (kubectl get nodes -o json | ConvertFrom-Json), a List of them or a description entry @{{ Name = …; PodCidr = …; NodeIP = … }}, not {(InputObject is null ? "null" : ConfigurationReader.Describe(InputObject is PSObject p ? p.BaseObject : InputObject))}",
                    InputObject);
            }
        }
        catch (HostAccelException ex)
        {
            // Every Node's configuration depends on every other Node: one that cannot be read leaves nothing to write.
            _failure = ex;
        }
    }

    protected override void EndProcessing()
    {
        if (_failure is not null)
        {
            ThrowTerminatingError(HostAccelCmdlet.ToErrorRecord(_failure));
        }

        var template = new Hashtable(_fileTemplate, StringComparer.OrdinalIgnoreCase);
        if (Template is not null)
        {
            var given = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (DictionaryEntry entry in Template)
            {
                string name = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "";
                if (given.TryGetValue(name, out string? first))
                {
                    ThrowTerminatingError(HostAccelCmdlet.ToErrorRecord(ClusterDescription.SameKey(first, name)));
                }

                given[name] = name;
                template[entry.Key] = entry.Value is PSObject wrapped ? wrapped.BaseObject : entry.Value;
            }
        }

        if (MyInvocation.BoundParameters.ContainsKey(nameof(Traffic)))
        {
            template[nameof(AccelConfiguration.Traffic)] = Traffic;
        }

        ClusterDescription.Result result;
        try
        {
            result = ClusterDescription.Plan(_nodes, template, TransportInterface);
        }
        catch (HostAccelException ex)
        {
            ThrowTerminatingError(HostAccelCmdlet.ToErrorRecord(ex));
            return;
        }

        foreach (string warning in result.Warnings)
        {
            WriteWarning(warning);
        }

        foreach (string note in result.Notes)
        {
            WriteVerbose(note);
        }

        foreach (AccelConfiguration configuration in result.Configurations)
        {
            WriteObject(configuration);
        }
    }

    private void ReadFile()
    {
        List<string> files;
        ProviderInfo provider;
        try
        {
            files = [.. SessionState.Path.GetResolvedProviderPathFromPSPath(Path, out provider)];
        }
        catch (ItemNotFoundException ex)
        {
            throw new HostAccelException(ConfigurationErrorIds.ConfigurationFileNotFound, FailureKind.ObjectNotFound, $"there is no cluster description {Path}", Path, ex);
        }
        catch (Exception ex) when (ex is RuntimeException or NotSupportedException or ArgumentException)
        {
            throw new HostAccelException(ErrorIds.InvalidArgument, FailureKind.InvalidArgument, $"-Path {Path}: {ex.Message}", Path, ex);
        }

        if (provider.Name != "FileSystem" || files.Count != 1)
        {
            throw new HostAccelException(ErrorIds.InvalidArgument, FailureKind.InvalidArgument,
                provider.Name != "FileSystem" ? $"-Path {Path} is on the {provider.Name} provider; a cluster description is a file (.psd1 or .json)"
                    : $"-Path {Path} matches {files.Count} files; a cluster description is one file", Path);
        }

        string file = files[0];
        string text = ConfigurationReader.ReadText(file);
        IDictionary description;
        if (file.EndsWith(".psd1", StringComparison.OrdinalIgnoreCase))
        {
            description = ConfigurationInput.ReadDataFile(text, file);
        }
        else if (file.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                using JsonDocument document = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
                description = ConfigurationReader.FromJson(document.RootElement) as IDictionary
                    ?? throw ConfigurationReader.Invalid($"{file} must hold a JSON object: a cluster description or kubectl get nodes -o json", file);
            }
            catch (JsonException ex)
            {
                throw ConfigurationReader.Invalid($"{file} is not valid JSON: {ex.Message}", file);
            }
        }
        else
        {
            throw new HostAccelException(ErrorIds.InvalidArgument, FailureKind.InvalidArgument,
                $"{file} is neither a PowerShell data file (.psd1) nor JSON (.json), the two kinds of cluster description", Path);
        }

        (IDictionary template, List<ClusterNode> nodes) = ClusterDescription.File(description, file);
        foreach (DictionaryEntry entry in template)
        {
            _fileTemplate[entry.Key] = entry.Value;
        }

        _nodes.AddRange(nodes);
    }

    /// <summary>
    /// PowerShell's objects as plain data: ConvertFrom-Json's and deserialized objects as dictionaries of their
    /// properties, lists as arrays, wrapped values unwrapped. The engine reads dictionaries only.
    /// </summary>
    private static object? ToData(object? value) => value switch
    {
        PSObject { BaseObject: PSCustomObject } custom => custom.Properties.Aggregate(new Hashtable(StringComparer.OrdinalIgnoreCase), (table, p) =>
        {
            table[p.Name] = ToData(p.Value);
            return table;
        }),
        PSObject wrapped => ToData(wrapped.BaseObject),
        string => value,
        IDictionary dictionary => dictionary.Cast<DictionaryEntry>().Aggregate(new Hashtable(StringComparer.OrdinalIgnoreCase), (table, e) =>
        {
            // Folded into a table that reads keys in any case, a dictionary that holds one key in two cases
            // (ConvertFrom-Json -AsHashtable keeps both) would silently keep the last: refused, as the engine refuses it.
            object key = ToData(e.Key) ?? "";
            if (table.ContainsKey(key))
            {
                throw ClusterDescription.SameKey(Convert.ToString(table.Keys.Cast<object>().First(k => StringComparer.OrdinalIgnoreCase.Equals(k, key)), CultureInfo.InvariantCulture),
                    Convert.ToString(key, CultureInfo.InvariantCulture));
            }

            table[key] = ToData(e.Value);
            return table;
        }),
        IEnumerable list => list.Cast<object?>().Select(ToData).ToArray(),
        _ => value,
    };
}
