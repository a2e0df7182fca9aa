namespace HostAccel.PowerShell.Engine;

/// <summary>
/// Name filters. nf_tables names are case-sensitive bytes, so a name without wildcards matches exactly that name
/// (ordinal; a backtick escapes a wildcard character, as PowerShell's do: -Name 'a`*' is the table "a*"). A name
/// with wildcards is a PowerShell wildcard pattern (System.Management.Automation.WildcardPattern with no options —
/// case-sensitive): '*' any run, '?' one character, '[abc]' and '[a-c]' one of a set, '`' the escape; an invalid
/// pattern ('[' unclosed, a range running backwards) is refused with WildcardPattern's own message. The semantics
/// are PowerShell's, re-implemented here without PowerShell's type (the engine runs without it in its tests) and
/// without regular expressions: the match is linear in the name for each '*', so no pattern can make it slow.
/// </summary>
internal static class Glob
{
    private const char Escape = '`';

    /// <summary>WildcardPattern.ContainsWildcardCharacters: an unescaped '*', '?', '[' or ']'.</summary>
    public static bool HasWildcards(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        for (int i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] is '*' or '?' or '[' or ']')
            {
                return true;
            }

            if (pattern[i] == Escape)
            {
                i++;
            }
        }

        return false;
    }

    /// <summary>WildcardPattern.Unescape: the literal name a pattern without wildcards stands for.</summary>
    public static string Unescape(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var text = new System.Text.StringBuilder(pattern.Length);
        bool escaped = false;
        foreach (char c in pattern)
        {
            if (c == Escape)
            {
                if (escaped)
                {
                    text.Append(c);
                }

                escaped = !escaped;
                continue;
            }

            if (escaped && c is not ('*' or '?' or '[' or ']'))
            {
                text.Append(Escape);
            }

            text.Append(c);
            escaped = false;
        }

        if (escaped)
        {
            text.Append(Escape);
        }

        return text.ToString();
    }

    /// <summary>Whether <paramref name="value"/> matches; a null pattern matches everything.</summary>
    /// <exception cref="HostAccelException">InvalidArgument: the pattern is not a valid wildcard pattern.</exception>
    public static bool IsMatch(string value, string? pattern)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (pattern is null)
        {
            return true;
        }

        return HasWildcards(pattern) ? Matches(value, Parse(pattern)) : string.Equals(value, Unescape(pattern), StringComparison.Ordinal);
    }

    /// <summary>Checks a pattern without matching anything, so that a bad one fails even when there is nothing to match.</summary>
    public static void Validate(string? pattern)
    {
        if (pattern is not null && HasWildcards(pattern))
        {
            _ = Parse(pattern);
        }
    }

    private enum Kind
    {
        Literal,
        AnyRun,
        AnyOne,
        Set,
    }

    private readonly record struct Element(Kind Kind, char Literal = default, (char Low, char High)[]? Ranges = null)
    {
        public bool Accepts(char c) => Kind switch
        {
            Kind.Literal => c == Literal,
            Kind.AnyOne => true,
            Kind.Set => Array.Exists(Ranges!, r => c >= r.Low && c <= r.High),
            _ => false,
        };
    }

    /// <summary>WildcardPatternParser.Parse's reading of a pattern, element by element.</summary>
    private static List<Element> Parse(string pattern)
    {
        var elements = new List<Element>();
        bool escaped = false, inSet = false, setJustOpened = false;
        var contents = new System.Text.StringBuilder();
        var operators = new System.Text.StringBuilder();
        foreach (char c in pattern)
        {
            if (inSet)
            {
                if (c == ']' && !setJustOpened && !escaped)
                {
                    inSet = false;
                    elements.Add(Set(contents.ToString(), operators.ToString(), pattern));
                    contents.Clear();
                    operators.Clear();
                }
                else if (c != Escape || escaped)
                {
                    contents.Append(c);
                    operators.Append(c == '-' && !escaped ? '-' : ' ');
                }

                setJustOpened = false;
            }
            else if (c == '*' && !escaped)
            {
                elements.Add(new Element(Kind.AnyRun));
            }
            else if (c == '?' && !escaped)
            {
                elements.Add(new Element(Kind.AnyOne));
            }
            else if (c == '[' && !escaped)
            {
                inSet = true;
                setJustOpened = true;
            }
            else if (c != Escape || escaped)
            {
                elements.Add(new Element(Kind.Literal, c));
            }

            escaped = c == Escape && !escaped;
        }

        if (inSet)
        {
            throw Invalid(pattern);
        }

        if (escaped && pattern != "`")
        {
            elements.Add(new Element(Kind.Literal, Escape));
        }

        return elements;
    }

    /// <summary>A bracket expression: literal characters and ranges (a '-' between two characters, unescaped).</summary>
    private static Element Set(string contents, string operators, string pattern)
    {
        var ranges = new List<(char, char)>();
        int i = 0;
        while (i < contents.Length)
        {
            if (i + 2 < contents.Length && operators[i + 1] == '-')
            {
                char low = contents[i], high = contents[i + 2];
                if (low > high)
                {
                    throw Invalid(pattern);
                }

                ranges.Add((low, high));
                i += 3;
            }
            else
            {
                ranges.Add((contents[i], contents[i]));
                i++;
            }
        }

        return new Element(Kind.Set, Ranges: ranges.ToArray());
    }

    /// <summary>
    /// Every element but '*' takes exactly one character, so a match needs to remember only the last '*' seen: on a
    /// mismatch the run of that '*' grows by one and matching resumes after it.
    /// </summary>
    private static bool Matches(string value, List<Element> elements)
    {
        int v = 0, e = 0, starElement = -1, starValue = 0;
        while (v < value.Length)
        {
            if (e < elements.Count && elements[e].Kind == Kind.AnyRun)
            {
                starElement = e++;
                starValue = v;
            }
            else if (e < elements.Count && elements[e].Accepts(value[v]))
            {
                e++;
                v++;
            }
            else if (starElement >= 0)
            {
                e = starElement + 1;
                v = ++starValue;
            }
            else
            {
                return false;
            }
        }

        while (e < elements.Count && elements[e].Kind == Kind.AnyRun)
        {
            e++;
        }

        return e == elements.Count;
    }

    private static HostAccelException Invalid(string pattern) =>
        new(ErrorIds.InvalidArgument, FailureKind.InvalidArgument, $"The specified wildcard character pattern is not valid: {pattern}", pattern);
}
