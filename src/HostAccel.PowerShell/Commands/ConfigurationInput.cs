using System.Collections;
using System.Collections.Specialized;
using System.Management.Automation;
using System.Management.Automation.Language;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands;

/// <summary>
/// The -Configuration and -Path parameters of Sync- and Test-AccelConfiguration, turned into an
/// <see cref="AccelConfiguration"/>. Everything but a live AccelConfiguration goes through
/// <see cref="ConfigurationReader"/>, so a hashtable, an object deserialized by Invoke-Command, a .psd1 and a .json
/// file meet the same checks and the same defaults. Only the parts that need PowerShell's own types live here.
/// </summary>
internal static class ConfigurationInput
{
    public const string ConfigurationSet = "Configuration";
    public const string PathSet = "Path";

    /// <summary>
    /// Properties that are not settings: where Get-AccelConfiguration read from (the -NetworkNamespace parameter says
    /// where to sync to), and what Invoke-Command and jobs add to each object they return.
    /// </summary>
    private static readonly HashSet<string> NotSettings = new(StringComparer.OrdinalIgnoreCase)
    {
        nameof(AccelConfiguration.NetworkNamespace), "PSComputerName", "PSShowComputerName", "RunspaceId", "PSSourceJobInstanceId",
    };

    /// <summary>The configuration of the parameter set the cmdlet was called with.</summary>
    public static AccelConfiguration Read(PSCmdlet cmdlet, object? configuration, string? path) =>
        cmdlet.ParameterSetName == PathSet ? FromPath(cmdlet, path ?? "") : FromObject(configuration);

    /// <summary>An AccelConfiguration as it is; a dictionary, a file, or the properties of a PSObject read as settings.</summary>
    public static AccelConfiguration FromObject(object? input)
    {
        object? value = input is PSObject wrapped ? wrapped.BaseObject : input;
        return value switch
        {
            AccelConfiguration configuration => configuration,
            IDictionary settings => ConfigurationReader.Read(UnwrapValues(settings), "-Configuration"),
            FileInfo file => FromFile(file.FullName, file.FullName),
            PSCustomObject when input is PSObject properties => ConfigurationReader.Read(Settings(properties), "-Configuration"),
            _ => throw new HostAccelException(ErrorIds.InvalidConfiguration, FailureKind.InvalidArgument,
                $"-Configuration takes an AccelConfiguration, a hashtable of settings or an object with their properties (such as Get-AccelConfiguration's output from Invoke-Command), " +
                $"not {(value is null ? "null" : $"a {value.GetType().Name} '{value}'")}; -Path reads a .psd1 or .json file", input),
        };
    }

    private static AccelConfiguration FromPath(PSCmdlet cmdlet, string path)
    {
        string file;
        ProviderInfo provider;
        try
        {
            file = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _);
        }
        catch (Exception ex) when (ex is RuntimeException or NotSupportedException or ArgumentException)
        {
            throw new HostAccelException(ErrorIds.InvalidArgument, FailureKind.InvalidArgument, $"-Path {path}: {ex.Message}", path, ex);
        }

        if (provider.Name != "FileSystem")
        {
            throw new HostAccelException(ErrorIds.InvalidArgument, FailureKind.InvalidArgument,
                $"-Path {path} is on the {provider.Name} provider; a configuration is a file (.psd1 or .json)", path);
        }

        return FromFile(file, path);
    }

    private static AccelConfiguration FromFile(string file, string path)
    {
        string extension = System.IO.Path.GetExtension(file);
        if (extension.Equals(".psd1", StringComparison.OrdinalIgnoreCase))
        {
            return ConfigurationReader.Read(ReadDataFile(file), file);
        }

        if (extension.Equals(".json", StringComparison.OrdinalIgnoreCase))
        {
            return ConfigurationReader.ReadFile(file);
        }

        throw new HostAccelException(ErrorIds.InvalidArgument, FailureKind.InvalidArgument,
            $"{file} is neither a PowerShell data file (.psd1) nor JSON (.json), the two kinds of configuration file", path);
    }

    /// <summary>
    /// What Import-PowerShellDataFile does: parse without running anything, then take the hashtable literal's value
    /// with SafeGetValue, which refuses variables, commands and other expressions. Stricter in one way: the file
    /// must be that one hashtable and nothing else.
    /// </summary>
    private static IDictionary ReadDataFile(string file)
    {
        ScriptBlockAst ast;
        ParseError[] errors;
        try
        {
            if (!File.Exists(file))
            {
                throw new FileNotFoundException("there is no such file", file);
            }

            ast = Parser.ParseFile(file, out _, out errors);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new HostAccelException(ErrorIds.ObjectNotFound, FailureKind.ObjectNotFound, $"cannot read configuration file {file}: {ex.Message}", file, ex);
        }

        if (errors.Length > 0)
        {
            ParseError first = errors[0];
            throw ConfigurationReader.Invalid($"{file} is not a valid PowerShell data file: {first.Message} (line {first.Extent.StartLineNumber}, column {first.Extent.StartColumnNumber})", file);
        }

        HashtableAst? settings = ast is { ParamBlock: null, BeginBlock: null, ProcessBlock: null, DynamicParamBlock: null, EndBlock.Statements: [PipelineAst pipeline] }
            ? pipeline.GetPureExpression() as HashtableAst
            : null;
        if (settings is null)
        {
            throw ConfigurationReader.Invalid($"{file} must hold one hashtable literal, @{{ Setting = value; … }}, and nothing else", file);
        }

        try
        {
            return (IDictionary)settings.SafeGetValue();
        }
        catch (InvalidOperationException ex)
        {
            throw ConfigurationReader.Invalid($"{file}: {ex.Message} A data file holds constants only: strings, numbers, $true, $false and arrays of them", file);
        }
    }

    /// <summary>
    /// The properties of a PSObject (a deserialized AccelConfiguration, ConvertFrom-Json's output, a
    /// [pscustomobject]) as settings. Deserialized values arrive wrapped: lists as ArrayLists of PSObjects, the
    /// Traffic enum as a PSObject over its number; each is unwrapped to what the reader takes.
    /// </summary>
    private static OrderedDictionary Settings(PSObject input)
    {
        var settings = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
        foreach (PSPropertyInfo property in input.Properties)
        {
            if (NotSettings.Contains(property.Name))
            {
                continue;
            }

            object? value;
            try
            {
                value = property.Value;
            }
            catch (GetValueException ex)
            {
                throw ConfigurationReader.Invalid($"-Configuration: the property {property.Name} cannot be read: {ex.Message}", property.Name);
            }

            settings[property.Name] = Unwrap(value);
        }

        return settings;
    }

    /// <summary>A hashtable's values as the reader takes them: lines of Get-Content, say, arrive as PSObjects.</summary>
    private static OrderedDictionary UnwrapValues(IDictionary settings)
    {
        var unwrapped = new OrderedDictionary();
        foreach (DictionaryEntry setting in settings)
        {
            unwrapped[Unwrap(setting.Key)!] = Unwrap(setting.Value);
        }

        return unwrapped;
    }

    private static object? Unwrap(object? value) => value switch
    {
        PSObject wrapped when wrapped.BaseObject is not PSCustomObject => Unwrap(wrapped.BaseObject),
        string or IDictionary => value,
        IEnumerable items => items.Cast<object?>().Select(Unwrap).ToArray(),
        _ => value,
    };
}
