using System.Management.Automation;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands;

[Cmdlet(VerbsCommon.Get, "PeerPodCidr")]
[OutputType(typeof(PeerPodCidr))]
public sealed class GetPeerPodCidrCommand : HostAccelCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public AccelFamily[]? Family { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string TableName { get; set; } = Design.TableName;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string SetName { get; set; } = Design.SetName;

    protected override void ProcessRecord() =>
        WriteQuery(session => PeerPodCidrs.Get(session, Family, TableName, SetName, IsBound(nameof(TableName)), IsBound(nameof(SetName))), TableName);
}
