# One ordinary call of each HostAccel cmdlet, run by Privileges.Tests.ps1 in a child pwsh (with and without
# CAP_NET_ADMIN). Writes JSON to -OutFile: per cmdlet, what it wrote to the output, warning and error streams.
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $NetworkNamespace,
    [Parameter(Mandatory)] [string] $OutFile
)

$ErrorActionPreference = 'Continue'
Import-Module $ModulePath -Force -ErrorAction Stop
$PSDefaultParameterValues['*:NetworkNamespace'] = $NetworkNamespace
$PSDefaultParameterValues['*:Confirm'] = $false
$node = @{ LocalPodCidr = '10.244.2.0/24'; TransportInterface = 'eth0'; PeerPodCidr = '10.244.1.0/24'; Counter = $true }

$calls = [ordered]@{
    'Test-HostAccelSupport'   = { Test-HostAccelSupport }
    'New-AccelConfiguration'  = { New-AccelConfiguration -LocalPodCidr 10.244.2.0/24 -TransportInterface eth0 }
    'ConvertTo-AccelConfiguration' = {
        @(('a', '10.244.1.0/24', '172.18.0.1'), ('b', '10.244.2.0/24', '172.18.0.2')) | ForEach-Object {
            $n = $_
            [pscustomobject]@{ metadata = [pscustomobject]@{ name = $n[0] }; spec = [pscustomobject]@{ podCIDRs = @($n[1]) }; status = [pscustomobject]@{ addresses = @([pscustomobject]@{ type = 'InternalIP'; address = $n[2] }) } }
        } | ConvertTo-AccelConfiguration -TransportInterface eth0
    }
    'Get-AccelTable'          = { Get-AccelTable }
    'Get-PeerPodCidr'         = { Get-PeerPodCidr }
    'Get-Fastpath'            = { Get-Fastpath }
    'Get-FlowtableCounter'    = { Get-FlowtableCounter -Family Ip }
    'Get-FastpathCounter'     = { Get-FastpathCounter }
    'Get-OffloadedFlow'       = { Get-OffloadedFlow }
    # A table that one configuration describes (prepared, no traffic): Get's answer, not a refusal, is the control.
    'Get-AccelConfiguration'  = { Get-AccelConfiguration -TableName prepared }
    'Test-AccelConfiguration' = { Test-AccelConfiguration -Configuration $node -Force }
    'Reset-FlowtableCounter'  = { Reset-FlowtableCounter -Family Ip -Force }
    'Add-PeerPodCidr'         = { Add-PeerPodCidr -Cidr 10.244.1.0/24 -Force }
    'Remove-PeerPodCidr'      = { Remove-PeerPodCidr -Cidr 10.244.0.0/24 -Force }
    'New-AccelTable'          = { New-AccelTable -Family Ip6 }
    'Enable-Fastpath'         = { Enable-Fastpath -TransportInterface eth0 -LocalPodCidr fd00:10:244:2::/64 -Family Ip6 -Counter }
    'Disable-Fastpath'        = { Disable-Fastpath -Family Ip -Force }
    'Sync-AccelConfiguration' = { Sync-AccelConfiguration -Configuration $node -Force }
    'Remove-AccelTable'       = { Remove-AccelTable -Name antrea -Family Ip -Force }
}

$results = foreach ($name in $calls.Keys) {
    $Error.Clear()
    $written = @(& $calls[$name] 2>$null 3>&1)
    [pscustomobject]@{
        Command  = $name
        Output   = @($written | Where-Object { $_ -isnot [System.Management.Automation.WarningRecord] })
        Warnings = @($written | Where-Object { $_ -is [System.Management.Automation.WarningRecord] } | ForEach-Object Message)
        Errors  = @($Error | ForEach-Object {
                [pscustomobject]@{ Id = $_.FullyQualifiedErrorId; Category = [string] $_.CategoryInfo.Category; Message = [string] $_ }
            })
    }
}
ConvertTo-Json -InputObject @($results) -Depth 6 -WarningAction SilentlyContinue | Set-Content -Path $OutFile
