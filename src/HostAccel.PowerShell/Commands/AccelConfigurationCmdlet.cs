using System.Management.Automation;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands;

/// <summary>
/// What Sync- and Test-AccelConfiguration share: the -Configuration and -Path parameter sets, and reading the
/// configuration bound to a record together with the session of its namespace.
/// </summary>
public abstract class AccelConfigurationCmdlet : HostAccelCmdlet
{
    /// <summary>An AccelConfiguration, a hashtable of settings, or an object with their properties.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ConfigurationInput.ConfigurationSet)]
    public object? Configuration { get; set; }

    /// <summary>A .psd1 or .json file; PowerShell's wildcards may name it, if they name one file.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ConfigurationInput.PathSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>A .psd1 or .json file, its path taken as it is (no wildcards).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ConfigurationInput.LiteralPathSet)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string LiteralPath { get; set; } = "";

    /// <summary>The configuration bound to this record and the session of its namespace, or null once the failure is written.</summary>
    internal (AccelConfiguration Configuration, AccelSession Session)? BindConfiguration()
    {
        AccelConfiguration? read = null;
        object? input = ParameterSetName switch
        {
            ConfigurationInput.PathSet => Path,
            ConfigurationInput.LiteralPathSet => LiteralPath,
            _ => Configuration,
        };
        if (!Try(() => read = ConfigurationInput.Read(this, Configuration, Path, LiteralPath, Cancellation), input))
        {
            return null;
        }

        return Session() is AccelSession session ? (read!, session) : null;
    }
}
