using System.Management.Automation;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands;

[Cmdlet(VerbsCommon.Get, "AccelConfiguration")]
[OutputType(typeof(AccelConfiguration))]
public sealed class GetAccelConfigurationCommand : HostAccelCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string TableName { get; set; } = Design.TableName;

    /// <summary>Also reads a table of that name that HostAccel did not create.</summary>
    [Parameter]
    public SwitchParameter IncludeForeign { get; set; }

    protected override void ProcessRecord() =>
        WriteQuery<AccelConfiguration>(session => [ConfigurationExport.Read(session, TableName, IncludeForeign, IsBound(nameof(TableName)))], TableName);
}
