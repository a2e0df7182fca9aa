#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Soak test of Sync-AccelConfiguration -Watch in a throwaway network namespace.
.DESCRIPTION
    Starts the watch in its own pwsh process on a configuration file, then disturbs it from other processes: `nft flush
    ruleset` and `nft delete table` (alternating), delete/re-create cycles of the gateway device, and edits of the
    configuration file (some invalid). After each disturbance it polls the ruleset with `nft -j` (no HostAccel code)
    until it is back to the configuration — for an invalid edit, the last good one — and records how long that took.
    Last, SIGTERM to the watch's process id: it must exit 0, and nothing it wrote may be an exception.
    Without -Flowtable the configuration accelerates no traffic (table and sets only), which runs on any kernel; with
    -Flowtable it accelerates Pod-to-Pod traffic (flowtable, chain and rules: a flowtable-capable kernel, tests/vm).
    Prints the repair times (median and max) per kind; exits 1 when a check failed. Needs root.
#>
[CmdletBinding()]
param(
    [int] $Flushes = 100,
    [int] $DeviceCycles = 50,
    [int] $Edits = 20,
    [int] $InvalidEdits = 5,
    [switch] $Flowtable,
    [double] $RepairTimeoutSeconds = 10,
    [string] $Module = (Join-Path $PSScriptRoot '../../out/HostAccel/HostAccel.psd1')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$ns = "ha-soak-$PID"
$scratch = Join-Path ([IO.Path]::GetTempPath()) "ha-soak-$PID"
$config = Join-Path $scratch 'node.psd1'
$failures = [Collections.Generic.List[string]]::new()
$times = @{ flush = [Collections.Generic.List[double]]::new(); device = [Collections.Generic.List[double]]::new(); edit = [Collections.Generic.List[double]]::new() }

function In { & ip netns exec $ns @args; if ($LASTEXITCODE) { throw "$($args -join ' ') failed ($LASTEXITCODE)" } }

function Write-Config([string[]] $Peers) {
    $traffic = $Flowtable ? 'PodToPod' : 'None'
    Set-Content -LiteralPath $config -Value "@{ TransportInterface = 'eth0'; LocalPodCidr = '10.244.2.0/24'; PeerPodCidr = $(($Peers | ForEach-Object { "'$_'" }) -join ', '); Traffic = '$traffic' }"
}

<# The state as nft reads it: peer prefixes, flowtable devices, rule count; $null when there is no table. #>
function Read-State {
    $json = & ip netns exec $ns nft -j list table ip antrea 2>$null
    if ($LASTEXITCODE) { return $null }
    $items = ($json | ConvertFrom-Json).nftables
    $set = $items | Where-Object { $_.PSObject.Properties['set'] -and $_.set.name -eq 'peer-pod-cidr' } | Select-Object -First 1
    $prefixes = @(if ($set -and $set.set.PSObject.Properties['elem']) {
            foreach ($e in $set.set.elem) { if ($e -is [string]) { "$e/32" } elseif ($e.PSObject.Properties['prefix']) { "$($e.prefix.addr)/$($e.prefix.len)" } else { "$e" } }
        })
    $ft = $items | Where-Object { $_.PSObject.Properties['flowtable'] } | Select-Object -First 1
    [pscustomobject]@{
        Peers   = @($prefixes | Sort-Object)
        Devices = @(if ($ft -and $ft.flowtable.PSObject.Properties['dev']) { @($ft.flowtable.dev) | Sort-Object })
        Rules   = @($items | Where-Object { $_.PSObject.Properties['rule'] }).Count
    }
}

function Test-State([string[]] $Peers, [bool] $Gateway) {
    $s = Read-State
    if ($null -eq $s) { return $false }
    if (($s.Peers -join ',') -ne (($Peers | Sort-Object) -join ',')) { return $false }
    if (-not $Flowtable) { return $s.Rules -eq 0 }
    $devices = @(if ($Gateway) { 'antrea-gw0' }) + 'eth0' | Sort-Object
    ($s.Devices -join ',') -eq ($devices -join ',') -and $s.Rules -eq ($Gateway ? 2 : 0)
}

<# Waits for the state; records the time in $Kind, or a failure. #>
function Wait-Repair([string] $Kind, [string] $What, [string[]] $Peers, [bool] $Gateway = $true) {
    $watch = [Diagnostics.Stopwatch]::StartNew()
    while ($watch.Elapsed.TotalSeconds -lt $RepairTimeoutSeconds) {
        if (Test-State $Peers $Gateway) { $times[$Kind].Add($watch.Elapsed.TotalMilliseconds); return }
        Start-Sleep -Milliseconds 20
    }
    $failures.Add("$What`: not repaired within $RepairTimeoutSeconds s (state: $(Read-State | ConvertTo-Json -Compress))")
}

function Add-Gateway {
    In ip link add antrea-gw0 type veth peer name gw-peer
    In ip link set antrea-gw0 up
    In ip link set gw-peer up
}

$watcher = $null
try {
    New-Item -ItemType Directory -Path $scratch -Force | Out-Null
    & ip netns add $ns
    In ip link set lo up
    Add-Gateway
    In ip link add eth0 type veth peer name eth0-peer
    In ip link set eth0 up
    $peers = @('10.244.0.0/24')
    Write-Config $peers
    $command = "Import-Module '$Module'; Sync-AccelConfiguration -NetworkNamespace $ns -Path '$config' -Watch -InformationAction Continue"
    # exec: the process id is pwsh's own, so the SIGTERM below reaches it (and the shell redirects, not Start-Process's handlers).
    Set-Content -LiteralPath "$scratch/run.sh" -Value "exec pwsh -NoProfile -NonInteractive -Command `"$command`" >'$scratch/out.txt' 2>'$scratch/err.txt'"
    $watcher = Start-Process bash -ArgumentList "$scratch/run.sh" -PassThru
    # pwsh's start and the module's first calls take tens of seconds under the VM's emulated CPU.
    $deadline = [DateTime]::UtcNow.AddSeconds(120)
    while (-not (Test-State $peers $true) -and [DateTime]::UtcNow -lt $deadline -and -not $watcher.HasExited) { Start-Sleep -Milliseconds 100 }
    if (-not (Test-State $peers $true)) {
        throw "the watch never applied the configuration (exited: $($watcher.HasExited)); state $(Read-State | ConvertTo-Json -Compress); output: $(Get-Content (Join-Path $scratch 'out.txt') -Raw) $(Get-Content (Join-Path $scratch 'err.txt') -Raw)"
    }

    for ($i = 0; $i -lt $Flushes; $i++) {
        if ($i % 2) { In nft delete table ip antrea } else { In nft flush ruleset }
        Wait-Repair flush "disturbance $i ($($i % 2 ? 'nft delete table' : 'nft flush ruleset'))" $peers
    }

    for ($i = 0; $i -lt $DeviceCycles; $i++) {
        In ip link del antrea-gw0
        if ($Flowtable) { Wait-Repair device "device cycle $i (deleted)" $peers -Gateway $false }
        Add-Gateway
        Wait-Repair device "device cycle $i (re-created)" $peers
    }

    $rng = [Random]::new(16)
    $invalidEvery = $InvalidEdits -gt 0 ? [Math]::Max(1, [int][Math]::Floor($Edits / $InvalidEdits)) : 0
    $invalidDone = 0
    for ($i = 0; $i -lt $Edits; $i++) {
        if ($invalidEvery -and ($i % $invalidEvery) -eq ($invalidEvery - 1) -and $invalidDone -lt $InvalidEdits) {
            $invalidDone++
            Set-Content -LiteralPath $config -Value "@{ TransportInterface = 'eth0'; LocalPodCidr = '10.244.2.0/24'; PeerPodCidr = '10.244.$i.0/33' }"
            # The last good state must stay, through a disturbance too.
            Start-Sleep -Milliseconds 1200
            In nft flush ruleset
            Wait-Repair edit "invalid edit $i" $peers
            continue
        }

        $peers = @(0..9 | Where-Object { $_ -ne 2 -and $rng.Next(2) } | ForEach-Object { "10.244.$_.0/24" })
        if ($peers.Count -eq 0) { $peers = @('10.244.9.0/24') }
        Write-Config $peers
        Wait-Repair edit "edit $i" $peers
    }

    & kill -TERM $watcher.Id
    if (-not $watcher.WaitForExit(20000)) { $failures.Add('the watch did not stop within 20 s of SIGTERM'); $watcher.Kill() }
    elseif ($watcher.ExitCode -ne 0) {
        # 143 is the signal's default action: pwsh run through the dotnet tool's shim (a parent the signal kills)
        # instead of as the process itself (tools/install-powershell.sh's launcher, Microsoft's packages).
        $failures.Add("the watch exited $($watcher.ExitCode) on SIGTERM, not 0 (pwsh is $((Get-Command pwsh).Source))")
    }
    $out = Get-Content (Join-Path $scratch 'out.txt') -Raw
    $err = Get-Content (Join-Path $scratch 'err.txt') -Raw
    if ("$out$err" -match 'Exception|at HostAccel\.|Unhandled') { $failures.Add("an exception escaped: $err") }
    $invalidReported = ([regex]::Matches("$out", 'the configuration is not valid')).Count
    if ($invalidReported -lt $invalidDone) { $failures.Add("$invalidDone invalid edits, $invalidReported reported") }
    $lines = @("$out" -split "`n" | Where-Object { $_ -match 'table antrea' }).Count
    Write-Host "watch: $lines information lines, $invalidReported invalid configurations reported, exit code $($watcher.ExitCode)"
}
finally {
    if ($watcher -and -not $watcher.HasExited) { & kill -TERM $watcher.Id; $watcher.WaitForExit(5000) | Out-Null }
    & ip netns del $ns 2>$null
    Remove-Item -Recurse -Force $scratch -ErrorAction Ignore
}

foreach ($kind in 'flush', 'device', 'edit') {
    $t = @($times[$kind] | Sort-Object)
    if ($t.Count -gt 0) {
        Write-Host ('repair after {0,-6}: n={1,3} median {2,7:0.0} ms  max {3,7:0.0} ms' -f $kind, $t.Count, $t[[int][Math]::Floor(($t.Count - 1) / 2)], $t[-1])
    }
}

$failures | ForEach-Object { Write-Host "FAIL: $_" }
Write-Host "watch-soak: $($failures.Count) failed"
exit ($failures.Count -gt 0 ? 1 : 0)
