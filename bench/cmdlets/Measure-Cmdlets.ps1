#!/usr/bin/env pwsh
# What a user of the cmdlets gets, measured in pwsh: each cmdlet path beside the same change made through the native
# layer the cmdlets sit on (NftConnection, called from this same session) and beside nft run from this session, at
# each size, in alternating rounds; medians, and the ratios against the targets of the cmdlet-surface issue.
# Prints a markdown table and one machine-readable line per measure: "cmdlets <measure>@<N> ratio=<x> target=<t> met|missed".
# Needs root. Usage: bench/cmdlets/Measure-Cmdlets.ps1 [-Sizes 5000,100000] [-Rounds 5]
param(
    [int[]] $Sizes = @(5000, 100000),
    [int] $Rounds = 5,
    [string] $ModulePath = (Join-Path $PSScriptRoot '../../out/HostAccel/HostAccel.psd1')
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force
$ns = "ha-bench-$PID"

function Ms([scriptblock] $Block) {
    $sw = [Diagnostics.Stopwatch]::StartNew(); & $Block | Out-Null; $sw.Elapsed.TotalMilliseconds
}
function Median([double[]] $Values) { $s = $Values | Sort-Object; if ($s.Count % 2) { $s[[int][math]::Floor($s.Count / 2)] } else { ($s[$s.Count / 2 - 1] + $s[$s.Count / 2]) / 2 } }
function Prefixes([int] $Count, [int] $Second = 16) {
    # /32s under 16.0.0.0 upwards: $Count distinct, non-overlapping, canonical.
    for ($i = 0; $i -lt $Count; $i++) { '{0}.{1}.{2}.{3}/32' -f ($Second + ($i -shr 16)), (($i -shr 8) -band 255), ($i -band 255), 1 }
}
function Nft { & ip netns exec $ns nft @args; if ($LASTEXITCODE) { throw "nft $args failed" } }
function Reset-Set([string[]] $Load) {
    Nft flush set ip antrea peer-pod-cidr
    if ($Load.Count) {
        $file = Join-Path ([IO.Path]::GetTempPath()) "$ns.nft"
        "add element ip antrea peer-pod-cidr { $($Load -join ', ') }" | Set-Content $file
        Nft -f $file; Remove-Item $file
    }
}

$results = [Collections.Generic.List[object]]::new()
function Report([string] $Measure, [int] $N, [double] $Cmdlet, [double] $Engine, [double] $NftMs, [double] $Target, [string] $Against) {
    $ratio = if ($Against -eq 'engine') { $Cmdlet / $Engine } else { $NftMs / $Cmdlet }
    $met = if ($Against -eq 'engine') { $ratio -le $Target } else { $ratio -ge $Target }
    $results.Add([pscustomobject]@{ Measure = $Measure; N = $N; CmdletMs = [math]::Round($Cmdlet, 2); EngineMs = [math]::Round($Engine, 2); NftMs = [math]::Round($NftMs, 2)
        Ratio = [math]::Round($ratio, 2); Target = "$(if ($Against -eq 'engine') { '≤' } else { '≥' }) $Target× $Against"; Verdict = if ($met) { 'met' } else { 'missed' } })
    "cmdlets $Measure@$N ratio=$([math]::Round($ratio, 2)) against=$Against target=$Target $(if ($met) { 'met' } else { 'missed' })"
}

& ip netns add $ns
try {
    New-AccelTable -NetworkNamespace $ns -Family Ip
    Add-PeerPodCidr -NetworkNamespace $ns 1.1.1.0/24
    $nft = [HostAccel.Native.Nftables.NftConnection]::Open($ns)
    $set = $nft.ListSets([HostAccel.Native.Nftables.NftFamily]::Ip, 'antrea') | Where-Object Name -EQ 'peer-pod-cidr'
    $one = [HostAccel.Native.Nftables.IpPrefix]::Parse('9.9.9.9/32')
    foreach ($n in $Sizes) {
        $load = @(Prefixes $n)
        $parsed = [HostAccel.Native.Nftables.IpPrefix[]]@($load | ForEach-Object { [HostAccel.Native.Nftables.IpPrefix]::Parse($_) })

        # 1. Add and remove one prefix with the set at N, alternating cmdlet / engine / nft.
        Reset-Set $load
        $c = @(); $e = @(); $t = @()
        for ($r = 0; $r -lt $Rounds; $r++) {
            $c += Ms { Add-PeerPodCidr -NetworkNamespace $ns 9.9.9.9/32; Remove-PeerPodCidr -NetworkNamespace $ns 9.9.9.9/32 -Confirm:$false }
            $e += Ms {
                $tx = [HostAccel.Native.Nftables.NftTransaction]::new(); $tx.AddElements($set, [HostAccel.Native.Nftables.IpPrefix[]]@($one)); $nft.Commit($tx, $nft.GetGeneration())
                $tx = [HostAccel.Native.Nftables.NftTransaction]::new(); $tx.DeleteElements($set, [HostAccel.Native.Nftables.IpPrefix[]]@($one)); $nft.Commit($tx, $nft.GetGeneration())
            }
            $t += Ms { Nft add element ip antrea peer-pod-cidr '{ 9.9.9.9 }'; Nft delete element ip antrea peer-pod-cidr '{ 9.9.9.9 }' }
        }
        Report 'add+remove-one' $n (Median $c) (Median $e) (Median $t) 2 'engine'
        Report 'add+remove-one-vs-nft' $n (Median $c) (Median $e) (Median $t) 50 'nft'

        # 2. Add N new prefixes to an empty set in one call: as an array (-Cidr $list) and through the pipeline
        # ($list | Add-PeerPodCidr, where PowerShell's own binding of each string to the parameters is part of the cost).
        $c = @(); $p = @(); $e = @(); $t = @()
        $bulkRounds = [math]::Max(1, [math]::Min($Rounds, [int](500000 / $n)))
        for ($r = 0; $r -lt $bulkRounds; $r++) {
            Reset-Set @()
            $c += Ms { Add-PeerPodCidr -NetworkNamespace $ns -Cidr $load }
            Reset-Set @()
            $p += Ms { $load | Add-PeerPodCidr -NetworkNamespace $ns }
            Reset-Set @()
            $e += Ms { $tx = [HostAccel.Native.Nftables.NftTransaction]::new(); $tx.AddElements($set, $parsed); $nft.Commit($tx, $nft.GetGeneration()) }
            Reset-Set @()
            $file = Join-Path ([IO.Path]::GetTempPath()) "$ns-add.nft"
            "add element ip antrea peer-pod-cidr { $($load -join ', ') }" | Set-Content $file
            $t += Ms { Nft -f $file }
            Remove-Item $file
        }
        Report 'add-all' $n (Median $c) (Median $e) (Median $t) 1.5 'engine'
        Report 'add-all-piped' $n (Median $p) (Median $e) (Median $t) 1.5 'engine'

        # 3. Read the set at N.
        Reset-Set $load
        $c = @(); $e = @(); $t = @()
        for ($r = 0; $r -lt $Rounds; $r++) {
            $c += Ms { Get-PeerPodCidr -NetworkNamespace $ns | Measure-Object }
            $e += Ms { $nft.ListPrefixes($set).Count }
            $t += Ms { Nft -j list set ip antrea peer-pod-cidr }
        }
        Report 'get' $n (Median $c) (Median $e) (Median $t) 2 'engine'

        # 4. Memory of that read, in a pwsh of its own: peak working set against the working set after Import-Module.
        $probe = "Import-Module '$ModulePath'; [GC]::Collect(); `$p = [Diagnostics.Process]::GetCurrentProcess(); `$base = `$p.WorkingSet64; " +
            "Get-PeerPodCidr -NetworkNamespace $ns | Measure-Object | Out-Null; `$p.Refresh(); '{0} {1}' -f `$base, `$p.PeakWorkingSet64"
        $base, $peak = (& pwsh -NoProfile -NonInteractive -Command $probe) -split ' '
        $ratio = [double]$peak / [double]$base
        $results.Add([pscustomobject]@{ Measure = 'get-peak-memory'; N = $n; CmdletMs = $null; EngineMs = $null; NftMs = $null
            Ratio = [math]::Round($ratio, 2); Target = '≤ 2× after Import-Module'; Verdict = if ($ratio -le 2) { 'met' } else { 'missed' } })
        "cmdlets get-peak-memory@$n ratio=$([math]::Round($ratio, 2)) against=import target=2 $(if ($ratio -le 2) { 'met' } else { 'missed' }) (base $([math]::Round($base / 1MB)) MB, peak $([math]::Round($peak / 1MB)) MB)"
    }
    $nft.Dispose()
} finally {
    & ip netns del $ns
}

''
'| measure | N | cmdlet ms | engine ms | nft ms | ratio | target | verdict |'
'|---|---|---|---|---|---|---|---|'
foreach ($r in $results) { "| $($r.Measure) | $($r.N) | $($r.CmdletMs) | $($r.EngineMs) | $($r.NftMs) | $($r.Ratio) | $($r.Target) | $($r.Verdict) |" }
