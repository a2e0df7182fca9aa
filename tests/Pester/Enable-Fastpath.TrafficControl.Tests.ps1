# Enable-Fastpath -Mode TrafficControl and its siblings. On a kernel without cls_flower, act_pedit or act_csum (this
# CI host's) the clear refusal that changes nothing; on one with them (the VM: tests/vm/run.sh) the demo topology
# accelerated by the cmdlets: ping and iperf3 both ways through the filters while the Node's forward chain counts
# nothing, Get-FastpathCounter counting them, drift repaired by Sync-AccelConfiguration, Disable-Fastpath removing
# exactly HostAccel's filters.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force

    # A counting rule in a Node's forward chain: what the stack forwards ("fwd" is an nft keyword, not a name).
    function New-CountingChain([string] $Node) {
        'table inet tcpester { chain forward { type filter hook forward priority -10; policy accept; counter; }; }' | & ip netns exec $Node nft -f -
        if ($LASTEXITCODE) { throw 'the counting chain could not be created' }
    }

    # The packets that counting rule saw, on the Node $node of the calling Describe.
    function Get-ForwardCount {
        $listed = & ip netns exec $node nft -j list chain inet tcpester forward
        if ($LASTEXITCODE) { throw 'the counting chain could not be read' }
        # Under strict mode: only the entries that have a rule, only the expressions that are a counter.
        $rules = @(($listed | ConvertFrom-Json).nftables | Where-Object { $_.PSObject.Properties['rule'] })
        $counters = @($rules.rule.expr | Where-Object { $_.PSObject.Properties['counter'] })
        if ($counters.Count -ne 1) { throw "the counting chain has $($counters.Count) counters" }
        [uint64]$counters[0].counter.packets
    }

    # A Node with the demo's addresses, its peer route and resolved neighbours: enough to plan, no traffic.
    function Initialize-PlanningNode([string] $Name) {
        & ip -n $Name addr add 10.244.2.1/24 dev antrea-gw0
        & ip -n $Name addr add 172.18.0.1/24 dev eth0
        & ip -n $Name route add 10.244.0.0/24 via 172.18.0.2 dev eth0
        & ip -n $Name neigh add 172.18.0.2 lladdr 02:00:00:00:00:02 dev eth0 nud permanent
        & ip -n $Name neigh add 10.244.2.2 lladdr 02:00:00:00:02:02 dev antrea-gw0 nud permanent
        & ip netns exec $Name sysctl -qw net.ipv4.ip_forward=1
    }

    function Get-Qdisc([string] $Name) { (& ip netns exec $Name tc -j qdisc show | ConvertFrom-Json) | Where-Object kind -eq 'clsact' }
}

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
    $trafficControl = (Test-HostAccelSupport).TrafficControl
}

Describe 'Enable-Fastpath -Mode TrafficControl' {
    BeforeEach { $ns = New-TestNamespace; Initialize-PlanningNode $ns }
    AfterEach { Remove-TestNamespace $ns }

    It 'refuses <Traffic> traffic as InvalidArgument, naming it and why, and changes nothing' -ForEach @(
        @{ Traffic = 'ExternalToNodePort' }, @{ Traffic = 'ExternalToPod' }, @{ Traffic = 'ExternalIP' }, @{ Traffic = 'FullPath' }
    ) {
        $err = $null
        Enable-Fastpath -NetworkNamespace $ns -Mode TrafficControl eth0 10.244.2.0/24 -PeerPodCidr 10.244.0.0/24 -Traffic "PodToPod, $Traffic" -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'TrafficNotCarried,HostAccel.PowerShell.Commands.EnableFastpathCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].TargetObject | Should -Be $Traffic
        $err[0].Exception.Message | Should -Match "cannot carry $Traffic traffic: its filters are stateless \(no conntrack"
        Get-Qdisc $ns | Should -BeNullOrEmpty
    }

    It 'refuses a flowtable setting (-HardwareOffload) in the Traffic Control mode' {
        { Enable-Fastpath -NetworkNamespace $ns -Mode TrafficControl eth0 10.244.2.0/24 -PeerPodCidr 10.244.0.0/24 -HardwareOffload -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidArgument,HostAccel.PowerShell.Commands.EnableFastpathCommand'
    }

    It 'needs the peer Pod CIDRs' {
        { Enable-Fastpath -NetworkNamespace $ns -Mode TrafficControl eth0 10.244.2.0/24 -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidArgument,HostAccel.PowerShell.Commands.EnableFastpathCommand'
    }

    It 'prints the tc statements with -WhatIf and changes nothing' {
        $out = Enable-Fastpath -NetworkNamespace $ns -Mode TrafficControl eth0 10.244.2.0/24 -PeerPodCidr 10.244.0.0/24 -WhatIf -Verbose 4>&1 | Out-String
        $out | Should -Match 'tc qdisc add dev antrea-gw0 clsact'
        $out | Should -Match 'tc filter add dev antrea-gw0 ingress protocol ip prio 40010 handle 1 flower skip_hw src_ip 10.244.2.0/24 dst_ip 10.244.0.0/24 action pedit ex munge eth src set \S+ munge eth dst set 02:00:00:00:00:02 munge ip ttl add 0xff pipe cookie 686f7374616363656c01 action csum ip pipe action mirred egress redirect dev eth0'
        $out | Should -Match 'tc filter add dev eth0 ingress protocol ip prio 40010 handle 1 flower skip_hw src_ip 10.244.0.0/24 dst_ip 10.244.2.2 action pedit .* munge eth dst set 02:00:00:00:02:02 .* redirect dev antrea-gw0'
        Get-Qdisc $ns | Should -BeNullOrEmpty
    }

    It 'fails with TrafficControlNotSupported naming the missing modules and changes nothing on a kernel without them' -Skip:$trafficControl {
        $err = $null
        Enable-Fastpath -NetworkNamespace $ns -Mode TrafficControl eth0 10.244.2.0/24 -PeerPodCidr 10.244.0.0/24 -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'TrafficControlNotSupported,HostAccel.PowerShell.Commands.EnableFastpathCommand'
        $err[0].CategoryInfo.Category | Should -Be 'NotImplemented'
        $missing = (Test-HostAccelSupport).TrafficControlModules | Where-Object { $_ -match ': Missing$' } | ForEach-Object { ($_ -split ':')[0] }
        $missing | Should -Not -BeNullOrEmpty
        foreach ($module in $missing) { $err[0].Exception.Message | Should -Match $module }
        Get-Qdisc $ns | Should -BeNullOrEmpty
        (& ip netns exec $ns tc -j qdisc show | ConvertFrom-Json).kind | Should -Not -Contain 'clsact'
        (& ip netns exec $ns tc -j qdisc show | ConvertFrom-Json) | Should -Not -BeNullOrEmpty
    }

    It 'Test-HostAccelSupport lists the mode''s modules' {
        $support = Test-HostAccelSupport -NetworkNamespace $ns
        foreach ($module in 'cls_flower', 'act_mirred', 'act_pedit', 'act_csum') {
            $support.TrafficControlModules | Where-Object { $_ -like "${module}: *" } | Should -HaveCount 1
        }
        $support.TrafficControl | Should -Be ($support.TrafficControlReasons.Count -eq 0)
    }
}

Describe 'Traffic Control mode on a kernel that has it' -Skip:(-not $trafficControl) {
    BeforeAll {
        $suffix = [guid]::NewGuid().ToString('N').Substring(0, 6)
        $pod = "ha-tc-pod-$suffix"; $node = "ha-tc-node-$suffix"; $peer = "ha-tc-peer-$suffix"
        foreach ($n in $pod, $node, $peer) { & ip netns add $n; & ip -n $n link set lo up }
        & ip link add c0 netns $pod type veth peer name antrea-gw0 netns $node
        & ip link add eth0 netns $node type veth peer name s0 netns $peer
        & ip -n $pod addr add 10.244.2.2/24 dev c0; & ip -n $pod link set c0 up; & ip -n $pod route add default via 10.244.2.1
        & ip -n $node addr add 10.244.2.1/24 dev antrea-gw0; & ip -n $node addr add 172.18.0.1/24 dev eth0
        & ip -n $node link set antrea-gw0 up; & ip -n $node link set eth0 up
        & ip -n $node route add 10.244.0.0/24 via 172.18.0.2 dev eth0
        & ip -n $peer addr add 172.18.0.2/24 dev s0; & ip -n $peer link set s0 up; & ip -n $peer addr add 10.244.0.2/32 dev lo
        & ip -n $peer route add 10.244.2.0/24 via 172.18.0.1 src 10.244.0.2
        & ip netns exec $node sysctl -qw net.ipv4.ip_forward=1
        New-CountingChain $node
        # The kernel's path first, which fills the Node's neighbour table (and shows that the counting rule counts).
        & ip netns exec $pod ping -c 1 -W 5 10.244.0.2 | Out-Null
        & ip netns exec $peer ping -c 1 -W 5 -I 10.244.0.2 10.244.2.2 | Out-Null
        # Under /tmp: the VM sees the host's /var/tmp read-only.
        $iperf = Join-Path ([System.IO.Path]::GetTempPath()) "ha-tc-iperf-$suffix"
    }
    AfterAll { foreach ($n in $pod, $node, $peer) { if ($n) { & ip netns del $n 2>$null } } }

    It 'enables the mode: clsact and HostAccel''s filters on both devices, shown by Get-Fastpath' {
        Get-ForwardCount | Should -BeGreaterOrEqual 4  # the two pings of BeforeAll, both ways, through the stack
        $fastpath = Enable-Fastpath -NetworkNamespace $node -Mode TrafficControl eth0 10.244.2.0/24 -PeerPodCidr 10.244.0.0/24 -Confirm:$false -PassThru -ErrorAction Stop
        $fastpath.Mode | Should -Be 'TrafficControl'
        $fastpath.Enabled | Should -BeTrue
        $read = Get-Fastpath -NetworkNamespace $node -Mode TrafficControl
        $read.Devices | Sort-Object | Should -Be @('antrea-gw0', 'eth0')
        $read.Filters | Should -HaveCount 4
        (& ip netns exec $node tc filter show dev antrea-gw0 ingress | Out-String) | Should -Match 'mirred \(Egress Redirect to device eth0\)'
    }

    It 'carries ping and iperf3 both ways past the forward chain, the filters counting them' {
        $before = Get-ForwardCount
        (& ip netns exec $pod ping -c 5 -i 0.2 -W 2 10.244.0.2 | Out-String) | Should -Match '5 received.*' 
        (& ip netns exec $peer ping -c 5 -i 0.2 -W 2 -I 10.244.0.2 10.244.2.2 | Out-String) | Should -Match 'ttl=63'
        & ip netns exec $peer iperf3 -s -1 -D -B 10.244.0.2 --logfile "$iperf.log" | Out-Null
        Start-Sleep -Milliseconds 500
        & ip netns exec $pod iperf3 -c 10.244.0.2 -t 2 -J | Out-File "$iperf-up.json"
        $LASTEXITCODE | Should -Be 0
        & ip netns exec $peer iperf3 -s -1 -D -B 10.244.0.2 --logfile "$iperf.log" | Out-Null
        Start-Sleep -Milliseconds 500
        & ip netns exec $pod iperf3 -c 10.244.0.2 -t 2 -R -J | Out-File "$iperf-down.json"
        $LASTEXITCODE | Should -Be 0
        Remove-Item "$iperf*" -ErrorAction SilentlyContinue
        (Get-ForwardCount) - $before | Should -Be 0
        $counters = Get-FastpathCounter -NetworkNamespace $node
        ($counters | Where-Object { $_.Device -eq 'antrea-gw0' -and $_.Action -eq 'redirect to eth0' }).Packets | Should -BeGreaterThan 1000
        ($counters | Where-Object { $_.Device -eq 'eth0' -and $_.Action -eq 'redirect to antrea-gw0' }).Packets | Should -BeGreaterThan 1000
    }

    It 'reports a filter deleted by hand as drift, and Sync-AccelConfiguration repairs it' {
        $config = New-AccelConfiguration -Mode TrafficControl -TransportInterface eth0 -LocalPodCidr 10.244.2.0/24 -PeerPodCidr 10.244.0.0/24
        (Test-AccelConfiguration -Configuration $config -NetworkNamespace $node).InDesiredState | Should -BeFalse  # the peer set is not there yet
        Sync-AccelConfiguration -Configuration $config -NetworkNamespace $node -Confirm:$false -ErrorAction Stop | Out-Null
        (Test-AccelConfiguration -Configuration $config -NetworkNamespace $node).InDesiredState | Should -BeTrue
        & ip netns exec $node tc filter del dev eth0 ingress protocol ip prio 40010 handle 1 flower
        $test = Test-AccelConfiguration -Configuration $config -NetworkNamespace $node
        $test.InDesiredState | Should -BeFalse
        $test.Drift.Statements | Should -Match 'tc filter add dev eth0 ingress protocol ip prio 40010'
        Sync-AccelConfiguration -Configuration $config -NetworkNamespace $node -Confirm:$false -ErrorAction Stop | Out-Null
        (Test-AccelConfiguration -Configuration $config -NetworkNamespace $node).InDesiredState | Should -BeTrue
        (Get-AccelConfiguration -NetworkNamespace $node).Mode | Should -Be 'TrafficControl'
    }

    It 'a configuration whose transport device is gone applies the rest, says what waits, and redirects again once it is back' {
        $config = New-AccelConfiguration -Mode TrafficControl -TransportInterface eth0 -LocalPodCidr 10.244.2.0/24 -PeerPodCidr 10.244.0.0/24
        & ip -n $node link del eth0  # and s0, its peer
        $result = Sync-AccelConfiguration -Configuration $config -NetworkNamespace $node -Confirm:$false -ErrorAction Stop -WarningVariable warnings -WarningAction SilentlyContinue
        $result.Applied | Should -BeTrue
        $result.Pending | Should -Be @("transport device 'eth0' does not exist: the Traffic Control redirects of PodToPod are left out until it appears")
        "$warnings" | Should -Match "transport device 'eth0' does not exist"
        # A redirect to a device that is gone drops what it takes: the gateway's are deleted with the rest of HostAccel's filters.
        (& ip netns exec $node tc filter show dev antrea-gw0 ingress | Out-String) | Should -Not -Match 'mirred'
        & ip netns exec $node nft list set ip antrea peer-pod-cidr | Out-String | Should -Match '10\.244\.0\.0/24'
        $test = Test-AccelConfiguration -Configuration $config -NetworkNamespace $node
        $test.InDesiredState | Should -BeTrue -Because 'a pending device is not drift'
        $test.Pending | Should -HaveCount 1

        & ip link add eth0 netns $node type veth peer name s0 netns $peer
        & ip -n $node addr add 172.18.0.1/24 dev eth0; & ip -n $node link set eth0 up
        & ip -n $node route add 10.244.0.0/24 via 172.18.0.2 dev eth0
        & ip -n $peer addr add 172.18.0.2/24 dev s0; & ip -n $peer link set s0 up
        & ip -n $peer route add 10.244.2.0/24 via 172.18.0.1 src 10.244.0.2
        (& ip netns exec $pod ping -c 1 -W 5 10.244.0.2 | Out-String) | Should -Match '1 received'
        (Test-AccelConfiguration -Configuration $config -NetworkNamespace $node).InDesiredState | Should -BeFalse
        $result = Sync-AccelConfiguration -Configuration $config -NetworkNamespace $node -Confirm:$false -ErrorAction Stop
        $result.Pending | Should -BeNullOrEmpty
        Get-FastpathCounter -NetworkNamespace $node | Should -HaveCount 4
        $before = Get-ForwardCount
        (& ip netns exec $peer ping -c 3 -i 0.2 -W 2 -I 10.244.0.2 10.244.2.2 | Out-String) | Should -Match 'ttl=63'
        (Get-ForwardCount) - $before | Should -Be 0
    }

    It 'Add-PeerPodCidr redirects a new peer in the same call, exactly as a sync would; Remove-PeerPodCidr takes it away' {
        # A third Node's Pods behind the same peer (one more route and address): the set has only 10.244.0.0/24 yet.
        & ip -n $node route add 10.244.1.0/24 via 172.18.0.2 dev eth0
        & ip -n $peer addr add 10.244.1.2/32 dev lo
        $whatIf = Add-PeerPodCidr -NetworkNamespace $node 10.244.1.0/24 -WhatIf -Verbose 4>&1 | Out-String
        $whatIf | Should -Match 'tc filter add dev antrea-gw0 ingress protocol ip prio 40010 handle \d+ flower skip_hw src_ip 10.244.2.0/24 dst_ip 10.244.1.0/24'
        (Get-FastpathCounter -NetworkNamespace $node).Destination | Should -Not -Contain '10.244.1.0/24'
        (Get-PeerPodCidr -NetworkNamespace $node).Cidr | Should -Not -Contain '10.244.1.0/24'

        Add-PeerPodCidr -NetworkNamespace $node 10.244.1.0/24 -Confirm:$false -ErrorAction Stop
        (Get-PeerPodCidr -NetworkNamespace $node).Cidr | Should -Contain '10.244.1.0/24'
        $both = New-AccelConfiguration -Mode TrafficControl -TransportInterface eth0 -LocalPodCidr 10.244.2.0/24 -PeerPodCidr 10.244.0.0/24, 10.244.1.0/24
        (Test-AccelConfiguration -Configuration $both -NetworkNamespace $node).InDesiredState | Should -BeTrue
        $before = Get-ForwardCount
        (& ip netns exec $pod ping -c 3 -i 0.2 -W 2 10.244.1.2 | Out-String) | Should -Match '3 received'
        (& ip netns exec $peer ping -c 3 -i 0.2 -W 2 -I 10.244.1.2 10.244.2.2 | Out-String) | Should -Match 'ttl=63'
        (Get-ForwardCount) - $before | Should -Be 0
        $counters = Get-FastpathCounter -NetworkNamespace $node
        ($counters | Where-Object Destination -eq '10.244.1.0/24').Packets | Should -BeGreaterOrEqual 6
        ($counters | Where-Object Source -eq '10.244.1.0/24').Packets | Should -BeGreaterOrEqual 6

        Remove-PeerPodCidr -NetworkNamespace $node 10.244.1.0/24 -Confirm:$false -ErrorAction Stop
        $counters = Get-FastpathCounter -NetworkNamespace $node
        $counters.Destination | Should -Not -Contain '10.244.1.0/24'
        $counters.Source | Should -Not -Contain '10.244.1.0/24'
        $one = New-AccelConfiguration -Mode TrafficControl -TransportInterface eth0 -LocalPodCidr 10.244.2.0/24 -PeerPodCidr 10.244.0.0/24
        (Test-AccelConfiguration -Configuration $one -NetworkNamespace $node).InDesiredState | Should -BeTrue
        # Its traffic takes the stack again.
        (& ip netns exec $pod ping -c 2 -i 0.2 -W 2 10.244.1.2 | Out-String) | Should -Match '2 received'
        (Get-ForwardCount) - $before | Should -BeGreaterOrEqual 4
    }

    It 'Remove-PeerPodCidr asks once, about the set: its redirects follow that answer (No included) without a second question' {
        & ip -n $node route add 10.244.3.0/24 via 172.18.0.2 dev eth0
        Add-PeerPodCidr -NetworkNamespace $node 10.244.3.0/24 -Confirm:$false -ErrorAction Stop
        (Get-FastpathCounter -NetworkNamespace $node).Destination | Should -Contain '10.244.3.0/24'
        # ConfirmImpact is High, so a console pwsh asks; it reads the answers from standard input. No first: the set
        # and its redirects stay as they are, with a warning that says so.
        $script = Join-Path ([IO.Path]::GetTempPath()) "remove-once-$PID.ps1"
        "Import-Module '$ModulePath'; Remove-PeerPodCidr -NetworkNamespace $node 10.244.3.0/24 -ErrorAction Stop" | Set-Content $script
        $declined = "n`nn`n" | & pwsh -NoProfile -File $script 2>&1 | Out-String
        $declined | Should -Match 'were not changed, because the change of the set was declined'
        (Get-PeerPodCidr -NetworkNamespace $node).Cidr | Should -Contain '10.244.3.0/24'
        (Get-FastpathCounter -NetworkNamespace $node).Destination | Should -Contain '10.244.3.0/24'
        # Then two Yes ready: one is asked for.
        try { $out = "y`ny`n" | & pwsh -NoProfile -File $script 2>&1 | Out-String } finally { Remove-Item $script }
        $LASTEXITCODE | Should -Be 0
        [regex]::Matches($out, '\[Y\] Yes +\[A\] Yes to All').Count | Should -Be 1 -Because $out
        $out | Should -Match 'Remove peer Pod CIDR on set ip antrea peer-pod-cidr\?'
        (Get-PeerPodCidr -NetworkNamespace $node).Cidr | Should -Not -Contain '10.244.3.0/24'
        (Get-FastpathCounter -NetworkNamespace $node).Destination | Should -Not -Contain '10.244.3.0/24'
        & ip -n $node route del 10.244.3.0/24
    }

    It 'Add-PeerPodCidr of a peer the Node has no route to changes the set, says the filters did not follow, and changes none' {
        $filters = (Get-FastpathCounter -NetworkNamespace $node).Filter
        $err = $null
        Add-PeerPodCidr -NetworkNamespace $node 10.244.7.0/24 -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -Be 'NotRedirectable,HostAccel.PowerShell.Commands.AddPeerPodCidrCommand'
        $err[0].Exception.Message | Should -Match '^10.244.7.0/24 added to the set in network namespace .*, but HostAccel''s Traffic Control filters were left as they were: traffic to 10.244.7.0/24 cannot be redirected'
        $err[0].ErrorDetails.RecommendedAction | Should -Match 'Sync-AccelConfiguration'
        (Get-PeerPodCidr -NetworkNamespace $node).Cidr | Should -Contain '10.244.7.0/24'
        (Get-FastpathCounter -NetworkNamespace $node).Filter | Should -Be $filters
        Remove-PeerPodCidr -NetworkNamespace $node 10.244.7.0/24 -Confirm:$false -ErrorAction Stop
        (Get-FastpathCounter -NetworkNamespace $node).Filter | Should -Be $filters
    }

    It 'Add-PeerPodCidr warns about a peer of a family the redirects have no local Pod CIDR for, and keeps it in the set only' {
        $warning = $null
        New-AccelTable -NetworkNamespace $node -Family Ip6 -ErrorAction Stop
        $filters = (Get-FastpathCounter -NetworkNamespace $node).Filter
        Add-PeerPodCidr -NetworkNamespace $node fd00:10:244:9::/64 -Confirm:$false -WarningVariable warning -WarningAction SilentlyContinue -ErrorAction Stop
        "$warning" | Should -Match 'fd00:10:244:9::/64 is in the set, but the Traffic Control filters .* have no IPv6 local Pod CIDR'
        (Get-PeerPodCidr -NetworkNamespace $node -Family Ip6).Cidr | Should -Be 'fd00:10:244:9::/64'
        (Get-FastpathCounter -NetworkNamespace $node).Filter | Should -Be $filters
        Remove-AccelTable -NetworkNamespace $node -Name antrea -Family Ip6 -Confirm:$false -ErrorAction Stop
    }

    It 'Remove-PeerPodCidr of the last peer leaves the guards; Add-PeerPodCidr then warns that it cannot tell the devices apart' {
        Remove-PeerPodCidr -NetworkNamespace $node 10.244.0.0/24 -Confirm:$false -ErrorAction Stop
        $left = Get-FastpathCounter -NetworkNamespace $node
        $left | Should -HaveCount 2
        $left.Action | Should -Be @('ttl guard: to the stack', 'ttl guard: to the stack')
        $warning = $null
        Add-PeerPodCidr -NetworkNamespace $node 10.244.0.0/24 -Confirm:$false -WarningVariable warning -WarningAction SilentlyContinue -ErrorAction Stop
        "$warning" | Should -Match 'Traffic Control filters in network namespace .* were not changed: their redirects do not say which device is the gateway'
        Get-FastpathCounter -NetworkNamespace $node | Should -HaveCount 2
        Enable-Fastpath -NetworkNamespace $node -Mode TrafficControl eth0 10.244.2.0/24 -PeerPodCidr 10.244.0.0/24 -Confirm:$false -ErrorAction Stop
        Get-FastpathCounter -NetworkNamespace $node | Should -HaveCount 4
    }

    It 'Disable-Fastpath removes exactly HostAccel''s filters, leaving a foreign filter and its clsact' {
        & ip netns exec $node tc filter add dev eth0 ingress protocol ip prio 100 flower skip_hw dst_ip 192.0.2.1 action gact pass
        Disable-Fastpath -NetworkNamespace $node -Mode TrafficControl -Confirm:$false -ErrorAction Stop
        Get-Fastpath -NetworkNamespace $node -Mode TrafficControl | Should -BeNullOrEmpty
        $left = & ip netns exec $node tc filter show dev eth0 ingress | Out-String
        $left | Should -Match 'dst_ip 192.0.2.1'
        $left | Should -Not -Match 'mirred'
        (& ip netns exec $node tc qdisc show dev antrea-gw0 | Out-String) | Should -Not -Match 'clsact'
        (& ip netns exec $node tc qdisc show dev eth0 | Out-String) | Should -Match 'clsact'
        $before = Get-ForwardCount
        (& ip netns exec $pod ping -c 2 -i 0.2 -W 2 10.244.0.2 | Out-String) | Should -Match '2 received'
        (Get-ForwardCount) - $before | Should -BeGreaterOrEqual 4
    }
}

Describe 'Traffic Control mode over IPv6 on a kernel that has it' -Skip:(-not $trafficControl) {
    BeforeAll {
        $suffix = [guid]::NewGuid().ToString('N').Substring(0, 6)
        $pod = "ha-tc6-pod-$suffix"; $node = "ha-tc6-node-$suffix"; $peer = "ha-tc6-peer-$suffix"
        foreach ($n in $pod, $node, $peer) { & ip netns add $n; & ip -n $n link set lo up }
        & ip link add c0 netns $pod type veth peer name antrea-gw0 netns $node
        & ip link add eth0 netns $node type veth peer name s0 netns $peer
        & ip netns exec $node sysctl -qw net.ipv6.conf.all.forwarding=1
        # nodad: the addresses are usable at once, not after duplicate address detection.
        & ip -n $pod addr add fd00:10:244:2::2/64 dev c0 nodad; & ip -n $pod link set c0 up
        & ip -n $node addr add fd00:10:244:2::1/64 dev antrea-gw0 nodad; & ip -n $node addr add fd00:172:18::1/64 dev eth0 nodad
        & ip -n $node link set antrea-gw0 up; & ip -n $node link set eth0 up
        & ip -n $peer addr add fd00:172:18::2/64 dev s0 nodad; & ip -n $peer link set s0 up; & ip -n $peer addr add fd00:10:244::2/128 dev lo
        & ip -n $pod route add default via fd00:10:244:2::1
        & ip -n $node route add fd00:10:244::/64 via fd00:172:18::2 dev eth0
        & ip -n $peer route add fd00:10:244:2::/64 via fd00:172:18::1 src fd00:10:244::2
        New-CountingChain $node
        Start-Sleep -Seconds 1
        & ip netns exec $pod ping -6 -c 1 -W 5 fd00:10:244::2 | Out-Null
        & ip netns exec $peer ping -6 -c 1 -W 5 -I fd00:10:244::2 fd00:10:244:2::2 | Out-Null
        $iperf = Join-Path ([System.IO.Path]::GetTempPath()) "ha-tc6-iperf-$suffix"
    }
    AfterAll { foreach ($n in $pod, $node, $peer) { if ($n) { & ip netns del $n 2>$null } } }

    It 'writes the IPv6 guard and redirects (hoplimit, no csum)' {
        Get-ForwardCount | Should -BeGreaterOrEqual 4  # the two pings of BeforeAll, both ways, through the stack
        Enable-Fastpath -NetworkNamespace $node -Mode TrafficControl -Family Ip6 eth0 fd00:10:244:2::/64 -PeerPodCidr fd00:10:244::/64 -Confirm:$false -ErrorAction Stop
        $read = Get-Fastpath -NetworkNamespace $node -Mode TrafficControl
        $read.Family | Should -Be 'Ip6'
        $read.Filters | Should -HaveCount 4
        $gw = & ip netns exec $node tc filter show dev antrea-gw0 ingress | Out-String
        $gw | Should -Match 'eth_type ipv6'
        $gw | Should -Match 'dst_ip fd00:10:244::/64'
        $gw | Should -Match 'mirred \(Egress Redirect to device eth0\)'
        $gw | Should -Not -Match 'csum'
        @(Get-FastpathCounter -NetworkNamespace $node -Family Ip) | Should -HaveCount 0
    }

    It 'carries ping and iperf3 both ways past the forward chain, the hop limit decremented' {
        $before = Get-ForwardCount
        (& ip netns exec $pod ping -6 -c 5 -i 0.2 -W 2 fd00:10:244::2 | Out-String) | Should -Match '5 received'
        (& ip netns exec $peer ping -6 -c 5 -i 0.2 -W 2 -I fd00:10:244::2 fd00:10:244:2::2 | Out-String) | Should -Match 'ttl=63'
        & ip netns exec $peer iperf3 -s -1 -D -B fd00:10:244::2 --logfile "$iperf.log" | Out-Null
        Start-Sleep -Milliseconds 500
        & ip netns exec $pod iperf3 -c fd00:10:244::2 -t 2 -J | Out-File "$iperf-up.json"
        $LASTEXITCODE | Should -Be 0
        & ip netns exec $peer iperf3 -s -1 -D -B fd00:10:244::2 --logfile "$iperf.log" | Out-Null
        Start-Sleep -Milliseconds 500
        & ip netns exec $pod iperf3 -c fd00:10:244::2 -t 2 -R -J | Out-File "$iperf-down.json"
        $LASTEXITCODE | Should -Be 0
        Remove-Item "$iperf*" -ErrorAction SilentlyContinue
        (Get-ForwardCount) - $before | Should -Be 0
        $counters = Get-FastpathCounter -NetworkNamespace $node -Family Ip6
        ($counters | Where-Object { $_.Device -eq 'antrea-gw0' -and $_.Action -eq 'redirect to eth0' }).Packets | Should -BeGreaterThan 1000
        ($counters | Where-Object { $_.Device -eq 'eth0' -and $_.Action -eq 'redirect to antrea-gw0' }).Packets | Should -BeGreaterThan 1000
    }

    It 'hands a packet whose hop limit would expire to the stack, which answers time exceeded' {
        $out = & ip netns exec $pod ping -6 -c 1 -t 1 -W 2 fd00:10:244::2 | Out-String
        $out | Should -Match 'Time exceeded'
        (Get-FastpathCounter -NetworkNamespace $node -Family Ip6 | Where-Object { $_.Device -eq 'antrea-gw0' -and $_.Action -like 'ttl guard*' }).Packets | Should -BeGreaterOrEqual 1
    }

    It 'Disable-Fastpath removes the filters and the clsacts it added' {
        Disable-Fastpath -NetworkNamespace $node -Mode TrafficControl -Confirm:$false -ErrorAction Stop
        Get-Fastpath -NetworkNamespace $node -Mode TrafficControl | Should -BeNullOrEmpty
        (& ip netns exec $node tc qdisc show | Out-String) | Should -Not -Match 'clsact'
    }
}
