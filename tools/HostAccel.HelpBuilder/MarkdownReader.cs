using System.Text;
using System.Text.RegularExpressions;

namespace HostAccel.HelpBuilder;

/// <summary>
/// Reads a cmdlet page in the platyPS markdown shape (front matter, SYNOPSIS, SYNTAX per parameter set, DESCRIPTION,
/// EXAMPLES, PARAMETERS with a YAML block each, INPUTS, OUTPUTS, NOTES, RELATED LINKS). Only that shape: a page that
/// strays from it is an error naming the file and line, so a typo cannot silently drop help.
/// </summary>
internal static partial class MarkdownReader
{
    public static CommandHelp Read(string path)
    {
        string[] lines = File.ReadAllLines(path);
        int start = SkipFrontMatter(lines);
        CommandHelp? help = null;
        string? section = null;
        string? subsection = null;
        int subsectionLine = 0;
        var body = new List<(string Text, int Line)>();

        void Flush()
        {
            if (help is null || section is null)
            {
                body.Clear();
                return;
            }

            Apply(path, help, section, subsection, subsectionLine, body);
            body.Clear();
        }

        bool inFence = false;
        for (int i = start; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
            }

            if (!inFence && line.StartsWith("# ", StringComparison.Ordinal) && help is null)
            {
                help = new CommandHelp { Name = line[2..].Trim() };
                continue;
            }

            if (!inFence && line.StartsWith("## ", StringComparison.Ordinal))
            {
                Flush();
                section = line[3..].Trim().ToUpperInvariant();
                subsection = null;
                continue;
            }

            if (!inFence && line.StartsWith("### ", StringComparison.Ordinal))
            {
                Flush();
                subsection = line[4..].Trim();
                subsectionLine = i + 1;
                continue;
            }

            body.Add((line, i + 1));
        }

        if (inFence)
        {
            throw new FormatException($"{path}: a code fence is never closed");
        }

        Flush();
        if (help is null)
        {
            throw new FormatException($"{path}: no '# Name' heading");
        }

        return help;
    }

    private static int SkipFrontMatter(string[] lines)
    {
        if (lines.Length == 0 || lines[0].Trim() != "---")
        {
            return 0;
        }

        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Trim() == "---")
            {
                return i + 1;
            }
        }

        throw new FormatException("the front matter is never closed");
    }

    private static void Apply(string path, CommandHelp help, string section, string? subsection, int line,
        List<(string Text, int Line)> body)
    {
        List<Block> blocks = Blocks(path, body);
        switch (section)
        {
            case "SYNOPSIS":
                help.Synopsis = string.Join(" ", blocks.Select(b => b.Text));
                break;
            case "DESCRIPTION":
                help.Description.AddRange(blocks);
                break;
            case "NOTES":
                help.Notes.AddRange(blocks);
                break;
            case "SYNTAX" when subsection is not null:
                help.Syntax.Add(Syntax(path, line, subsection, blocks));
                break;
            case "EXAMPLES" when subsection is not null:
                var example = new Example { Title = subsection };
                example.Blocks.AddRange(blocks);
                help.Examples.Add(example);
                break;
            case "PARAMETERS" when subsection is not null && subsection.StartsWith('-'):
                help.Parameters.Add(Parameter(path, line, subsection[1..], blocks));
                break;
            case "INPUTS" when subsection is not null:
                help.Inputs.Add(new TypeHelp(subsection, blocks));
                break;
            case "OUTPUTS" when subsection is not null:
                help.Outputs.Add(new TypeHelp(subsection, blocks));
                break;
            case "RELATED LINKS":
                help.Links.AddRange(blocks.Select(Link));
                break;
            default:
                // ALIASES, CommonParameters and text between a section heading and its first subsection.
                break;
        }
    }

    /// <summary>Paragraphs (lines joined), list items (one block each) and fenced code blocks (kept verbatim).</summary>
    private static List<Block> Blocks(string path, List<(string Text, int Line)> body)
    {
        var blocks = new List<Block>();
        var paragraph = new StringBuilder();
        void EndParagraph()
        {
            if (paragraph.Length > 0)
            {
                blocks.Add(new Block(Inline(paragraph.ToString())));
                paragraph.Clear();
            }
        }

        for (int i = 0; i < body.Count; i++)
        {
            string text = body[i].Text;
            if (text.StartsWith("```", StringComparison.Ordinal))
            {
                EndParagraph();
                string fence = text[3..].Trim();
                var code = new List<string>();
                for (i++; i < body.Count && !body[i].Text.StartsWith("```", StringComparison.Ordinal); i++)
                {
                    code.Add(body[i].Text);
                }

                if (i == body.Count)
                {
                    throw new FormatException($"{path}:{body[^1].Line}: a code fence is never closed");
                }

                blocks.Add(new Block(string.Join("\n", code), fence));
            }
            else if (string.IsNullOrWhiteSpace(text))
            {
                EndParagraph();
            }
            else if (ListItem().IsMatch(text))
            {
                EndParagraph();
                paragraph.Append(text.Trim());
            }
            else
            {
                if (paragraph.Length > 0)
                {
                    paragraph.Append(' ');
                }

                paragraph.Append(text.Trim());
            }
        }

        EndParagraph();
        return blocks;
    }

    /// <summary>Markdown links become "text (address)"; everything else (backticks included) stays as written.</summary>
    private static string Inline(string text) =>
        MarkdownLink().Replace(text, m => m.Groups[1].Value == m.Groups[2].Value || m.Groups[2].Value.Length == 0
            ? m.Groups[1].Value
            : $"{m.Groups[1].Value} ({m.Groups[2].Value})");

    private static SyntaxSet Syntax(string path, int line, string heading, List<Block> blocks)
    {
        bool isDefault = heading.EndsWith("(Default)", StringComparison.Ordinal);
        string name = isDefault ? heading[..^"(Default)".Length].Trim() : heading;
        Block code = blocks.FirstOrDefault(b => b.IsCode)
            ?? throw new FormatException($"{path}:{line}: syntax '{heading}' has no code block");
        var order = SyntaxParameter().Matches(code.Text).Select(m => m.Groups[1].Value).ToList();
        return new SyntaxSet(name, isDefault, order);
    }

    private static ParameterHelp Parameter(string path, int line, string name, List<Block> blocks)
    {
        var parameter = new ParameterHelp { Name = name };
        Block yaml = blocks.FirstOrDefault(b => b.Fence == "yaml")
            ?? throw new FormatException($"{path}:{line}: parameter -{name} has no yaml block");
        parameter.Description.AddRange(blocks.Where(b => !ReferenceEquals(b, yaml)));
        ReadYaml(path, line, parameter, yaml.Text);
        return parameter;
    }

    /// <summary>The subset of YAML platyPS writes for a parameter: scalars, lists of scalars, ParameterSets' maps.</summary>
    private static void ReadYaml(string path, int line, ParameterHelp parameter, string yaml)
    {
        string? listKey = null;
        Dictionary<string, string>? set = null;
        void EndSet()
        {
            if (set is null)
            {
                return;
            }

            parameter.Sets.Add(new ParameterSetMembership(
                set.GetValueOrDefault("Name", "(All)"),
                set.GetValueOrDefault("Position", "Named"),
                Bool(set, "IsRequired"),
                Bool(set, "ValueFromPipeline"),
                Bool(set, "ValueFromPipelineByPropertyName"),
                Bool(set, "ValueFromRemainingArguments")));
            set = null;
        }

        foreach (string raw in yaml.Split('\n'))
        {
            if (string.IsNullOrWhiteSpace(raw))
            {
                continue;
            }

            if (raw.StartsWith("- ", StringComparison.Ordinal) && listKey is not null)
            {
                string item = raw[2..].Trim();
                if (listKey == "ParameterSets")
                {
                    EndSet();
                    set = [];
                    AddPair(set, item);
                }
                else if (listKey == "Aliases")
                {
                    parameter.Aliases.Add(Unquote(item));
                }

                continue;
            }

            if (raw.StartsWith(' ') && set is not null)
            {
                AddPair(set, raw.Trim());
                continue;
            }

            EndSet();
            int colon = raw.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                throw new FormatException($"{path}:{line}: parameter -{parameter.Name}: cannot read '{raw}'");
            }

            string key = raw[..colon].Trim();
            string value = raw[(colon + 1)..].Trim();
            listKey = value.Length == 0 ? key : null;
            switch (key)
            {
                case "Type":
                    parameter.Type = value;
                    break;
                case "DefaultValue":
                    parameter.DefaultValue = Unquote(value);
                    break;
                case "SupportsWildcards":
                    parameter.SupportsWildcards = value.Equals("true", StringComparison.OrdinalIgnoreCase);
                    break;
                default:
                    break;
            }
        }

        EndSet();
        if (parameter.Sets.Count == 0)
        {
            throw new FormatException($"{path}:{line}: parameter -{parameter.Name} names no ParameterSets");
        }
    }

    private static void AddPair(Dictionary<string, string> map, string pair)
    {
        int colon = pair.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0)
        {
            map[pair[..colon].Trim()] = Unquote(pair[(colon + 1)..].Trim());
        }
    }

    private static bool Bool(Dictionary<string, string> map, string key) =>
        map.TryGetValue(key, out string? value) && value.Equals("true", StringComparison.OrdinalIgnoreCase);

    private static string Unquote(string value)
    {
        if (value.Length >= 2 && value[0] == '\'' && value[^1] == '\'')
        {
            return value[1..^1].Replace("''", "'", StringComparison.Ordinal);
        }

        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
        {
            return value[1..^1];
        }

        return value;
    }

    private static Link Link(Block block)
    {
        string text = ListItem().Replace(block.Text, "");
        Match link = LinkOnly().Match(text);
        if (link.Success)
        {
            return new Link(link.Groups[1].Value, link.Groups[2].Value);
        }

        return Uri.TryCreate(text, UriKind.Absolute, out _) ? new Link(text, text) : new Link(text, "");
    }

    [GeneratedRegex(@"^\s*([-*]|\d+\.)\s+")]
    private static partial Regex ListItem();

    [GeneratedRegex(@"\[([^\]]+)\]\(([^)]*)\)")]
    private static partial Regex MarkdownLink();

    // The link of a RELATED LINKS item after Inline() turned it into "text (address)".
    [GeneratedRegex(@"^(.*?) \(([a-z]+://[^)]*)\)$")]
    private static partial Regex LinkOnly();

    [GeneratedRegex(@"(?<=[\s\[])-([A-Za-z][A-Za-z0-9]*)\b")]
    private static partial Regex SyntaxParameter();
}
