using System.Management.Automation;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.TrafficControl;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands;

[Cmdlet(VerbsCommon.Get, "Fastpath")]
[OutputType(typeof(Fastpath))]
public sealed class GetFastpathCommand : HostAccelCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public AccelFamily[]? Family { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string TableName { get; set; } = Design.TableName;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string FlowtableName { get; set; } = Design.FlowtableName;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string ChainName { get; set; } = Design.ChainName;

    /// <summary>Only one mode's acceleration: the flowtable's (its table) or Traffic Control's (HostAccel's filters); both when omitted.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public AccelMode? Mode { get; set; }

    protected override void ProcessRecord()
    {
        if (Mode != AccelMode.TrafficControl)
        {
            WriteQuery(session => Fastpaths.Get(session, Family, TableName, FlowtableName, ChainName, IsBound(nameof(TableName))), TableName);
        }

        if (Mode != AccelMode.Flowtable)
        {
            WriteQuery(session => TrafficControlFastpaths.Get(session, Family), NetworkNamespace);
        }
    }
}
