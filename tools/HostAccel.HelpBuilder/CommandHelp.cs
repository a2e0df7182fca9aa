namespace HostAccel.HelpBuilder;

/// <summary>One cmdlet's help page, as read from its markdown.</summary>
internal sealed class CommandHelp
{
    public required string Name { get; init; }
    public string Synopsis { get; set; } = "";
    public List<Block> Description { get; } = [];
    public List<SyntaxSet> Syntax { get; } = [];
    public List<ParameterHelp> Parameters { get; } = [];
    public List<Example> Examples { get; } = [];
    public List<TypeHelp> Inputs { get; } = [];
    public List<TypeHelp> Outputs { get; } = [];
    public List<Block> Notes { get; } = [];
    public List<Link> Links { get; } = [];
}

/// <summary>A paragraph, a list item or a fenced code block (<see cref="Fence"/> is its language, "" when none).</summary>
internal sealed record Block(string Text, string? Fence = null)
{
    public bool IsCode => Fence is not null;
}

/// <summary>A SYNTAX subsection: the set's name and the parameters in the order its syntax line shows them.</summary>
internal sealed record SyntaxSet(string Name, bool IsDefault, IReadOnlyList<string> ParameterOrder);

internal sealed class ParameterHelp
{
    public required string Name { get; init; }
    public List<Block> Description { get; } = [];
    public string Type { get; set; } = "System.Object";
    public string? DefaultValue { get; set; }
    public bool SupportsWildcards { get; set; }
    public List<string> Aliases { get; } = [];
    public List<ParameterSetMembership> Sets { get; } = [];

    public bool IsSwitch => Type is "System.Management.Automation.SwitchParameter" or "SwitchParameter";

    /// <summary>Its attributes in a set; "(All)" stands for every set.</summary>
    public ParameterSetMembership? In(string set) =>
        Sets.FirstOrDefault(s => s.Name == set) ?? Sets.FirstOrDefault(s => s.Name is "(All)" or "__AllParameterSets");
}

internal sealed record ParameterSetMembership(
    string Name, string Position, bool IsRequired, bool ValueFromPipeline, bool ValueFromPipelineByPropertyName,
    bool ValueFromRemainingArguments);

internal sealed class Example
{
    public required string Title { get; init; }
    public List<Block> Blocks { get; } = [];
}

internal sealed record TypeHelp(string TypeName, IReadOnlyList<Block> Description);

internal sealed record Link(string Text, string Uri);
