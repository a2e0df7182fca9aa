#!/usr/bin/env pwsh
<#
.SYNOPSIS
    A removal reaches connections already offloaded: run in the flowtable-capable VM (tests/vm/run.sh).
.DESCRIPTION
    client (a local Pod, 10.244.2.2) — Node (antrea-gw0, eth0) — server (a remote Pod, 10.244.0.2). On the Node, a
    table of its own ("netpol") counts in its forward chain the packets of the client's connections to the server:
    an offloaded flow's packets never reach it. For each way of taking acceleration away — Remove-PeerPodCidr,
    a sync whose configuration drops the CIDR, Disable-Fastpath, and Remove-PeerPodCidr of another CIDR (the flow
    stays accelerated) — a rate-limited iperf3 transfer is offloaded, the removal made, and then: the policy counter
    must see the flow's packets again within one second, and the transfer must end without error. Last, a
    Pod-to-Service connection DNATed on the Node (ClusterIP 10.96.0.10:8080 → 10.244.0.2:5201) is evicted in the
    middle of a transfer whose bytes are checked end to end (SHA-256 on both sides).
    Prints one PASS/FAIL line per check; exits 1 when any failed. Needs root and the staged module (build.ps1).
#>
[CmdletBinding()]
param([string] $Module = (Join-Path $PSScriptRoot '../../out/HostAccel/HostAccel.psd1'))

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Import-Module $Module -Force
$script:failed = 0
function Check([bool] $Ok, [string] $What, [string] $Detail = '') {
    Write-Host ('{0}: {1}{2}' -f ($Ok ? 'PASS' : 'FAIL'), $What, ($Detail ? " ($Detail)" : ''))
    if (-not $Ok) { $script:failed++ }
}
function In([string] $Namespace) {
    $out = & ip netns exec $Namespace @args 2>&1
    if ($LASTEXITCODE) { throw "in $Namespace`: $($args -join ' ') failed ($LASTEXITCODE): $out" }
    $out
}

$client, $node, $server = foreach ($role in 'client', 'node', 'server') { "ev-$PID-$role" }
$local = '10.244.2.0/24'
$peer = '10.244.0.0/24'
$other = '10.244.1.0/24'

function PolicyPackets {
    # The packets of the client's connections to the server that reached the forward hook (both directions).
    $json = In $node nft -j list chain ip netpol slowpath | ConvertFrom-Json
    ($json.nftables | Where-Object { $_.PSObject.Properties['rule'] } | ForEach-Object {
        $_.rule.expr | Where-Object { $_.PSObject.Properties['counter'] } | ForEach-Object { $_.counter.packets } } | Measure-Object -Sum).Sum
}

function OffloadedToServer {
    @(Get-OffloadedFlow -NetworkNamespace $node -Family Ip | Where-Object { $_.Protocol -eq 'tcp' -and $_.ReplySource -eq [ipaddress]'10.244.0.2' })
}

function Enable {
    Sync-AccelConfiguration -NetworkNamespace $node -Configuration @{
        TransportInterface = 'eth0'; LocalPodCidr = $local; PeerPodCidr = $peer, $other; Traffic = 'PodToPod'; Counter = $true
    } -Confirm:$false | Out-Null
}

<# Starts an iperf3 transfer, waits for it to be offloaded, runs the removal, and checks the policy counter. #>
function Scenario([string] $Name, [scriptblock] $Removal, [bool] $StillAccelerated = $false) {
    Enable
    $listener = Start-Process ip -ArgumentList 'netns', 'exec', $server, 'iperf3', '-s', '-1' -PassThru -RedirectStandardOutput /dev/null
    Start-Sleep -Milliseconds 400
    $transfer = Start-Process ip -ArgumentList 'netns', 'exec', $client, 'iperf3', '-c', '10.244.0.2', '-t', '30', '-b', '50M' -PassThru `
        -RedirectStandardOutput "/tmp/iperf-$Name.out" -RedirectStandardError "/tmp/iperf-$Name.err"
    $deadline = [DateTime]::UtcNow.AddSeconds(4)
    while (@(OffloadedToServer).Count -lt 2 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
    $offloaded = @(OffloadedToServer).Count
    $owners = @(OffloadedToServer | ForEach-Object PeerPodCidr | Sort-Object -Unique)
    Check ($owners.Count -eq 1 -and $owners[0] -eq $peer) "$Name`: Get-OffloadedFlow names the peer Pod CIDR of each offloaded flow" "$($owners -join ', ')"
    Start-Sleep -Milliseconds 300
    $before = PolicyPackets
    Start-Sleep -Seconds 1
    $idle = (PolicyPackets) - $before
    Check ($offloaded -ge 1 -and $idle -lt 20) "$Name`: the transfer is offloaded before the removal" "$offloaded flows offloaded, policy counter +$idle in 1 s"

    Check (-not $transfer.HasExited) "$Name`: the transfer still runs when the removal is made"
    # Read before the removal: a flow still covered is offloaded again by its very next packet, within the removal's own call.
    $start = PolicyPackets
    $watch = [Diagnostics.Stopwatch]::StartNew()
    & $Removal
    $removed = $watch.ElapsedMilliseconds
    Start-Sleep -Seconds 1
    $after = (PolicyPackets) - $start
    Check (-not $transfer.HasExited) "$Name`: the transfer still ran a second after the removal"
    # A flow still covered takes the forward chain for a packet or two, then is offloaded again.
    Check ($after -gt ($StillAccelerated ? 0 : 100)) "$Name`: the policy counter sees the flow's packets again within 1 s of the removal" "+$after packets from the removal to a second after it (removal took $removed ms)"
    if ($StillAccelerated) {
        Start-Sleep -Milliseconds 500
        $again = @(OffloadedToServer).Count
        Check ($again -ge 1) "$Name`: the flow, still covered, is offloaded again by its next packets" "$again flows offloaded"
    }
    else {
        Check (@(OffloadedToServer).Count -eq 0) "$Name`: no connection to the server is offloaded any more"
    }

    $transfer.WaitForExit()
    $listener.WaitForExit(5000) | Out-Null
    $err = Get-Content "/tmp/iperf-$Name.err" -Raw
    Check ($transfer.ExitCode -eq 0) "$Name`: the transfer finishes without error" "exit $($transfer.ExitCode) $err"
}

try {
    foreach ($ns in $client, $node, $server) { & ip netns add $ns; In $ns ip link set lo up | Out-Null }
    & ip link add c0 netns $client type veth peer name antrea-gw0 netns $node
    & ip link add eth0 netns $node type veth peer name s0 netns $server
    In $client ip addr add 10.244.2.2/24 dev c0 | Out-Null
    In $node ip addr add 10.244.2.1/24 dev antrea-gw0 | Out-Null
    In $node ip addr add 10.244.0.1/24 dev eth0 | Out-Null
    In $server ip addr add 10.244.0.2/24 dev s0 | Out-Null
    foreach ($pair in ($client, 'c0'), ($node, 'antrea-gw0'), ($node, 'eth0'), ($server, 's0')) { In $pair[0] ip link set $pair[1] up | Out-Null }
    In $client ip route add default via 10.244.2.1 | Out-Null
    In $server ip route add default via 10.244.0.1 | Out-Null
    In $node sysctl -qw net.ipv4.ip_forward=1 net.netfilter.nf_conntrack_acct=1 | Out-Null
    # Another table's forward chain (Antrea's NetworkPolicy would be here) and a Service's DNAT, both on the Node.
    @'
table ip netpol {
    chain slowpath {
        type filter hook forward priority 10; policy accept;
        ip saddr 10.244.2.2 ip daddr 10.244.0.2 counter
        ip saddr 10.244.0.2 ip daddr 10.244.2.2 counter
    }
}
table ip svc {
    chain pre {
        type nat hook prerouting priority -100; policy accept;
        ip daddr 10.96.0.10 tcp dport 8080 dnat to 10.244.0.2:5201
    }
}
'@ |
        & ip netns exec $node nft -f -
    In $client ping -c 1 -W 5 10.244.0.2 | Out-Null
    # Under the VM's emulated CPU the first call of each cmdlet takes seconds (JIT): not what is measured here.
    Get-OffloadedFlow -NetworkNamespace $node | Out-Null
    PolicyPackets | Out-Null
    Enable
    Remove-PeerPodCidr -NetworkNamespace $node -Cidr $other -WhatIf | Out-Null
    Disable-Fastpath -NetworkNamespace $node -WhatIf | Out-Null

    Scenario 'Remove-PeerPodCidr' { Remove-PeerPodCidr -NetworkNamespace $node -Cidr $peer -Confirm:$false }
    Scenario 'Sync dropping the CIDR' {
        Sync-AccelConfiguration -NetworkNamespace $node -Configuration @{
            TransportInterface = 'eth0'; LocalPodCidr = $local; PeerPodCidr = $other; Traffic = 'PodToPod'; Counter = $true
        } -Confirm:$false | Out-Null
    }
    Scenario 'Disable-Fastpath' { Disable-Fastpath -NetworkNamespace $node -Confirm:$false }
    Scenario 'Remove-PeerPodCidr of another peer' { Remove-PeerPodCidr -NetworkNamespace $node -Cidr $other -Confirm:$false } -StillAccelerated $true

    # Pod-to-Service: the client talks to a ClusterIP the Node DNATs; the bytes are checked at both ends.
    Enable
    $receiver = @'
import hashlib, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", 5201)); s.listen(1)
c, _ = s.accept(); h = hashlib.sha256(); n = 0
while True:
    b = c.recv(65536)
    if not b: break
    h.update(b); n += len(b)
print(n, h.hexdigest())
'@
    $sender = @'
import hashlib, os, socket, time
c = socket.create_connection(("10.96.0.10", 8080)); h = hashlib.sha256(); n = 0; end = time.time() + 6
rng = hashlib.sha256(b"hostaccel")
while time.time() < end:
    block = b"".join(hashlib.sha256(rng.digest() + i.to_bytes(4, "big")).digest() for i in range(2048))
    rng = hashlib.sha256(block)
    c.sendall(block); h.update(block); n += len(block); time.sleep(0.01)
c.shutdown(socket.SHUT_WR); c.recv(1); c.close()
print(n, h.hexdigest())
'@
    Set-Content /tmp/ev-recv.py $receiver
    Set-Content /tmp/ev-send.py $sender
    $recv = Start-Process ip -ArgumentList 'netns', 'exec', $server, 'python3', '/tmp/ev-recv.py' -PassThru -RedirectStandardOutput /tmp/ev-recv.out -RedirectStandardError /tmp/ev-recv.err
    Start-Sleep -Milliseconds 500
    $send = Start-Process ip -ArgumentList 'netns', 'exec', $client, 'python3', '/tmp/ev-send.py' -PassThru -RedirectStandardOutput /tmp/ev-send.out -RedirectStandardError /tmp/ev-send.err
    $deadline = [DateTime]::UtcNow.AddSeconds(4)
    while (@(OffloadedToServer).Count -lt 1 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
    $flow = OffloadedToServer | Select-Object -First 1
    Check ($null -ne $flow -and $flow.Destination -eq [ipaddress]'10.96.0.10') 'Pod-to-Service: the DNATed connection is offloaded' "$flow"
    Start-Sleep -Milliseconds 500
    $before = PolicyPackets
    Remove-PeerPodCidr -NetworkNamespace $node -Cidr $peer -Confirm:$false
    Start-Sleep -Seconds 1
    $after = (PolicyPackets) - $before
    $ct = In $node conntrack -L -p tcp --orig-dst 10.96.0.10 2>$null
    Check ($after -gt 50) 'Pod-to-Service: the policy counter sees the DNATed flow again within 1 s' "+$after packets"
    Check ("$ct" -match 'dst=10.96.0.10' -and "$ct" -match 'src=10.244.0.2' -and "$ct" -notmatch 'OFFLOAD') 'Pod-to-Service: its conntrack entry stays, with its DNAT, out of the flowtable' "$ct"
    $send.WaitForExit(20000) | Out-Null
    $recv.WaitForExit(20000) | Out-Null
    $sent = (Get-Content /tmp/ev-send.out -Raw).Trim()
    $received = (Get-Content /tmp/ev-recv.out -Raw).Trim()
    Check ($send.ExitCode -eq 0 -and $sent -and $sent -eq $received) 'Pod-to-Service: the connection survives with its data intact' "sent '$sent', received '$received' $(Get-Content /tmp/ev-send.err -Raw)"
}
finally {
    foreach ($ns in $client, $node, $server) { & ip netns del $ns 2>$null }
}

Write-Host "eviction-checks: $script:failed failed"
exit ($script:failed -gt 0 ? 1 : 0)
