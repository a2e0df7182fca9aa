using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace HostAccel.PowerShell.Tests.Contract;

/// <summary>
/// What a PowerShell user relies on, checked on the compiled cmdlet assembly's metadata: every cmdlet exported and
/// documented with all its parameters, approved verbs, [OutputType], ShouldProcess on every change, and producers'
/// objects binding to their consumers' parameters by property name (which is also how objects deserialized from
/// Invoke-Command bind).
/// </summary>
public sealed class CmdletContractTests : IDisposable
{
    private static readonly string Root = Metadata("RepositoryRoot");
    private static readonly string[] ReadOnlyVerbs = ["Get", "Test"];

    /// <summary>Cmdlets that only build an object: no kernel, so no -NetworkNamespace and nothing to ShouldProcess.</summary>
    private static readonly string[] KernelFree = ["New-AccelConfiguration", "ConvertTo-AccelConfiguration"];

    private readonly CmdletMetadata _metadata = new(
        typeof(HostAccel.PowerShell.Engine.AccelSession).Assembly.Location, Metadata("SystemManagementAutomation"));

    public void Dispose() => _metadata.Dispose();

    private static string Metadata(string key) =>
        typeof(CmdletContractTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    private static readonly string[] Names =
    [
        "Add-PeerPodCidr", "ConvertTo-AccelConfiguration", "Disable-Fastpath", "Enable-Fastpath", "Get-AccelConfiguration", "Get-AccelTable", "Get-Fastpath",
        "Get-FastpathCounter", "Get-FlowtableCounter", "Get-OffloadedFlow", "Get-PeerPodCidr", "New-AccelConfiguration", "New-AccelTable",
        "Remove-AccelTable", "Remove-PeerPodCidr", "Reset-FlowtableCounter", "Sync-AccelConfiguration",
        "Test-AccelConfiguration", "Test-HostAccelSupport",
    ];

    public static TheoryData<string> CmdletNames() => new(Names);

    [Fact]
    public void TheAssemblyHoldsExactlyTheCmdletsOfTheDesign()
    {
        Assert.Equal(Names, _metadata.Cmdlets.Select(c => c.Name));
    }

    [Fact]
    public void TheManifestExportsEveryCmdletAndNothingElse()
    {
        string manifest = File.ReadAllText(Path.Combine(Root, "HostAccel.psd1"));
        Match list = Regex.Match(manifest, @"CmdletsToExport\s*=\s*@\((?<names>[^)]*)\)");
        Assert.True(list.Success, "HostAccel.psd1 has no CmdletsToExport list");
        string[] exported = Regex.Matches(list.Groups["names"].Value, "'([^']+)'").Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(_metadata.Cmdlets.Select(c => c.Name), exported);
        Assert.Matches(@"FormatsToProcess\s*=\s*@\('HostAccel\.Format\.ps1xml'\)", manifest);
        Assert.True(File.Exists(Path.Combine(Root, "src/HostAccel.PowerShell/HostAccel.Format.ps1xml")));
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void VerbIsApprovedAndCmdletIsPublicSealedWithOutputType(string name)
    {
        CmdletInfo cmdlet = _metadata[name];
        Assert.Contains(cmdlet.Verb, _metadata.ApprovedVerbs());
        Assert.True(cmdlet.Type.IsPublic && cmdlet.Type.IsSealed, $"{cmdlet.Type} is not public sealed");
        Assert.Equal($"{cmdlet.Verb}{cmdlet.Noun}Command", cmdlet.Type.Name);
        Assert.Equal("HostAccel.PowerShell.Commands", cmdlet.Type.Namespace);
        Assert.NotEmpty(cmdlet.OutputTypes);
        bool kernel = !KernelFree.Contains(name);
        Assert.Equal(kernel, cmdlet.Parameter("NetworkNamespace") is not null);
        Assert.Equal(kernel, DerivesFrom(cmdlet.Type, "HostAccel.PowerShell.Commands.HostAccelCmdlet"));
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void EveryChangeSupportsShouldProcessAndRemovalsAskFirst(string name)
    {
        CmdletInfo cmdlet = _metadata[name];
        bool changes = !ReadOnlyVerbs.Contains(cmdlet.Verb) && !KernelFree.Contains(name);
        Assert.Equal(changes, cmdlet.SupportsShouldProcess);
        if (cmdlet.Verb is "Remove" or "Disable")
        {
            Assert.Equal(3, cmdlet.ConfirmImpact); // ConfirmImpact.High
        }

        if ((cmdlet.Verb is "Add" or "New" or "Enable") && changes)
        {
            Assert.NotNull(cmdlet.Parameter("PassThru"));
        }
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void EveryParameterIsDocumentedAsTheCodeDeclaresIt(string name)
    {
        CmdletInfo cmdlet = _metadata[name];
        string path = Path.Combine(Root, "docs", "cmdlets", $"{name}.md");
        Assert.True(File.Exists(path), $"no help page {path}");
        string page = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.StartsWith("---\n", page, StringComparison.Ordinal);
        Assert.Contains($"title: {name}\n", page, StringComparison.Ordinal);
        foreach (string section in new[] { "## SYNOPSIS", "## SYNTAX", "## DESCRIPTION", "## EXAMPLES", "## PARAMETERS", "## INPUTS", "## OUTPUTS", "## NOTES" })
        {
            Assert.Contains($"\n{section}\n", page, StringComparison.Ordinal);
        }

        Assert.Contains($"\n{name} ", page[page.IndexOf("## SYNTAX", StringComparison.Ordinal)..], StringComparison.Ordinal);
        foreach (ParameterInfo parameter in cmdlet.Parameters)
        {
            Match section = Regex.Match(page, $@"\n### -{parameter.Name}\n(?<body>.*?)(?=\n### |\n## )", RegexOptions.Singleline);
            Assert.True(section.Success, $"{name}.md does not document -{parameter.Name}");
            string body = section.Groups["body"].Value;
            Assert.Contains($"Type: {CmdletMetadata.TypeName(parameter.Type)}\n", body, StringComparison.Ordinal);
            Assert.Contains($"IsRequired: {(parameter.Mandatory ? "true" : "false")}\n", body, StringComparison.Ordinal);
            Assert.Contains($"ValueFromPipeline: {(parameter.FromPipeline ? "true" : "false")}\n", body, StringComparison.Ordinal);
            Assert.Contains($"ValueFromPipelineByPropertyName: {(parameter.FromPipelineByPropertyName ? "true" : "false")}\n", body, StringComparison.Ordinal);
            Assert.Contains($"Position: {(parameter.Position is int p ? p.ToString(System.Globalization.CultureInfo.InvariantCulture) : "Named")}\n", body, StringComparison.Ordinal);
        }

        if (cmdlet.SupportsShouldProcess)
        {
            Assert.Contains("\n### -WhatIf\n", page, StringComparison.Ordinal);
            Assert.Contains("\n### -Confirm\n", page, StringComparison.Ordinal);
        }

        string documented = string.Join(",", Regex.Matches(page, @"\n### -(\w+)\n").Select(m => m.Groups[1].Value).Where(n => n is not ("WhatIf" or "Confirm")).Order(StringComparer.Ordinal));
        Assert.Equal(string.Join(",", cmdlet.Parameters.Select(p => p.Name).Order(StringComparer.Ordinal)), documented);
    }

    [Fact]
    public void EveryFailureKindIsAnErrorCategory()
    {
        Type category = _metadata.Automation.GetType("System.Management.Automation.ErrorCategory", throwOnError: true)!;
        string[] names = category.GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => f.Name).ToArray();
        Assert.All(Enum.GetNames<HostAccel.PowerShell.Engine.FailureKind>(), kind => Assert.Contains(kind, names));
    }

    /// <summary>Producer, consumer, and the parameters the producer's objects must bind by property name.</summary>
    public static TheoryData<string, string, string[]> Pipelines() => new()
    {
        { "Get-AccelTable", "Remove-AccelTable", ["Family", "TableName", "NetworkNamespace"] },
        { "New-AccelTable", "Remove-AccelTable", ["Family", "TableName", "NetworkNamespace"] },
        { "Get-AccelTable", "New-AccelTable", ["Family", "TableName", "Comment", "NetworkNamespace"] },
        { "Get-PeerPodCidr", "Remove-PeerPodCidr", ["Cidr", "Family", "TableName", "SetName", "NetworkNamespace"] },
        { "Add-PeerPodCidr", "Remove-PeerPodCidr", ["Cidr", "Family", "TableName", "SetName", "NetworkNamespace"] },
        { "Get-PeerPodCidr", "Add-PeerPodCidr", ["Cidr", "Family", "TableName", "SetName", "NetworkNamespace"] },
        { "Get-Fastpath", "Disable-Fastpath", ["Family", "TableName", "FlowtableName", "ChainName", "NetworkNamespace"] },
        { "Enable-Fastpath", "Disable-Fastpath", ["Family", "TableName", "FlowtableName", "ChainName", "NetworkNamespace"] },
        { "Get-Fastpath", "Get-FlowtableCounter", ["Family", "TableName", "ChainName", "NetworkNamespace"] },
        { "Get-Fastpath", "Reset-FlowtableCounter", ["Family", "TableName", "ChainName", "NetworkNamespace"] },
        { "Get-FlowtableCounter", "Reset-FlowtableCounter", ["Family", "TableName", "ChainName", "NetworkNamespace"] },
        { "Get-AccelTable", "Get-PeerPodCidr", ["Family", "TableName", "NetworkNamespace"] },
        { "Get-AccelTable", "Get-Fastpath", ["Family", "TableName", "NetworkNamespace"] },
        { "Get-AccelTable", "Disable-Fastpath", ["Family", "TableName", "NetworkNamespace"] },
        { "Get-AccelTable", "Get-FlowtableCounter", ["Family", "TableName", "NetworkNamespace"] },
        { "Get-AccelConfiguration", "Sync-AccelConfiguration", ["NetworkNamespace"] },
        { "Get-AccelConfiguration", "Test-AccelConfiguration", ["NetworkNamespace"] },
        { "Get-AccelConfiguration", "Get-AccelConfiguration", ["TableName", "NetworkNamespace"] },
    };

    [Theory]
    [MemberData(nameof(Pipelines))]
    public void ProducerObjectsBindToConsumerParametersByPropertyName(string producer, string consumer, string[] expected)
    {
        Type output = Assert.Single(_metadata[producer].OutputTypes, t => t.FullName != "System.Boolean");
        CmdletInfo target = _metadata[consumer];
        var properties = output.GetProperties(BindingFlags.Public | BindingFlags.Instance).ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        var bound = new List<string>();
        foreach (ParameterInfo parameter in target.Parameters.Where(p => p.FromPipelineByPropertyName))
        {
            PropertyInfo? property = new[] { parameter.Name }.Concat(parameter.Aliases).Select(n => properties.GetValueOrDefault(n)).FirstOrDefault(p => p is not null);
            if (property is null)
            {
                Assert.False(parameter.Mandatory, $"{output.Name} has no property for mandatory -{parameter.Name} of {consumer}");
                continue;
            }

            Assert.True(Binds(property.PropertyType, parameter.Type), $"{output.Name}.{property.Name} ({property.PropertyType}) does not bind to -{parameter.Name} ({parameter.Type}) of {consumer}");
            bound.Add(parameter.Name);
        }

        Assert.Equal(expected.Order(StringComparer.Ordinal), bound.Intersect(expected).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// New-AccelConfiguration takes every setting under its property's name, which is also the key a .psd1 file and
    /// ConfigurationReader use: lists as string[], flags as switches. NetworkNamespace is where a configuration was
    /// read, NodeName and NodeIP the Node ConvertTo-AccelConfiguration made it for: not settings.
    /// </summary>
    [Fact]
    public void NewAccelConfigurationTakesEverySettingAsAParameterOfItsName()
    {
        Type configuration = _metadata.Assembly.GetType("HostAccel.PowerShell.Model.AccelConfiguration", throwOnError: true)!;
        var settings = configuration.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.Name is not ("NetworkNamespace" or "NodeName" or "NodeIP")).ToList();
        CmdletInfo cmdlet = _metadata["New-AccelConfiguration"];
        // A list setting may be taken by the singular (-Device for Devices), its own name an alias.
        Assert.Equal(settings.Count, cmdlet.Parameters.Count);
        Assert.All(settings, s => Assert.Single(cmdlet.Parameters, p => p.Name == s.Name || (p.Aliases.Contains(s.Name) && s.Name.StartsWith(p.Name, StringComparison.Ordinal))));
        foreach (PropertyInfo setting in settings)
        {
            string expected = setting.PropertyType.FullName switch
            {
                "System.Boolean" => "System.Management.Automation.SwitchParameter",
                { } list when list.StartsWith("System.Collections.Generic.IReadOnlyList`1", StringComparison.Ordinal) => $"{setting.PropertyType.GetGenericArguments()[0].FullName}[]",
                { } other => other,
                _ => "",
            };
            Assert.Equal(expected, cmdlet.Parameters.Single(p => p.Name == setting.Name || p.Aliases.Contains(setting.Name)).Type.FullName);
        }
    }

    /// <summary>Sync- and Test-AccelConfiguration bind alike: an object from the pipeline, or a file by -Path.</summary>
    [Theory]
    [InlineData("Sync-AccelConfiguration")]
    [InlineData("Test-AccelConfiguration")]
    public void ConfigurationCmdletsTakeAnObjectFromThePipelineOrAPath(string name)
    {
        CmdletInfo cmdlet = _metadata[name];
        ParameterInfo configuration = cmdlet.Parameter("Configuration")!;
        Assert.Equal(("System.Object", true, true, 0), (configuration.Type.FullName, configuration.Mandatory, configuration.FromPipeline, configuration.Position));
        ParameterInfo path = cmdlet.Parameter("Path")!;
        Assert.Equal(("System.String", true, false, 0), (path.Type.FullName, path.Mandatory, path.FromPipeline, path.Position));
        Assert.NotNull(cmdlet.Parameter("Force"));
    }

    /// <summary>Every output type, and the objects they hold, has a view for the live and the deserialized type.</summary>
    [Fact]
    public void EveryOutputTypeHasAViewLiveAndDeserialized()
    {
        var document = XDocument.Load(Path.Combine(Root, "src/HostAccel.PowerShell/HostAccel.Format.ps1xml"));
        var selected = document.Descendants("ViewSelectedBy").Elements("TypeName").Select(t => t.Value).ToHashSet(StringComparer.Ordinal);
        var types = _metadata.Cmdlets.SelectMany(c => c.OutputTypes).Select(t => t.FullName!)
            .Append("HostAccel.PowerShell.Model.AccelDrift")
            .Where(t => t.StartsWith("HostAccel.PowerShell.Model.", StringComparison.Ordinal)).Distinct();
        Assert.All(types, type =>
        {
            Assert.Contains(type, selected);
            Assert.Contains($"Deserialized.{type}", selected);
        });
    }

    private static bool DerivesFrom(Type type, string baseName)
    {
        for (Type? t = type.BaseType; t is not null; t = t.BaseType)
        {
            if (t.FullName == baseName)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Binding without a conversion PowerShell might refuse: the same type, its array, or its nullable.</summary>
    private static bool Binds(Type property, Type parameter)
    {
        if (property.FullName == parameter.FullName)
        {
            return true;
        }

        if (parameter.IsArray && parameter.GetElementType()!.FullName == property.FullName)
        {
            return true;
        }

        return parameter.IsGenericType && parameter.GetGenericTypeDefinition().FullName == "System.Nullable`1"
            && parameter.GetGenericArguments()[0].FullName == property.FullName;
    }
}
