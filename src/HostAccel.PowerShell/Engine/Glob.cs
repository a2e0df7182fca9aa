using System.Text.RegularExpressions;

namespace HostAccel.PowerShell.Engine;

/// <summary>PowerShell's wildcards (* ? [abc]) for name filters, without the PowerShell type that implements them.</summary>
internal static class Glob
{
    public static bool HasWildcards(string pattern) => pattern.AsSpan().IndexOfAny("*?[") >= 0;

    public static bool IsMatch(string value, string? pattern)
    {
        if (pattern is null)
        {
            return true;
        }

        if (!HasWildcards(pattern))
        {
            return string.Equals(value, pattern, StringComparison.OrdinalIgnoreCase);
        }

        string regex = "^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal).Replace(@"\[", "[", StringComparison.Ordinal) + "$";
        return Regex.IsMatch(value, regex, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }
}
