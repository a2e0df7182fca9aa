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

    /// <summary>
    /// The parameter set of a -LiteralPath parameter, for the cmdlets that declare one: the path is taken as it is,
    /// without wildcards (a file named node[1].psd1).
    /// </summary>
    public const string LiteralPathSet = "LiteralPath";

    /// <summary>
    /// The configuration of the parameter set the cmdlet was called with. -Path is resolved as PowerShell resolves
    /// it (relative to the current location, wildcards expanded) and must name one file; <paramref name="literalPath"/>
    /// is taken as it is. <paramref name="cancellation"/> stops the read of a file.
    /// </summary>
    public static AccelConfiguration Read(PSCmdlet cmdlet, object? configuration, string? path, string? literalPath = null, CancellationToken cancellation = default) =>
        cmdlet.ParameterSetName switch
        {
            PathSet => FromPath(cmdlet, path ?? "", literal: false, cancellation),
            LiteralPathSet => FromPath(cmdlet, literalPath ?? "", literal: true, cancellation),
            _ => FromObject(configuration),
        };

    /// <summary>An AccelConfiguration as it is; a dictionary, a file, or the properties of a PSObject read as settings.</summary>
    public static AccelConfiguration FromObject(object? input)
    {
        object? value = input is PSObject wrapped ? wrapped.BaseObject : input;
        return value switch
        {
            AccelConfiguration configuration => configuration,
            IDictionary settings => ConfigurationReader.Read(UnwrapValues(RefusingCode(settings)), "-Configuration"),
            FileInfo file => FromFile(file.FullName, file.FullName),
            PSCustomObject when input is PSObject properties => ConfigurationReader.Read(Settings(properties), "-Configuration"),
            _ => throw new HostAccelException(ErrorIds.InvalidConfiguration, FailureKind.InvalidArgument,
                $"-Configuration takes an AccelConfiguration, a hashtable of settings or an object with their properties (such as Get-AccelConfiguration's output from Invoke-Command), " +
                $"not {(value is null ? "null" : $"a {value.GetType().Name} '{value}'")}; -Path reads a .psd1 or .json file", input),
        };
    }

    private static AccelConfiguration FromPath(PSCmdlet cmdlet, string path, bool literal, CancellationToken cancellation)
    {
        string parameter = literal ? "-LiteralPath" : "-Path";
        List<string> files;
        ProviderInfo provider;
        try
        {
            files = literal
                ? [cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _)]
                : [.. cmdlet.SessionState.Path.GetResolvedProviderPathFromPSPath(path, out provider)];
        }
        catch (ItemNotFoundException ex)
        {
            throw new HostAccelException(ConfigurationErrorIds.ConfigurationFileNotFound, FailureKind.ObjectNotFound, $"there is no configuration file {path}", path, ex);
        }
        catch (Exception ex) when (ex is RuntimeException or NotSupportedException or ArgumentException)
        {
            throw new HostAccelException(ErrorIds.InvalidArgument, FailureKind.InvalidArgument, $"{parameter} {path}: {ex.Message}", path, ex);
        }

        if (provider.Name != "FileSystem")
        {
            throw new HostAccelException(ErrorIds.InvalidArgument, FailureKind.InvalidArgument,
                $"{parameter} {path} is on the {provider.Name} provider; a configuration is a file (.psd1 or .json)", path);
        }

        return files.Count switch
        {
            0 => throw new HostAccelException(ConfigurationErrorIds.ConfigurationFileNotFound, FailureKind.ObjectNotFound, $"no configuration file matches {path}", path),
            1 => FromFile(files[0], path, cancellation),
            _ => throw new HostAccelException(ErrorIds.InvalidArgument, FailureKind.InvalidArgument,
                $"{parameter} {path} matches {files.Count} files ({string.Join(", ", files.Take(3))}{(files.Count > 3 ? ", …" : "")}); a configuration is one file", path),
        };
    }

    private static AccelConfiguration FromFile(string file, string path, CancellationToken cancellation = default)
    {
        string extension = System.IO.Path.GetExtension(file);
        if (extension.Equals(".psd1", StringComparison.OrdinalIgnoreCase))
        {
            return ConfigurationReader.Read(ReadDataFile(ConfigurationReader.ReadText(file, cancellation), file), file);
        }

        if (extension.Equals(".json", StringComparison.OrdinalIgnoreCase))
        {
            return ConfigurationReader.ReadFile(file, cancellation);
        }

        throw new HostAccelException(ErrorIds.InvalidArgument, FailureKind.InvalidArgument,
            $"{file} is neither a PowerShell data file (.psd1) nor JSON (.json), the two kinds of configuration file", path);
    }

    /// <summary>
    /// What Import-PowerShellDataFile does: parse without running anything, then take the hashtable literal's value
    /// with SafeGetValue, which refuses variables, commands and other expressions. Stricter in one way: the file
    /// must be that one hashtable and nothing else.
    /// </summary>
    internal static IDictionary ReadDataFile(string text, string file)
    {
        ScriptBlockAst ast = Parser.ParseInput(text, file, out _, out ParseError[] errors);
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

        IDictionary values;
        try
        {
            values = (IDictionary)settings.SafeGetValue();
        }
        catch (InvalidOperationException ex)
        {
            throw ConfigurationReader.Invalid($"{file}: {ex.Message} A data file holds constants only: strings, numbers, $true, $false and arrays of them", file);
        }

        RefuseCode(values, file);
        return values;
    }

    /// <summary>
    /// SafeGetValue lets a script block literal through (it runs nothing, but returns the block): as a setting it
    /// would be read as its text. A configuration holds data, so a script block anywhere in it is refused, by key.
    /// </summary>
    private static void RefuseCode(IDictionary settings, string source)
    {
        foreach (DictionaryEntry setting in settings)
        {
            object? value = setting.Value is PSObject wrapped ? wrapped.BaseObject : setting.Value;
            IEnumerable<object?> items = value is IEnumerable list and not string and not IDictionary ? list.Cast<object?>() : [value];
            if (items.Any(i => (i is PSObject w ? w.BaseObject : i) is ScriptBlock))
            {
                throw ConfigurationReader.Invalid($"{source}: {setting.Key} = {{ … }} is a script block; a configuration holds data (strings, numbers, $true and $false, lists of them), never code", setting.Key);
            }
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

    private static IDictionary RefusingCode(IDictionary settings)
    {
        RefuseCode(settings, "-Configuration");
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
