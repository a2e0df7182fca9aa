#!/usr/bin/env pwsh
# The main job through the module, touching nothing of the host: build and import it, enable seed 000's
# acceleration in a throwaway network namespace, show what is there and the counters. Needs root.
$ErrorActionPreference = 'Stop'
& (Join-Path $PSScriptRoot 'build.ps1') -Task Build
Import-Module (Join-Path $PSScriptRoot 'out/HostAccel/HostAccel.psd1') -Force
$ns = "hostaccel-demo-$PID"
& ip netns add $ns
try {
    & ip -n $ns link add antrea-gw0 type veth peer name gw-peer
    & ip -n $ns link add eth0 type veth peer name eth0-peer
    foreach ($dev in 'lo', 'antrea-gw0', 'gw-peer', 'eth0', 'eth0-peer') { & ip -n $ns link set $dev up }

    Test-HostAccelSupport -NetworkNamespace $ns | Format-List
    New-AccelTable -NetworkNamespace $ns -PassThru
    Add-PeerPodCidr -NetworkNamespace $ns -Cidr 10.244.0.0/24, 10.244.1.0/24, fd00:10:244::/64, fd00:10:244:1::/64 -PassThru
    Enable-Fastpath -NetworkNamespace $ns -GatewayInterface antrea-gw0 -TransportInterface eth0 -LocalPodCidr 10.244.2.0/24 -PassThru
    Get-FlowtableCounter -NetworkNamespace $ns
}
finally {
    & ip netns del $ns
}
