using System.Management.Automation;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands;

[Cmdlet(VerbsCommon.Get, "AccelTable")]
[OutputType(typeof(AccelTable))]
public sealed class GetAccelTableCommand : HostAccelCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    public string? Name { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public AccelFamily[]? Family { get; set; }

    [Parameter]
    public SwitchParameter All { get; set; }

    protected override void ProcessRecord() => WriteQuery(session => Tables.Get(session, Family, Name, All), Name);
}
