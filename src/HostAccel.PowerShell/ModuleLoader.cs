using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace HostAccel.PowerShell;

/// <summary>
/// Lets .NET find Tmds.LibC when PowerShell imports the module. The package builds it once per architecture (its
/// constants and structures differ), and the module ships each build as the package lays it out,
/// <c>runtimes/linux-&lt;arch&gt;/lib/netstandard2.0/</c>; an application's deps.json would point .NET to the right one,
/// but a module has none, so this does — for the architecture of the running process.
/// </summary>
public sealed class ModuleLoader : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private const string LibCAssembly = "Tmds.LibC";

    public void OnImport() => AssemblyLoadContext.Default.Resolving += Resolve;

    public void OnRemove(PSModuleInfo psModuleInfo) => AssemblyLoadContext.Default.Resolving -= Resolve;

    /// <summary>Where the module keeps Tmds.LibC for an architecture; null for one the package has no build for.</summary>
    internal static string? LibCPath(string moduleDirectory, Architecture architecture)
    {
        string? runtime = architecture switch
        {
            Architecture.X64 => "linux-x64",
            Architecture.Arm64 => "linux-arm64",
            Architecture.Arm => "linux-arm",
            _ => null,
        };
        return runtime is null ? null : Path.Combine(moduleDirectory, "runtimes", runtime, "lib", "netstandard2.0", LibCAssembly + ".dll");
    }

    private static Assembly? Resolve(AssemblyLoadContext context, AssemblyName name)
    {
        if (name.Name != LibCAssembly)
        {
            return null;
        }

        string? directory = Path.GetDirectoryName(typeof(ModuleLoader).Assembly.Location);
        string? path = directory is null ? null : LibCPath(directory, RuntimeInformation.ProcessArchitecture);
        return path is not null && File.Exists(path) ? context.LoadFromAssemblyPath(path) : null;
    }
}
