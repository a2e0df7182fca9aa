<#
.SYNOPSIS
    Syncs every Node of a cluster to its acceleration configuration over PowerShell remoting on SSH, and reports
    each Node's outcome.

.DESCRIPTION
    Takes the configurations ConvertTo-AccelConfiguration computes, one per Node (each names its Node in NodeName and
    its addresses in NodeIP), opens one SSH session per Node (New-PSSession -HostName with every Node's first NodeIP,
    or its name when it has none), hands each session its own configuration, then fans Sync-AccelConfiguration
    out over all sessions at once with Invoke-Command -Session … -ThrottleLimit, and checks each Node with
    Test-AccelConfiguration in the same sessions. Write-Progress counts the Nodes through each step.

    Sessions rather than Invoke-Command -HostName: over SSH, -HostName takes no -ThrottleLimit and gives every Node
    the same arguments; a session per Node carries that Node's configuration and serves the sync and the check
    without a second SSH handshake and remote pwsh start, which is most of a Node's cost.

    A Node that cannot be reached (down, refusing the key, no pwsh subsystem) or whose sync fails (a kernel
    without flowtables, no CAP_NET_ADMIN) is reported with its error; the other Nodes go on. A second run changes
    nothing: each Node reports InDesiredState.

    The remote Nodes need pwsh with its SSH subsystem (Subsystem powershell /usr/bin/pwsh -sshs -NoLogo -NoProfile
    in sshd_config) and the HostAccel module on their PSModulePath; the sync runs as the SSH user, which needs root
    or CAP_NET_ADMIN.

.PARAMETER Configuration
    The Nodes' configurations, from ConvertTo-AccelConfiguration (by pipeline). Each needs a NodeName.

.PARAMETER UserName
    The SSH user on every Node. Default: ssh's own (the local user, or ~/.ssh/config's User).

.PARAMETER KeyFilePath
    The private key to authenticate with. Default: ssh's own (~/.ssh/id_*, an agent).

.PARAMETER SshOption
    ssh options for every connection (New-PSSession -Options), such as @{ UserKnownHostsFile = '…' }.

.PARAMETER ThrottleLimit
    How many Nodes sync at once. Default 32.

.PARAMETER ConnectingTimeout
    Milliseconds to wait for a Node's SSH session before reporting it Unreachable. Default 15000.

.PARAMETER Table
    Writes the gathered AccelSyncResults as a table (Format-Table) to the host before the reports.

.EXAMPLE
    kubectl get nodes -o json | ConvertFrom-Json | ConvertTo-AccelConfiguration -TransportInterface eth0 |
        ./samples/Sync-Cluster.ps1 -UserName root -Table | Format-Table

    Every Node with its Pod CIDRs as peers; one line per Node.

.OUTPUTS
    One HostAccel.NodeSyncReport per Node, in the order of the configurations:
      Node            the Node's name (NodeName)
      HostName        where it was reached
      Status          Synced (changes applied), InDesiredState (nothing to do), Failed (the sync or check
                      failed: see Error) or Unreachable (no session: see Error)
      Changes         how many differences the sync removed
      InDesiredState  Test-AccelConfiguration's answer after the sync ($null when it could not run)
      Error           the first error's message, or $null
    Sync-AccelConfiguration's results themselves, deserialized, are written by -Table. Each Node's errors go to the
    error stream as well, with the Node's name as TargetObject and at the start of the message, and the remote
    error's id and category (PermissionDenied,HostAccel.PowerShell.Commands.SyncAccelConfigurationCommand …), so
    that -ErrorVariable catches them.
#>
#Requires -Version 7.3

[CmdletBinding()]
[OutputType('HostAccel.NodeSyncReport')]
param(
    [Parameter(Mandatory, ValueFromPipeline)]
    [object] $Configuration,

    [string] $UserName,

    [string] $KeyFilePath,

    [hashtable] $SshOption,

    [ValidateRange(1, 1024)]
    [int] $ThrottleLimit = 32,

    [ValidateRange(1000, 600000)]
    [int] $ConnectingTimeout = 15000,

    [switch] $Table
)

begin {
    $nodes = [System.Collections.Generic.List[object]]::new()
}

process {
    if (-not $Configuration.NodeName) {
        throw [System.Management.Automation.ErrorRecord]::new(
            [System.ArgumentException]::new("a configuration without a NodeName: Sync-Cluster takes ConvertTo-AccelConfiguration's output"),
            'ConfigurationWithoutNode', [System.Management.Automation.ErrorCategory]::InvalidArgument, $Configuration)
    }
    $hostName = @($Configuration.NodeIP | Where-Object { $_ })[0]
    $nodes.Add([pscustomobject]@{
            Node          = $Configuration.NodeName
            HostName      = if ($hostName) { $hostName } else { $Configuration.NodeName }
            Configuration = $Configuration
            Session       = $null
            Result        = $null
            Test          = $null
            Errors        = [System.Collections.Generic.List[System.Management.Automation.ErrorRecord]]::new()
        })
}

end {
    $activity = "Syncing $($nodes.Count) Nodes"
    $byHost = @{}
    foreach ($node in $nodes) { $byHost[$node.HostName] = $node }

    # Errors that remoting attributes to a Node: by the session's computer name, or the host a connection failed to.
    function Add-NodeError([System.Management.Automation.ErrorRecord[]] $Records) {
        foreach ($record in $Records) {
            $where = if ($record.OriginInfo) { $record.OriginInfo.PSComputerName } elseif ($record.TargetObject -is [string]) { $record.TargetObject } else { "$($record.TargetObject.ConnectionInfo.ComputerName)" }
            $node = $byHost["$where"]
            if (-not $node) { Write-Error -ErrorRecord $record; continue }
            # Re-written with the Node as its target and in its message; id, category and exception stay the Node's.
            $named = [System.Management.Automation.ErrorRecord]::new($record.Exception, $record.FullyQualifiedErrorId, $record.CategoryInfo.Category, $node.Node)
            $named.ErrorDetails = [System.Management.Automation.ErrorDetails]::new("$($node.Node) ($($node.HostName)): $($record.Exception.Message)")
            $node.Errors.Add($named)
            Write-Error -ErrorRecord $named
        }
    }

    $connect = @{ ConnectingTimeout = $ConnectingTimeout; ErrorAction = 'SilentlyContinue'; ErrorVariable = 'connectErrors' }
    if ($UserName) { $connect.UserName = $UserName }
    if ($KeyFilePath) { $connect.KeyFilePath = $KeyFilePath }
    if ($SshOption) { $connect.Options = $SshOption }
    $sessions = [System.Collections.Generic.List[System.Management.Automation.Runspaces.PSSession]]::new()
    try {
        # One call for every Node: PowerShell opens the connections itself; a Node it cannot reach is an error naming it.
        Write-Progress -Activity $activity -Status "connecting to $($nodes.Count) Nodes" -PercentComplete 0
        $connectErrors = $null
        foreach ($session in @(New-PSSession -HostName @($nodes.HostName) @connect)) {
            $byHost[$session.ComputerName].Session = $session
            $sessions.Add($session)
        }
        Add-NodeError $connectErrors

        $i = 0
        foreach ($node in $nodes | Where-Object Session) {
            Write-Progress -Activity $activity -Status "handing $($node.Node) its configuration" -PercentComplete (100 * $i++ / $sessions.Count)
            # The Node's own configuration waits in its session for the fan-out below.
            Invoke-Command -Session $node.Session -ArgumentList $node.Configuration -ScriptBlock {
                param($Configuration) $global:HostAccelConfiguration = $Configuration }
        }

        if ($sessions.Count -gt 0) {
            $done = 0
            $syncErrors = $null
            Write-Progress -Activity $activity -Status "Sync-AccelConfiguration on $($sessions.Count) Nodes, $ThrottleLimit at a time" -PercentComplete 0
            $results = Invoke-Command -Session $sessions -ThrottleLimit $ThrottleLimit -ErrorAction SilentlyContinue -ErrorVariable syncErrors -ScriptBlock {
                $global:HostAccelConfiguration | HostAccel\Sync-AccelConfiguration -Confirm:$false
            } | ForEach-Object {
                $done++
                Write-Progress -Activity $activity -Status "synced $($_.PSComputerName): $_" -PercentComplete (100 * $done / $sessions.Count)
                $byHost[$_.PSComputerName].Result = $_
                $_
            }
            Add-NodeError $syncErrors

            if ($Table -and $results) {
                $results | Format-Table -Property PSComputerName, Applied, @{ Label = 'Changes'; Expression = { @($_.Changes).Count } }, Attempts, Generation, @{ Label = 'Result'; Expression = { "$_" } } | Out-Host
            }

            $done = 0
            $testErrors = $null
            Invoke-Command -Session $sessions -ThrottleLimit $ThrottleLimit -ErrorAction SilentlyContinue -ErrorVariable testErrors -ScriptBlock {
                $global:HostAccelConfiguration | HostAccel\Test-AccelConfiguration
            } | ForEach-Object {
                $done++
                Write-Progress -Activity $activity -Status "checked $($_.PSComputerName): $_" -PercentComplete (100 * $done / $sessions.Count)
                $byHost[$_.PSComputerName].Test = $_
            }
            Add-NodeError $testErrors
        }
    }
    finally {
        Write-Progress -Activity $activity -Completed
        if ($sessions.Count -gt 0) { Remove-PSSession -Session $sessions }
    }

    foreach ($node in $nodes) {
        $status = if (-not $node.Session) { 'Unreachable' }
        elseif ($node.Errors.Count -gt 0 -or -not $node.Result) { 'Failed' }
        elseif (@($node.Result.Changes).Count -gt 0) { 'Synced' }
        else { 'InDesiredState' }
        [pscustomobject]@{
            PSTypeName     = 'HostAccel.NodeSyncReport'
            Node           = $node.Node
            HostName       = $node.HostName
            Status         = $status
            Changes        = if ($node.Result) { @($node.Result.Changes).Count } else { 0 }
            InDesiredState = if ($node.Test) { [bool] $node.Test.InDesiredState } else { $null }
            Error          = if ($node.Errors.Count -gt 0) { $node.Errors[0].Exception.Message } elseif ($status -eq 'Unreachable') { "no session to $($node.HostName)" } else { $null }
        }
    }
}
