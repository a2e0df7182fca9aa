using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace HostAccel.PowerShell.Commands.Completers;

/// <summary>What the completers share: reading the parameters bound so far, and turning names into completions.</summary>
internal static class CompletionInput
{
    /// <summary>A bound parameter's values as strings (one for a scalar, each for an array); empty when not bound.</summary>
    public static IReadOnlyList<string> Strings(IDictionary? fakeBoundParameters, string name)
    {
        if (fakeBoundParameters is null || !fakeBoundParameters.Contains(name))
        {
            return [];
        }

        object? value = Unwrap(fakeBoundParameters[name]);
        IEnumerable items = value is IEnumerable enumerable and not string ? enumerable : new[] { value };
        return items.Cast<object?>().Select(Unwrap).OfType<object>()
            .Select(o => Convert.ToString(o, System.Globalization.CultureInfo.InvariantCulture) ?? "")
            .Where(s => s.Length > 0)
            .ToList();
    }

    /// <summary>The one value of a bound parameter, or null.</summary>
    public static string? String(IDictionary? fakeBoundParameters, string name) =>
        Strings(fakeBoundParameters, name) is [string single] ? single : null;

    /// <summary>
    /// Completions of the candidates that start with what was typed (ignoring case and a quote already opened), sorted,
    /// quoted when PowerShell would otherwise read them as something else.
    /// </summary>
    public static IEnumerable<CompletionResult> Complete(IEnumerable<string> candidates, string? wordToComplete, string toolTip)
    {
        string typed = (wordToComplete ?? "").Trim('\'', '"');
        return candidates
            .Where(c => c.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .Select(c => new CompletionResult(Quote(c), c, CompletionResultType.ParameterValue, $"{toolTip}: {c}"))
            .ToList();
    }

    private static string Quote(string text) =>
        text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or ':')
            ? text
            : "'" + CodeGeneration.EscapeSingleQuotedStringContent(text) + "'";

    private static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;
}
