#!/usr/bin/env pwsh
<#
.SYNOPSIS
    The main job through the module's cmdlets, touching nothing of the host: a Node between a local Pod and a remote
    one, acceleration enabled on it, a TCP transfer across, and the flow seen offloaded.
.DESCRIPTION
    Three throwaway network namespaces: a client (a local Pod, 10.244.2.2), the Node (its antrea-gw0 faces the
    client, its eth0 the transport network) and a server (a Pod of another Node, 10.244.0.2). On the Node:
    New-AccelTable, Add-PeerPodCidr, Enable-Fastpath (the objects of Antrea's design), then an iperf3 transfer while
    Get-OffloadedFlow watches, then Get-FlowtableCounter. On a kernel without flowtables it runs itself in the
    flowtable-capable VM of tests/vm (Debian's kernel under QEMU) and says so. Needs root.
.PARAMETER NoBuild
    Use the module already staged in out/HostAccel.
#>
[CmdletBinding()]
param([switch] $NoBuild)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
if (-not $NoBuild) {
    & (Join-Path $root 'build.ps1') -Task Build | Out-Null
}
Import-Module (Join-Path $root 'out/HostAccel/HostAccel.psd1') -Force

$client, $node, $server = foreach ($role in 'client', 'node', 'server') { "hostaccel-demo-$PID-$role" }
function Show {
    # Tables as wide as they need: the demo's output is often not a terminal (in the VM it never is).
    $input | Out-String -Width 180 | Write-Host
}
function Invoke-In([string] $Namespace) {
    & ip netns exec $Namespace @args
    if ($LASTEXITCODE) { throw "in $Namespace`: $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

try {
    foreach ($ns in $client, $node, $server) { & ip netns add $ns; Invoke-In $ns ip link set lo up }
    & ip link add c0 netns $client type veth peer name antrea-gw0 netns $node
    & ip link add eth0 netns $node type veth peer name s0 netns $server
    Invoke-In $client ip addr add 10.244.2.2/24 dev c0
    Invoke-In $node ip addr add 10.244.2.1/24 dev antrea-gw0
    Invoke-In $node ip addr add 10.244.0.1/24 dev eth0
    Invoke-In $server ip addr add 10.244.0.2/24 dev s0
    foreach ($pair in ($client, 'c0'), ($node, 'antrea-gw0'), ($node, 'eth0'), ($server, 's0')) { Invoke-In $pair[0] ip link set $pair[1] up }
    Invoke-In $client ip route add default via 10.244.2.1
    Invoke-In $server ip route add default via 10.244.0.1
    Invoke-In $node sysctl -qw net.ipv4.ip_forward=1 net.netfilter.nf_conntrack_acct=1

    $support = Test-HostAccelSupport -NetworkNamespace $node
    if (-not $support.Flowtable) {
        if ($env:HOSTACCEL_IN_VM -or -not (Test-Path (Join-Path $root 'tests/vm/run.sh'))) {
            throw "this kernel cannot run the demo: $($support.Reasons -join '; ')"
        }
        Write-Host "This kernel ($($support.KernelRelease)) has no flowtables: the demo runs in a VM with Debian's kernel (tests/vm)."
        foreach ($ns in $client, $node, $server) { & ip netns del $ns }
        $client = $node = $server = $null
        & (Join-Path $root 'tests/vm/run.sh') --timeout 600 -- pwsh -NoProfile -NonInteractive -File (Join-Path $root 'demo.ps1') -NoBuild
        exit $LASTEXITCODE
    }

    Write-Host "`n== The Node ($node), kernel $($support.KernelRelease): Antrea's acceleration, each cmdlet one transaction"
    New-AccelTable -NetworkNamespace $node -Family Ip -PassThru | Format-Table | Show
    Add-PeerPodCidr -NetworkNamespace $node -Cidr 10.244.0.0/24, 10.244.1.0/24 -PassThru | Format-Table | Show
    Enable-Fastpath -NetworkNamespace $node -Family Ip -GatewayInterface antrea-gw0 -TransportInterface eth0 -LocalPodCidr 10.244.2.0/24 -Counter -PassThru |
        Format-List | Show

    Write-Host "== A 3 s iperf3 transfer from the local Pod to the remote one, watched from the Node"
    $listener = Start-Process ip -ArgumentList 'netns', 'exec', $server, 'iperf3', '-s', '-1' -PassThru -RedirectStandardOutput /dev/null
    Start-Sleep -Milliseconds 500
    $transfer = Start-Process ip -ArgumentList 'netns', 'exec', $client, 'iperf3', '-c', '10.244.0.2', '-t', '3' -PassThru -RedirectStandardOutput /dev/null
    $seen = @()
    $counters = @()
    while (-not $transfer.HasExited) {
        $seen = @(Get-OffloadedFlow -NetworkNamespace $node -Family Ip)
        if ($seen.Count -gt 0) {
            # Let the fast path carry a while, then read what the rules and conntrack counted.
            Start-Sleep -Seconds 1
            $seen = @(Get-OffloadedFlow -NetworkNamespace $node -Family Ip)
            $counters = @(Get-FlowtableCounter -NetworkNamespace $node -Family Ip)
            break
        }
        Start-Sleep -Milliseconds 200
    }
    $transfer.WaitForExit()
    $listener.WaitForExit(5000) | Out-Null
    if ($seen.Count -eq 0) { throw 'no flow was seen offloaded during the transfer' }
    $seen | Format-Table | Show

    Write-Host "== The acceleration rules during the transfer: the rule counted the packets that set the flow up; the"
    Write-Host "   rest took the fast path, which only conntrack counts (the flowtable's counter flag)"
    $counters | Format-Table Handle, Packets, Bytes, OffloadedFlows, OffloadedPackets, OffloadedBytes, Comment | Show
}
finally {
    foreach ($ns in $client, $node, $server) { if ($ns) { & ip netns del $ns 2>$null } }
}
