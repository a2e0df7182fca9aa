using System.Management.Automation;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands;

[Cmdlet(VerbsCommon.Get, "AccelTable")]
[OutputType(typeof(AccelTable))]
public sealed class GetAccelTableCommand : HostAccelCmdlet
{
    /// <summary>The table's name, exact (case-sensitive) or with PowerShell wildcards.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [SupportsWildcards]
    public string? TableName { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public AccelFamily[]? Family { get; set; }

    [Parameter]
    public SwitchParameter All { get; set; }

    protected override void ProcessRecord() => WriteQuery(session => Tables.Get(session, Family, TableName, All), TableName);
}
