using System.Reflection;
using System.Runtime.InteropServices;

namespace HostAccel.PowerShell.Tests.Contract;

/// <summary>One parameter as PowerShell would see it: from the [Parameter] attributes of a public property.</summary>
public sealed record ParameterInfo(string Name, Type Type, bool Mandatory, int? Position, bool FromPipeline, bool FromPipelineByPropertyName, IReadOnlyList<string> Aliases, bool SupportsWildcards);

/// <summary>One cmdlet class: its [Cmdlet], [OutputType] and parameters, read as metadata.</summary>
public sealed record CmdletInfo(Type Type, string Verb, string Noun, bool SupportsShouldProcess, int ConfirmImpact, IReadOnlyList<Type> OutputTypes, IReadOnlyList<ParameterInfo> Parameters)
{
    public string Name => $"{Verb}-{Noun}";

    public ParameterInfo? Parameter(string name) => Parameters.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// The compiled cmdlet assembly read with MetadataLoadContext against the PowerShell reference assembly: nothing
/// of PowerShell runs, and nothing is loaded for execution.
/// </summary>
public sealed class CmdletMetadata : IDisposable
{
    private readonly MetadataLoadContext _context;

    public CmdletMetadata(string cmdletAssembly, string systemManagementAutomation)
    {
        string directory = Path.GetDirectoryName(cmdletAssembly)!;
        var paths = Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll")
            .Concat([cmdletAssembly, Path.Combine(directory, "HostAccel.Native.dll"), systemManagementAutomation, typeof(Newtonsoft.Json.JsonConvert).Assembly.Location])
            .GroupBy(Path.GetFileName).Select(g => g.Last());
        _context = new MetadataLoadContext(new PathAssemblyResolver(paths), "System.Private.CoreLib");
        Assembly = _context.LoadFromAssemblyPath(cmdletAssembly);
        Automation = _context.LoadFromAssemblyPath(systemManagementAutomation);
        Cmdlets = Assembly.GetTypes()
            .Select(Read)
            .OfType<CmdletInfo>()
            .OrderBy(c => c.Name, StringComparer.Ordinal)
            .ToList();
    }

    public Assembly Assembly { get; }

    public Assembly Automation { get; }

    public IReadOnlyList<CmdletInfo> Cmdlets { get; }

    public CmdletInfo this[string name] => Cmdlets.Single(c => c.Name == name);

    /// <summary>PowerShell's approved verbs: the constants of the Verbs* classes.</summary>
    public IReadOnlySet<string> ApprovedVerbs() => Automation.GetTypes()
        .Where(t => t.Namespace == "System.Management.Automation" && t.Name.StartsWith("Verbs", StringComparison.Ordinal))
        .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
        .Where(f => f.IsLiteral)
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToHashSet(StringComparer.Ordinal);

    public void Dispose() => _context.Dispose();

    private static CmdletInfo? Read(Type type)
    {
        CustomAttributeData? cmdlet = type.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.FullName == "System.Management.Automation.CmdletAttribute");
        if (cmdlet is null)
        {
            return null;
        }

        object? Named(CustomAttributeData a, string name) => a.NamedArguments.FirstOrDefault(n => n.MemberName == name).TypedValue.Value;
        var outputs = type.GetCustomAttributesData()
            .Where(a => a.AttributeType.FullName == "System.Management.Automation.OutputTypeAttribute")
            .SelectMany(a => a.ConstructorArguments)
            .SelectMany(arg => arg.Value is IEnumerable<CustomAttributeTypedArgument> list ? list.Select(x => x.Value) : [arg.Value])
            .OfType<Type>()
            .ToList();
        var parameters = new List<ParameterInfo>();
        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var attributes = property.GetCustomAttributesData();
            var parameter = attributes.Where(a => a.AttributeType.FullName == "System.Management.Automation.ParameterAttribute").ToList();
            if (parameter.Count == 0)
            {
                continue;
            }

            CustomAttributeData p = parameter[0];
            int position = Named(p, "Position") is int pos ? pos : int.MinValue;
            var aliases = attributes.Where(a => a.AttributeType.FullName == "System.Management.Automation.AliasAttribute")
                .SelectMany(a => a.ConstructorArguments)
                .SelectMany(arg => arg.Value is IEnumerable<CustomAttributeTypedArgument> list ? list.Select(x => (string)x.Value!) : [(string)arg.Value!])
                .ToList();
            parameters.Add(new ParameterInfo(property.Name, property.PropertyType,
                Named(p, "Mandatory") is true,
                position == int.MinValue ? null : position,
                Named(p, "ValueFromPipeline") is true,
                Named(p, "ValueFromPipelineByPropertyName") is true,
                aliases,
                attributes.Any(a => a.AttributeType.FullName == "System.Management.Automation.SupportsWildcardsAttribute")));
        }

        return new CmdletInfo(type,
            (string)cmdlet.ConstructorArguments[0].Value!,
            (string)cmdlet.ConstructorArguments[1].Value!,
            Named(cmdlet, "SupportsShouldProcess") is true,
            Named(cmdlet, "ConfirmImpact") is int impact ? impact : 2,
            outputs,
            parameters.OrderBy(p => p.Position ?? int.MaxValue).ThenBy(p => p.Mandatory ? 0 : 1).ThenBy(p => p.Name, StringComparer.Ordinal).ToList());
    }

    /// <summary>A type as platyPS writes it in a help page: System.String[], System.Nullable`1[…].</summary>
    public static string TypeName(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition().FullName == "System.Nullable`1"
            ? $"System.Nullable`1[{TypeName(type.GetGenericArguments()[0])}]"
            : type.FullName!;
}
