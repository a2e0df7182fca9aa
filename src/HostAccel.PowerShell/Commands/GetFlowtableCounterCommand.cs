using System.Management.Automation;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands;

[Cmdlet(VerbsCommon.Get, "FlowtableCounter")]
[OutputType(typeof(FlowtableCounter))]
public sealed class GetFlowtableCounterCommand : HostAccelCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public AccelFamily[]? Family { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string TableName { get; set; } = Design.TableName;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string ChainName { get; set; } = Design.ChainName;

    protected override void ProcessRecord() =>
        WriteQuery(session => Counters.Get(session, Family, TableName, ChainName, IsBound(nameof(TableName))), TableName);
}
