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

    With -Mode TrafficControl, the other accelerator of Antrea's design (hostNetworkAcceleration's Traffic Control
    solution): the server is a Pod behind a peer Node (10.244.0.2 behind 172.18.0.2), Enable-Fastpath -Mode
    TrafficControl writes clsact and flower redirects on antrea-gw0 and eth0, ping and iperf3 run both ways, and a
    counting rule in the Node's forward chain shows that the stack forwarded none of it while Get-FastpathCounter
    counts it; Disable-Fastpath -Mode TrafficControl removes the filters again. On a kernel without cls_flower,
    act_pedit or act_csum it runs in the VM of tests/vm.
.PARAMETER Mode
    Flowtable (the default) or TrafficControl.
.PARAMETER NoBuild
    Use the module already staged in out/HostAccel.
.EXAMPLE
    ./demo.sh -Mode TrafficControl
#>
[CmdletBinding()]
param(
    [ValidateSet('Flowtable', 'TrafficControl')]
    [string] $Mode = 'Flowtable',

    [switch] $NoBuild
)

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

# Runs the demo in the VM of tests/vm when this kernel lacks what the mode needs (and says so); false when it can run here.
function Invoke-InVm([string] $Missing) {
    if ($env:HOSTACCEL_IN_VM -or -not (Test-Path (Join-Path $root 'tests/vm/run.sh'))) {
        throw "this kernel cannot run the demo: $Missing"
    }
    Write-Host "This kernel ($((Get-Content /proc/sys/kernel/osrelease))) cannot run this demo ($Missing): it runs in a VM with Debian's kernel (tests/vm)."
    & (Join-Path $root 'tests/vm/run.sh') --timeout 600 -- pwsh -NoProfile -NonInteractive -File (Join-Path $root 'demo.ps1') -NoBuild -Mode $Mode
    exit $LASTEXITCODE
}

if ($Mode -eq 'TrafficControl') {
    $support = Test-HostAccelSupport
    if (-not $support.TrafficControl) { Invoke-InVm ($support.TrafficControlReasons -join '; ') }
    try {
        foreach ($ns in $client, $node, $server) { & ip netns add $ns; Invoke-In $ns ip link set lo up }
        & ip link add c0 netns $client type veth peer name antrea-gw0 netns $node
        & ip link add eth0 netns $node type veth peer name s0 netns $server
        # The server is a Pod behind a peer Node: its address on the peer's lo, the peer Node at 172.18.0.2.
        Invoke-In $client ip addr add 10.244.2.2/24 dev c0
        Invoke-In $node ip addr add 10.244.2.1/24 dev antrea-gw0
        Invoke-In $node ip addr add 172.18.0.1/24 dev eth0
        Invoke-In $server ip addr add 172.18.0.2/24 dev s0
        Invoke-In $server ip addr add 10.244.0.2/32 dev lo
        foreach ($pair in ($client, 'c0'), ($node, 'antrea-gw0'), ($node, 'eth0'), ($server, 's0')) { Invoke-In $pair[0] ip link set $pair[1] up }
        Invoke-In $client ip route add default via 10.244.2.1
        Invoke-In $node ip route add 10.244.0.0/24 via 172.18.0.2 dev eth0
        Invoke-In $server ip route add 10.244.2.0/24 via 172.18.0.1 src 10.244.0.2
        Invoke-In $node sysctl -qw net.ipv4.ip_forward=1
        # A counting rule in the Node's forward chain: what the stack forwards.
        'table inet demo { chain forward { type filter hook forward priority -10; policy accept; counter; }; }' | & ip netns exec $node nft -f -
        if ($LASTEXITCODE) { throw 'the counting chain could not be created' }
        function Get-Forwarded {
            $listed = & ip netns exec $node nft -j list chain inet demo forward
            if ($LASTEXITCODE) { throw 'the counting chain could not be read' }
            [uint64]((($listed | ConvertFrom-Json).nftables | Where-Object { $_.PSObject.Properties['rule'] }).rule.expr | Where-Object { $_.PSObject.Properties['counter'] }).counter.packets
        }
        # The kernel's own forwarding first: it resolves the neighbours whose MACs the redirects write into frames.
        Invoke-In $client ping -c 1 -W 5 10.244.0.2 | Out-Null
        Invoke-In $server ping -c 1 -W 5 -I 10.244.0.2 10.244.2.2 | Out-Null
        $before = Get-Forwarded
        Write-Host "forward chain: $before packets of the kernel's own forwarding (two pings, each way), before Enable-Fastpath"

        Write-Host "`n== The Node ($node), kernel $($support.KernelRelease): Traffic Control mode (clsact, flower, pedit, csum, mirred)"
        $enable = @{ NetworkNamespace = $node; Mode = 'TrafficControl'; TransportInterface = 'eth0'; LocalPodCidr = '10.244.2.0/24'; PeerPodCidr = '10.244.0.0/24' }
        # The plan first, as tc commands (MAC addresses from the Node's routes and neighbours), then the same applied.
        Enable-Fastpath @enable -WhatIf
        Enable-Fastpath @enable -Confirm:$false
        Get-Fastpath -NetworkNamespace $node -Mode TrafficControl | Format-List Mode, Family, Devices, Enabled, Filters | Show

        Write-Host "== ping both ways: the replies come back with TTL 63, one hop less, as if the Node had routed them"
        Invoke-In $client ping -c 3 -i 0.2 10.244.0.2 | Show
        Invoke-In $server ping -c 3 -i 0.2 -I 10.244.0.2 10.244.2.2 | Show
        foreach ($direction in @(), @('-R')) {
            Write-Host "== A 3 s iperf3 transfer, $(if ($direction) { 'remote Pod to local Pod (-R)' } else { 'local Pod to remote Pod' })"
            Invoke-In $server iperf3 -s -1 -D -B 10.244.0.2
            Start-Sleep -Milliseconds 500
            Invoke-In $client iperf3 -c 10.244.0.2 -t 3 @direction | Select-Object -Last 4 | Show
        }

        Write-Host "== What each filter carried (Get-FastpathCounter), and what the Node's forward chain saw meanwhile"
        Get-FastpathCounter -NetworkNamespace $node | Format-Table Device, Priority, Source, Destination, Action, Packets, Bytes | Show
        Write-Host "forward chain: $((Get-Forwarded) - $before) packets during the demo (the stack forwarded none of it)"

        Write-Host "`n== Disable-Fastpath -Mode TrafficControl: HostAccel's filters and the clsact it added are removed"
        Disable-Fastpath -NetworkNamespace $node -Mode TrafficControl -Confirm:$false
        Invoke-In $node tc qdisc show dev eth0 | Show
    }
    finally {
        foreach ($ns in $client, $node, $server) { if ($ns) { & ip netns del $ns 2>$null } }
    }
    exit 0
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
        foreach ($ns in $client, $node, $server) { & ip netns del $ns }
        $client = $node = $server = $null
        Invoke-InVm ($support.Reasons -join '; ')
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
