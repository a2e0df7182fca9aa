using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace HostAccel.PowerShell.Commands;

/// <summary>Tab completion for -NetworkNamespace: the names `ip netns add` created under /run/netns.</summary>
public sealed class NetworkNamespaceCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string directory = Native.Interop.NetworkNamespace.RunDirectory;
        if (!Directory.Exists(directory))
        {
            return [];
        }

        return Directory.EnumerateFiles(directory)
            .Select(Path.GetFileName)
            .Where(n => n is not null && n.StartsWith(wordToComplete ?? "", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n => new CompletionResult(n!))
            .ToList();
    }
}
