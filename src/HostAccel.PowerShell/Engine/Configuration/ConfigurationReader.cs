using System.Collections;
using System.Globalization;
using System.Text.Json;
using HostAccel.Native;
using HostAccel.Native.Interop;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine.Configuration;

/// <summary>
/// Turns a configuration written by a person — a hashtable (a .psd1 file, a PowerShell literal, an object
/// deserialized by Invoke-Command) or a JSON document — into an <see cref="AccelConfiguration"/>, checked and
/// normalized by <see cref="ConfigurationValidator"/>. Keys are the configuration's property names, in any case;
/// an unknown key is an error rather than silently ignored, because a misspelt key would otherwise drop a setting.
/// </summary>
internal static class ConfigurationReader
{
    private static readonly Dictionary<string, Func<AccelConfiguration, object?, AccelConfiguration>> Setters =
        new(StringComparer.OrdinalIgnoreCase)
        {
            [nameof(AccelConfiguration.TableName)] = (c, v) => c with { TableName = Text(v, nameof(c.TableName)) },
            [nameof(AccelConfiguration.SetName)] = (c, v) => c with { SetName = Text(v, nameof(c.SetName)) },
            [nameof(AccelConfiguration.ExternalIPSetName)] = (c, v) => c with { ExternalIPSetName = Text(v, nameof(c.ExternalIPSetName)) },
            [nameof(AccelConfiguration.PeerNodeSetName)] = (c, v) => c with { PeerNodeSetName = Text(v, nameof(c.PeerNodeSetName)) },
            [nameof(AccelConfiguration.FlowtableName)] = (c, v) => c with { FlowtableName = Text(v, nameof(c.FlowtableName)) },
            [nameof(AccelConfiguration.ChainName)] = (c, v) => c with { ChainName = Text(v, nameof(c.ChainName)) },
            [nameof(AccelConfiguration.GatewayInterface)] = (c, v) => c with { GatewayInterface = Text(v, nameof(c.GatewayInterface)) },
            [nameof(AccelConfiguration.TransportInterface)] = (c, v) => c with { TransportInterface = v is null ? "" : Text(v, nameof(c.TransportInterface)) },
            [nameof(AccelConfiguration.Devices)] = (c, v) => c with { Devices = List(v, nameof(c.Devices)) },
            [nameof(AccelConfiguration.Family)] = (c, v) => c with { Family = Families(v) },
            [nameof(AccelConfiguration.LocalPodCidr)] = (c, v) => c with { LocalPodCidr = List(v, nameof(c.LocalPodCidr)) },
            [nameof(AccelConfiguration.PeerPodCidr)] = (c, v) => c with { PeerPodCidr = List(v, nameof(c.PeerPodCidr)) },
            [nameof(AccelConfiguration.Traffic)] = (c, v) => c with { Traffic = Traffic(v) },
            [nameof(AccelConfiguration.Mode)] = (c, v) => c with { Mode = Mode(v) },
            [nameof(AccelConfiguration.ExternalIP)] = (c, v) => c with { ExternalIP = List(v, nameof(c.ExternalIP)) },
            [nameof(AccelConfiguration.PeerNodeIP)] = (c, v) => c with { PeerNodeIP = List(v, nameof(c.PeerNodeIP)) },
            [nameof(AccelConfiguration.ServiceSnatAddress)] = (c, v) => c with { ServiceSnatAddress = List(v, nameof(c.ServiceSnatAddress)) },
            [nameof(AccelConfiguration.NodePortDnatAddress)] = (c, v) => c with { NodePortDnatAddress = List(v, nameof(c.NodePortDnatAddress)) },
            [nameof(AccelConfiguration.Priority)] = (c, v) => c with { Priority = Integer(v, nameof(c.Priority)) },
            [nameof(AccelConfiguration.Counter)] = (c, v) => c with { Counter = Boolean(v, nameof(c.Counter)) },
            [nameof(AccelConfiguration.HardwareOffload)] = (c, v) => c with { HardwareOffload = Boolean(v, nameof(c.HardwareOffload)) },
            [nameof(AccelConfiguration.OffloadThreshold)] = (c, v) => c with { OffloadThreshold = Integer(v, nameof(c.OffloadThreshold)) },

            // What Get-AccelConfiguration adds: read back, it names where it came from; it is not part of the state.
            [nameof(AccelConfiguration.NetworkNamespace)] = (c, _) => c,

            // What ConvertTo-AccelConfiguration adds: the Node a configuration is for, kept as it travels to that Node.
            [nameof(AccelConfiguration.NodeName)] = (c, v) => c with { NodeName = v is null ? null : Text(v, nameof(c.NodeName)) },
            [nameof(AccelConfiguration.NodeIP)] = (c, v) => c with { NodeIP = List(v, nameof(c.NodeIP)) },
        };

    /// <summary>Keys that say where a configuration goes or came from, not what the kernel holds.</summary>
    private static readonly string[] NotState = [nameof(AccelConfiguration.NetworkNamespace), nameof(AccelConfiguration.NodeName), nameof(AccelConfiguration.NodeIP)];

    /// <summary>Reads a hashtable (or any dictionary) of settings; <paramref name="source"/> names it in errors.</summary>
    public static AccelConfiguration Read(IDictionary values, string source)
    {
        ArgumentNullException.ThrowIfNull(values);
        var configuration = new AccelConfiguration();
        var given = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in values)
        {
            string key = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "";
            if (!Setters.TryGetValue(key, out var set))
            {
                throw Invalid($"{source}: '{key}' is not a configuration setting; the settings are {string.Join(", ", Setters.Keys.Where(k => !NotState.Contains(k)))}", key);
            }

            // Keys are read in any case, so a dictionary that keeps 'TableName' and 'tablename' apart (a case-sensitive
            // hashtable) gives one setting twice: which one should win is not for the reader to guess.
            if (!given.TryAdd(key, key))
            {
                throw Invalid($"{source}: '{given[key]}' and '{key}' are the same setting (keys are read in any case), given twice", key);
            }

            configuration = set(configuration, entry.Value);
        }

        return ConfigurationValidator.Validate(configuration);
    }

    /// <summary>Reads a JSON object, such as ConvertTo-Json writes from a configuration.</summary>
    public static AccelConfiguration ReadJson(string json, string source)
    {
        JsonElement root;
        try
        {
            using JsonDocument document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            root = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw Invalid($"{source} is not valid JSON: {ex.Message}", source);
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Invalid($"{source} must hold a JSON object of settings, not a {root.ValueKind.ToString().ToLowerInvariant()}", source);
        }

        return Read((IDictionary)FromJson(root)!, source);
    }

    /// <summary>Reads a .json file; .psd1 files are read by the cmdlets, which have PowerShell's parser.</summary>
    public static AccelConfiguration ReadFile(string path, CancellationToken cancellation = default) => ReadJson(ReadText(path, cancellation), path);

    /// <summary>
    /// The text of a configuration file: a regular file (a link is judged by its target) of at most
    /// <see cref="MaxFileBytes"/>, read without blocking on a FIFO or running on through a device, and stoppable. A
    /// byte order mark picks the encoding, UTF-8 otherwise.
    /// </summary>
    public static string ReadText(string path, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            bytes = RegularFile.ReadAll(path, MaxFileBytes, cancellation);
        }
        catch (SystemCallException ex) when (ex.Errno is Errno.ENOENT or Errno.ENOTDIR)
        {
            throw new HostAccelException(ConfigurationErrorIds.ConfigurationFileNotFound, FailureKind.ObjectNotFound, $"there is no configuration file {path}", path, ex);
        }
        catch (NotARegularFileException ex)
        {
            throw new HostAccelException(ConfigurationErrorIds.ConfigurationFileNotRegular, FailureKind.InvalidArgument,
                $"{path}{Target(path)} is {ex.Kind}, not a regular file: a configuration is read from a regular file only", path, ex);
        }
        catch (FileTooLargeException ex)
        {
            throw new HostAccelException(ConfigurationErrorIds.ConfigurationFileTooLarge, FailureKind.InvalidArgument,
                $"{path}{Target(path)} holds {(ex.Size > ex.Limit ? "more than " : "")}{MaxFileBytes / (1024 * 1024)} MiB; a configuration file is at most {MaxFileBytes / (1024 * 1024)} MiB ({MaxFileBytes} bytes)", path, ex);
        }
        catch (SystemCallException ex)
        {
            throw Failures.From(ex, path);
        }

        using var reader = new StreamReader(new MemoryStream(bytes), new System.Text.UTF8Encoding(false), detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    /// <summary>64 MiB: far above a configuration of 100 000 CIDRs per family (about 5 MB), far below what hurts.</summary>
    public const long MaxFileBytes = 64L * 1024 * 1024;

    /// <summary>" (a link to …)" when the path is a symbolic link, so the error names what was actually found.</summary>
    private static string Target(string path)
    {
        try
        {
            return File.ResolveLinkTarget(path, returnFinalTarget: true) is FileSystemInfo target ? $" (a link to {target.FullName})" : "";
        }
        catch (IOException)
        {
            return "";
        }
    }

    internal static object? FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().Aggregate(new Hashtable(StringComparer.OrdinalIgnoreCase), (table, p) =>
        {
            if (table.ContainsKey(p.Name))
            {
                throw Invalid($"'{p.Name}' is given twice", p.Name);
            }

            table[p.Name] = FromJson(p.Value);
            return table;
        }),
        JsonValueKind.Array => element.EnumerateArray().Select(FromJson).ToArray(),
        JsonValueKind.String => element.GetString(),
        // Boxed apart: a conditional of long and double would make every number a double, and 9 would not be a traffic type.
        JsonValueKind.Number => element.TryGetInt64(out long n) ? n : (object)element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    /// <summary>A string, as it is; an address object as its text. Nothing else is turned into a string silently.</summary>
    private static string Text(object? value, string key) => value switch
    {
        string s => s,
        System.Net.IPAddress address => address.ToString(),
        null => throw Invalid($"{key} needs a value", key),
        IEnumerable and not string => throw Invalid($"{key} takes one name, not a list", key),
        _ => throw Invalid($"{key} takes a string, not {Describe(value)}", key),
    };

    /// <summary>A value of the wrong type, for an error: a script block by what it is, anything else by type and text.</summary>
    internal static string Describe(object value) => value.GetType().Name == "ScriptBlock"
        ? "a script block { … }: a configuration holds data, never code"
        : $"the {value.GetType().Name} '{value}'";

    private static List<string> List(object? value, string key) => value switch
    {
        null => [],
        string s => s.Length == 0 ? [] : [s],
        IEnumerable items => items.Cast<object?>().Select(i => i is null ? throw Invalid($"{key} holds an empty entry", key) : Text(i, key)).ToList(),
        _ => [Text(value, key)],
    };

    /// <summary>
    /// A whole number: an integer of any width, a string of one, or a floating-point number with nothing after the
    /// point (2.0). 1.5 is refused rather than rounded: the kernel would get a priority nobody wrote.
    /// </summary>
    private static int Integer(object? value, string key)
    {
        try
        {
            return value switch
            {
                string s => int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture),
                _ when WholeNumber(value) is long n => checked((int)n),
                ulong u => checked((int)u),
                double d when double.IsFinite(d) && Math.Floor(d) == d => checked((int)d),
                float f when float.IsFinite(f) && MathF.Floor(f) == f => checked((int)f),
                decimal m when decimal.Floor(m) == m => decimal.ToInt32(m),
                _ => throw new FormatException(),
            };
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or InvalidCastException)
        {
            throw Invalid($"{key} must be a whole number, not {(value is null or string or IConvertible ? $"'{value}'" : Describe(value))}", value);
        }
    }

    private static bool Boolean(object? value, string key) => value switch
    {
        bool b => b,
        string s when bool.TryParse(s, out bool b) => b,
        _ when WholeNumber(value) is long n and (0 or 1) => n != 0,
        _ => throw Invalid($"{key} must be $true or $false, not {(value is null or string or IConvertible ? $"'{value}'" : Describe(value))}", value),
    };

    /// <summary>"ip", "ip6" (or a list of them), in any case, or the numbers ConvertTo-Json writes (2, 10).</summary>
    private static List<AccelFamily> Families(object? value)
    {
        IEnumerable<object?> parts = value switch
        {
            null => [],
            string s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            IEnumerable items => items.Cast<object?>(),
            _ => [value],
        };
        return parts.Select(part => part switch
        {
            AccelFamily f => f,
            string name when Enum.GetNames<AccelFamily>().FirstOrDefault(n => n.Equals(name, StringComparison.OrdinalIgnoreCase)) is string known => Enum.Parse<AccelFamily>(known),
            _ when WholeNumber(part) is long n && n is (long)AccelFamily.Ip or (long)AccelFamily.Ip6 => (AccelFamily)(byte)n,
            _ => throw Invalid($"'{part}' is not a family; the families are ip and ip6", part),
        }).Distinct().ToList();
    }

    /// <summary>"Flowtable" or "TrafficControl" (any case), or the number ConvertTo-Json writes.</summary>
    private static AccelMode Mode(object? value) => value switch
    {
        AccelMode m => m,
        string s when Enum.TryParse(s, ignoreCase: true, out AccelMode named) && !s.Any(char.IsAsciiDigit) && Enum.IsDefined(named) => named,
        _ when WholeNumber(value) is long n && Enum.IsDefined((AccelMode)n) => (AccelMode)n,
        _ => throw Invalid($"'{value}' is not a mode; the modes are {string.Join(", ", Enum.GetNames<AccelMode>())}", value),
    };

    /// <summary>A name ("PodToPod"), a list of names (array or "A, B"), or the number ConvertTo-Json writes.</summary>
    internal static AccelTraffic Traffic(object? value)
    {
        IEnumerable<object?> parts = value switch
        {
            null => [],
            string s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            IEnumerable items => items.Cast<object?>(),
            _ => [value],
        };
        AccelTraffic traffic = AccelTraffic.None;
        foreach (object? part in parts)
        {
            if (part is AccelTraffic t)
            {
                traffic |= t;
            }
            else if (part is string name && Enum.TryParse(name, ignoreCase: true, out AccelTraffic named) && !name.Any(char.IsAsciiDigit))
            {
                traffic |= named;
            }
            else if (WholeNumber(part) is long n && n >= 0 && (n & ~(long)AccelTraffic.All) == 0)
            {
                traffic |= (AccelTraffic)n;
            }
            else
            {
                throw Invalid($"'{part}' is not a traffic type; the types are {string.Join(", ", Enum.GetNames<AccelTraffic>())}", part);
            }
        }

        return traffic;
    }

    /// <summary>
    /// An integer of any width: JSON gives long, a hashtable literal int, and a deserialized enum the width of its
    /// underlying type (AccelFamily arrives from Invoke-Command as a byte).
    /// </summary>
    private static long? WholeNumber(object? value) => value switch
    {
        byte or sbyte or short or ushort or int or uint or long => Convert.ToInt64(value, CultureInfo.InvariantCulture),
        _ => null,
    };

    internal static HostAccelException Invalid(string message, object? target) =>
        new(ErrorIds.InvalidConfiguration, FailureKind.InvalidArgument, message, target);
}

/// <summary>The configuration file's own failures (to join ErrorIds).</summary>
internal static class ConfigurationErrorIds
{
    public const string ConfigurationFileNotFound = nameof(ConfigurationFileNotFound);
    public const string ConfigurationFileNotRegular = nameof(ConfigurationFileNotRegular);
    public const string ConfigurationFileTooLarge = nameof(ConfigurationFileTooLarge);
}
