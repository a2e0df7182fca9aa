using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using HostAccel.Native.Interop;

namespace HostAccel.PowerShell.Commands.Completers;

/// <summary>
/// Completes an interface name (-GatewayInterface, -TransportInterface, -Device) with the devices of the network
/// namespace the command will act in: -NetworkNamespace when it is already on the command line, else the caller's.
/// Completion never fails: without the namespace or the right to enter it, it offers nothing.
/// </summary>
public sealed class InterfaceNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string? networkNamespace = CompletionInput.String(fakeBoundParameters, "NetworkNamespace");
        IReadOnlyCollection<string> devices;
        try
        {
            devices = NetworkNamespace.Run(networkNamespace, () => NetworkInterface.List().Values.ToList());
        }
#pragma warning disable CA1031 // a completer must not throw: no namespace, no right to enter it, no completions
        catch (Exception)
#pragma warning restore CA1031
        {
            return [];
        }

        string where = networkNamespace is null ? "interface" : $"interface in {networkNamespace}";
        return CompletionInput.Complete(devices, wordToComplete, where);
    }
}
