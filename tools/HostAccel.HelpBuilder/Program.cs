using HostAccel.HelpBuilder;

// Usage: HostAccel.HelpBuilder <docs/cmdlets folder> <output .dll-Help.xml>
if (args.Length != 2)
{
    await Console.Error.WriteLineAsync("usage: HostAccel.HelpBuilder <markdown folder> <MAML file>").ConfigureAwait(false);
    return 2;
}

try
{
    var commands = Directory.GetFiles(args[0], "*.md")
        .Order(StringComparer.Ordinal)
        .Select(MarkdownReader.Read)
        .ToList();
    string? folder = Path.GetDirectoryName(Path.GetFullPath(args[1]));
    if (folder is not null)
    {
        Directory.CreateDirectory(folder);
    }

    // Written beside the target and moved over it, so a failed run never leaves half a help file.
    string temporary = args[1] + ".tmp";
    using (FileStream output = File.Create(temporary))
    {
        MamlWriter.Write(commands, output);
    }

    File.Move(temporary, args[1], overwrite: true);
    Console.WriteLine($"HostAccel.HelpBuilder: {commands.Count} commands -> {args[1]}");
    return 0;
}
catch (FormatException ex)
{
    await Console.Error.WriteLineAsync($"HostAccel.HelpBuilder: error: {ex.Message}").ConfigureAwait(false);
    return 1;
}
