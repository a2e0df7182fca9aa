using System.Management.Automation;
using HostAccel.PowerShell.Engine.TrafficControl;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands;

/// <summary>
/// The packets and bytes each filter of the Traffic Control mode matched. A sibling of Get-FlowtableCounter rather
/// than a mode of it: a flowtable's traffic is counted per rule and per connection, a redirect's per filter, and the
/// filters belong to the fastpath (Enable-, Get-, Disable-Fastpath), not to a flowtable.
/// </summary>
[Cmdlet(VerbsCommon.Get, "FastpathCounter")]
[OutputType(typeof(FastpathCounter))]
public sealed class GetFastpathCounterCommand : HostAccelCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public AccelFamily[]? Family { get; set; }

    protected override void ProcessRecord() =>
        WriteQuery(session => TrafficControlFastpaths.Counters(session, Family), NetworkNamespace);
}
