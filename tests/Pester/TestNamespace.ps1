# Shared by every *.Tests.ps1: the staged module and throwaway network namespaces with seed 000's devices.
$script:ModulePath = if ($env:HOSTACCEL_MODULE) { $env:HOSTACCEL_MODULE } else { Join-Path $PSScriptRoot '../../out/HostAccel/HostAccel.psd1' }

function New-TestNamespace {
    $name = 'ha-pester-' + [guid]::NewGuid().ToString('N').Substring(0, 10)
    & ip netns add $name
    & ip -n $name link set lo up
    & ip -n $name link add antrea-gw0 type veth peer name gw-peer
    & ip -n $name link add eth0 type veth peer name eth0-peer
    foreach ($dev in 'antrea-gw0', 'gw-peer', 'eth0', 'eth0-peer') { & ip -n $name link set $dev up }
    $name
}

function Remove-TestNamespace([string] $Name) {
    if ($Name) { & ip netns del $Name 2>$null }
}

function Get-Ruleset([string] $Name) {
    (& ip netns exec $Name nft list ruleset) -join "`n"
}

function Import-NftRuleset([string] $Name, [string] $Ruleset) {
    $Ruleset | & ip netns exec $Name nft -f -
    if ($LASTEXITCODE) { throw "nft -f failed in $Name" }
}

function Add-TestDevice([string] $Name, [string] $Device) {
    & ip -n $Name link add $Device type veth peer name "$Device-peer"
    foreach ($dev in $Device, "$Device-peer") { & ip -n $Name link set $dev up }
}

# Loads a ruleset with nft -f as HostAccel's own: the tables it adds are made again by New-AccelTable, which writes
# HostAccel's manager mark (nft cannot), with the comment the ruleset gives them; then the ruleset fills them. A table
# nft wrote is someone else's whatever its comment. Needs the module imported.
function Import-HostAccelRuleset([string] $Name, [string] $Ruleset) {
    $before = @(Get-AccelTable -All -NetworkNamespace $Name | ForEach-Object { "$($_.Family) $($_.Name)" })
    Import-NftRuleset $Name $Ruleset
    $added = @(Get-AccelTable -All -NetworkNamespace $Name | Where-Object { "$($_.Family) $($_.Name)" -notin $before })
    foreach ($t in $added) {
        & ip netns exec $Name nft delete table $t.Family.ToString().ToLowerInvariant() $t.Name
        New-AccelTable -Name $t.Name -Family $t.Family -Comment $t.Comment -NetworkNamespace $Name -Confirm:$false
    }
    Import-NftRuleset $Name $Ruleset
}
