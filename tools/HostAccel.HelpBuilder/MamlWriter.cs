using System.Text;
using System.Xml;

namespace HostAccel.HelpBuilder;

/// <summary>
/// Writes commands as MAML, the XML that Get-Help reads for binary cmdlets (the shape platyPS and PowerShell's own
/// modules ship): details and synopsis, description, one syntax item per parameter set, parameters with their
/// required/position/pipeline attributes, inputs, outputs, notes, examples and related links.
/// </summary>
internal static class MamlWriter
{
    private const string Msh = "http://msh";
    private const string Maml = "http://schemas.microsoft.com/maml/2004/10";
    private const string Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private const string Dev = "http://schemas.microsoft.com/maml/dev/2004/10";
    private const string MsHelp = "http://msdn.microsoft.com/mshelp";

    public static void Write(IEnumerable<CommandHelp> commands, Stream output)
    {
        var settings = new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false), NewLineChars = "\n" };
        using var xml = XmlWriter.Create(output, settings);
        xml.WriteStartDocument();
        xml.WriteStartElement("helpItems", Msh);
        xml.WriteAttributeString("schema", "maml");
        foreach (CommandHelp command in commands)
        {
            WriteCommand(xml, command);
        }

        xml.WriteEndElement();
        xml.WriteEndDocument();
    }

    private static void WriteCommand(XmlWriter xml, CommandHelp help)
    {
        xml.WriteStartElement("command", "command", Command);
        xml.WriteAttributeString("xmlns", "maml", null, Maml);
        xml.WriteAttributeString("xmlns", "command", null, Command);
        xml.WriteAttributeString("xmlns", "dev", null, Dev);
        xml.WriteAttributeString("xmlns", "MSHelp", null, MsHelp);

        xml.WriteStartElement("command", "details", Command);
        xml.WriteElementString("command", "name", Command, help.Name);
        int dash = help.Name.IndexOf('-', StringComparison.Ordinal);
        xml.WriteElementString("command", "verb", Command, dash > 0 ? help.Name[..dash] : help.Name);
        xml.WriteElementString("command", "noun", Command, dash > 0 ? help.Name[(dash + 1)..] : "");
        Description(xml, [new Block(help.Synopsis)]);
        xml.WriteEndElement();

        Description(xml, help.Description);

        xml.WriteStartElement("command", "syntax", Command);
        foreach (SyntaxSet set in help.Syntax.OrderByDescending(s => s.IsDefault))
        {
            xml.WriteStartElement("command", "syntaxItem", Command);
            xml.WriteElementString("maml", "name", Maml, help.Name);
            foreach (string name in set.ParameterOrder)
            {
                ParameterHelp parameter = help.Parameters.FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
                    ?? throw new FormatException($"{help.Name}: syntax '{set.Name}' names -{name}, which PARAMETERS does not describe");
                ParameterSetMembership membership = parameter.In(set.Name)
                    ?? throw new FormatException($"{help.Name}: -{name} is in syntax '{set.Name}' but not in that parameter set");
                WriteParameter(xml, parameter, membership);
            }

            xml.WriteEndElement();
        }

        xml.WriteEndElement();

        xml.WriteStartElement("command", "parameters", Command);
        foreach (ParameterHelp parameter in help.Parameters)
        {
            string? firstSet = help.Syntax.OrderByDescending(s => s.IsDefault)
                .FirstOrDefault(s => s.ParameterOrder.Contains(parameter.Name, StringComparer.OrdinalIgnoreCase))?.Name;
            WriteParameter(xml, parameter, (firstSet is null ? null : parameter.In(firstSet)) ?? parameter.Sets[0]);
        }

        xml.WriteEndElement();

        WriteTypes(xml, "inputTypes", "inputType", help.Inputs);
        WriteTypes(xml, "returnValues", "returnValue", help.Outputs);

        xml.WriteStartElement("maml", "alertSet", Maml);
        xml.WriteStartElement("maml", "alert", Maml);
        Paragraphs(xml, help.Notes);
        xml.WriteEndElement();
        xml.WriteEndElement();

        xml.WriteStartElement("command", "examples", Command);
        foreach (Example example in help.Examples)
        {
            WriteExample(xml, example);
        }

        xml.WriteEndElement();

        xml.WriteStartElement("command", "relatedLinks", Command);
        foreach (Link link in help.Links)
        {
            xml.WriteStartElement("maml", "navigationLink", Maml);
            xml.WriteElementString("maml", "linkText", Maml, link.Text);
            xml.WriteElementString("maml", "uri", Maml, link.Uri);
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
        xml.WriteEndElement();
    }

    private static void WriteParameter(XmlWriter xml, ParameterHelp parameter, ParameterSetMembership set)
    {
        xml.WriteStartElement("command", "parameter", Command);
        xml.WriteAttributeString("required", Bool(set.IsRequired));
        xml.WriteAttributeString("variableLength", "true");
        xml.WriteAttributeString("globbing", Bool(parameter.SupportsWildcards));
        xml.WriteAttributeString("pipelineInput", Pipeline(set));
        xml.WriteAttributeString("position", set.Position.Equals("Named", StringComparison.OrdinalIgnoreCase) ? "named" : set.Position);
        xml.WriteAttributeString("aliases", parameter.Aliases.Count == 0 ? "none" : string.Join(", ", parameter.Aliases));
        xml.WriteElementString("maml", "name", Maml, parameter.Name);
        Description(xml, parameter.Description);
        if (!parameter.IsSwitch)
        {
            xml.WriteStartElement("command", "parameterValue", Command);
            xml.WriteAttributeString("required", "true");
            xml.WriteAttributeString("variableLength", "false");
            xml.WriteString(ShortTypeName(parameter.Type));
            xml.WriteEndElement();
        }

        xml.WriteStartElement("dev", "type", Dev);
        xml.WriteElementString("maml", "name", Maml, parameter.Type);
        xml.WriteElementString("maml", "uri", Maml, "");
        xml.WriteEndElement();
        xml.WriteElementString("dev", "defaultValue", Dev, parameter.DefaultValue ?? "None");
        xml.WriteEndElement();
    }

    private static void WriteTypes(XmlWriter xml, string list, string item, List<TypeHelp> types)
    {
        xml.WriteStartElement("command", list, Command);
        foreach (TypeHelp type in types)
        {
            xml.WriteStartElement("command", item, Command);
            xml.WriteStartElement("dev", "type", Dev);
            xml.WriteElementString("maml", "name", Maml, type.TypeName);
            xml.WriteEndElement();
            Description(xml, type.Description);
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
    }

    /// <summary>
    /// The example's first run of code blocks (the command, then its output) is its code, as PowerShell's own help
    /// shows it; the prose and any later blocks are its remarks.
    /// </summary>
    private static void WriteExample(XmlWriter xml, Example example)
    {
        int first = example.Blocks.FindIndex(b => b.IsCode);
        int end = first;
        while (end >= 0 && end < example.Blocks.Count && example.Blocks[end].IsCode)
        {
            end++;
        }

        List<Block> code = first < 0 ? [] : example.Blocks[first..end];
        List<Block> remarks = first < 0 ? example.Blocks : [.. example.Blocks[..first], .. example.Blocks[end..]];

        xml.WriteStartElement("command", "example", Command);
        xml.WriteElementString("maml", "title", Maml, $"--------- {example.Title} ---------");
        xml.WriteElementString("dev", "code", Dev, string.Join("\n\n", code.Select(b => b.Text)));
        xml.WriteStartElement("dev", "remarks", Dev);
        Paragraphs(xml, remarks);
        xml.WriteEndElement();
        xml.WriteEndElement();
    }

    private static void Description(XmlWriter xml, IEnumerable<Block> blocks)
    {
        xml.WriteStartElement("maml", "description", Maml);
        Paragraphs(xml, blocks);
        xml.WriteEndElement();
    }

    /// <summary>
    /// One maml:para per block; a code block keeps its lines (Get-Help trims the start of a paragraph, so an indent
    /// would only show from the second line on).
    /// </summary>
    private static void Paragraphs(XmlWriter xml, IEnumerable<Block> blocks)
    {
        bool any = false;
        foreach (Block block in blocks)
        {
            any = true;
            xml.WriteElementString("maml", "para", Maml, block.Text);
        }

        if (!any)
        {
            xml.WriteElementString("maml", "para", Maml, "");
        }
    }

    private static string Pipeline(ParameterSetMembership set) => (set.ValueFromPipeline, set.ValueFromPipelineByPropertyName) switch
    {
        (true, true) => "True (ByValue, ByPropertyName)",
        (true, false) => "True (ByValue)",
        (false, true) => "True (ByPropertyName)",
        _ => "False",
    };

    private static string Bool(bool value) => value ? "true" : "false";

    /// <summary>"System.String[]" → "String[]", "System.Nullable`1[X.AccelFamily]" → "AccelFamily", as syntax shows types.</summary>
    internal static string ShortTypeName(string type)
    {
        const string nullable = "System.Nullable`1[";
        if (type.StartsWith(nullable, StringComparison.Ordinal) && type.EndsWith(']'))
        {
            type = type[nullable.Length..^1];
        }

        string suffix = type.EndsWith("[]", StringComparison.Ordinal) ? "[]" : "";
        string bare = type[..^suffix.Length];
        int dot = bare.LastIndexOf('.');
        return (dot >= 0 ? bare[(dot + 1)..] : bare) + suffix;
    }
}
