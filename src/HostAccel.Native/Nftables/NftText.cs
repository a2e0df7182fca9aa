using System.Globalization;
using System.Text;

namespace HostAccel.Native.Nftables;

/// <summary>Small pieces of nft's syntax shared by the objects' ToString().</summary>
public static class NftText
{
    /// <summary>
    /// A name (table, chain, set, flowtable, device) as it goes into a statement: as it is when nft's scanner reads it
    /// as one plain word (its <c>string</c> token: a letter, '_' or '.', then letters, digits, '/', '-', '_', '.'),
    /// which is how nft itself prints names; otherwise double-quoted by <see cref="Quote"/>. nft (1.0.6 and later
    /// alike) takes no quoted names where it expects an identifier, so a statement with such a name is refused whole
    /// when pasted — never read as two statements or as a different one.
    /// </summary>
    public static string Name(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return IsPlainWord(name) ? name : Quote(name);
    }

    /// <summary>
    /// A double-quoted nft string (comments, device names in <c>iif "…"</c>), exactly as nft writes it when nft could
    /// write it. nft has no escapes, so a text it cannot hold inside quotes — one with a double quote, a line break or
    /// another control or invisible formatting character — is written with escapes that cannot end the string or the
    /// line: a double quote as <c>\x22</c>, line breaks and tabs as <c>\n</c>, <c>\r</c>, <c>\t</c>, others as
    /// <c>\xHH</c> or <c>\u{HHHH}</c>, and then (only then) a backslash as <c>\\</c>. The text printed is always one
    /// line with exactly two double quotes.
    /// </summary>
    public static string Quote(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!NeedsAnyEscape(text))
        {
            return $"\"{text}\"";
        }

        var quoted = new StringBuilder(text.Length + 2);
        quoted.Append('"');
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            switch (c)
            {
                case '"':
                    quoted.Append(@"\x22");
                    break;
                case '\\':
                    quoted.Append(@"\\");
                    break;
                case '\n':
                    quoted.Append(@"\n");
                    break;
                case '\r':
                    quoted.Append(@"\r");
                    break;
                case '\t':
                    quoted.Append(@"\t");
                    break;
                case < ' ' or '\x7f':
                    quoted.Append(CultureInfo.InvariantCulture, $@"\x{(int)c:x2}");
                    break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        quoted.Append(c).Append(text[++i]);
                    }
                    else if (NeedsEscape(c))
                    {
                        quoted.Append(CultureInfo.InvariantCulture, $@"\u{{{(int)c:x4}}}");
                    }
                    else
                    {
                        quoted.Append(c);
                    }

                    break;
            }
        }

        return quoted.Append('"').ToString();
    }

    /// <summary>nft's scanner's <c>string</c> token: ({letter}|[_.])({letter}|{digit}|[/\-_\.])*.</summary>
    internal static bool IsPlainWord(string name)
    {
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] is '_' or '.'))
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '/' or '-' or '_' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The index of the first character <see cref="Quote"/> would have to escape — one nft cannot write inside
    /// quotes, or that would end or hide part of a line — or -1 when there is none.
    /// </summary>
    public static int IndexOfUnwritable(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (c == '"' || NeedsEscape(c))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool NeedsAnyEscape(string text) => IndexOfUnwritable(text) >= 0;

    /// <summary>
    /// Characters that would end or hide part of a line when printed: controls, line and paragraph separators,
    /// invisible formatting (bidirectional overrides …), and a surrogate without its pair.
    /// </summary>
    private static bool NeedsEscape(char c) =>
        char.IsControl(c) || char.IsSurrogate(c) || CharUnicodeInfo.GetUnicodeCategory(c) is
            UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    /// <summary>
    /// A priority as nft prints it: a standard name, or a name with an offset of at most 10, where nft allows that
    /// name on the hook (dstnat only on prerouting, srcnat only on postrouting; a flowtable's netdev ingress hook
    /// knows only filter); a plain number otherwise.
    /// </summary>
    public static string Priority(int priority, Objects.ChainHook? hook)
    {
        (string Name, int Value)[] names = hook switch
        {
            null => [("filter", 0)],
            Objects.ChainHook.Prerouting => [("raw", -300), ("mangle", -150), ("dstnat", -100), ("filter", 0), ("security", 50)],
            Objects.ChainHook.Postrouting => [("raw", -300), ("mangle", -150), ("filter", 0), ("security", 50), ("srcnat", 100)],
            _ => [("raw", -300), ("mangle", -150), ("filter", 0), ("security", 50)],
        };
        foreach ((string name, int value) in names)
        {
            if (priority == value)
            {
                return name;
            }
        }

        foreach ((string name, int value) in names)
        {
            long delta = (long)priority - value;
            if (Math.Abs(delta) <= 10)
            {
                return delta > 0 ? $"{name} + {delta}" : $"{name} - {-delta}";
            }
        }

        return priority.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Parses a priority as nft accepts it: a number, or a standard name with an optional offset.</summary>
    public static bool TryParsePriority(string? text, out int priority)
    {
        priority = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        string[] parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 1 && int.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out priority))
        {
            return true;
        }

        int? baseValue = parts[0].ToLowerInvariant() switch
        {
            "raw" => -300,
            "mangle" => -150,
            "dstnat" => -100,
            "filter" => 0,
            "security" => 50,
            "srcnat" => 100,
            _ => null,
        };
        if (baseValue is null)
        {
            return false;
        }

        if (parts.Length == 1)
        {
            priority = baseValue.Value;
            return true;
        }

        if (parts.Length == 3 && parts[1] is "+" or "-" && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out int offset))
        {
            priority = baseValue.Value + (parts[1] == "+" ? offset : -offset);
            return true;
        }

        return false;
    }
}
