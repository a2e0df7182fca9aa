BeforeAll {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
}

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
    $probe = New-TestNamespace
    try { $flowtables = (Test-HostAccelSupport -NetworkNamespace $probe).Flowtable } finally { Remove-TestNamespace $probe }
}

Describe 'Enable-Fastpath' {
    BeforeEach { $ns = New-TestNamespace }
    AfterEach { Remove-TestNamespace $ns }

    It 'changes nothing with -WhatIf' {
        Enable-Fastpath -NetworkNamespace $ns -TransportInterface eth0 -LocalPodCidr 10.244.2.0/24 -WhatIf
        Get-Ruleset $ns | Should -BeNullOrEmpty
    }

    It 'shows every statement of seed 000 (what -WhatIf prints), device names included' {
        $out = Enable-Fastpath -NetworkNamespace $ns -TransportInterface eth0 -LocalPodCidr 10.244.2.0/24 -Verbose -ErrorAction SilentlyContinue 4>&1 | Out-String
        $out | Should -Match 'add flowtable ip antrea fastpath \{ hook ingress priority filter; devices = \{ antrea-gw0, eth0 \}; \}'
        $out | Should -Match 'add rule ip antrea forward iif "antrea-gw0" ip saddr 10.244.2.0/24 oif "eth0" ip daddr @peer-pod-cidr flow add @fastpath counter'
    }

    It 'enables seed 000 in one transaction' -Skip:(-not $flowtables) {
        $fastpath = Enable-Fastpath -NetworkNamespace $ns -TransportInterface eth0 -LocalPodCidr 10.244.2.0/24 -PassThru
        $fastpath.Enabled | Should -BeTrue
        $fastpath.Devices | Should -Be @('antrea-gw0', 'eth0')
        $fastpath.Rules.Count | Should -Be 2
    }

    It 'fails with FlowtableNotSupported and changes nothing on a kernel without flowtables' -Skip:$flowtables {
        { Enable-Fastpath -NetworkNamespace $ns -TransportInterface eth0 -LocalPodCidr 10.244.2.0/24 -ErrorAction Stop } |
            Should -Throw -ErrorId 'FlowtableNotSupported,HostAccel.PowerShell.Commands.EnableFastpathCommand'
        Get-Ruleset $ns | Should -BeNullOrEmpty
    }

    It 'warns that -Counter counts nothing while conntrack accounting is off, and is quiet once it is on' {
        & ip netns exec $ns sysctl -qw net.netfilter.nf_conntrack_acct=0
        $warnings = $null
        Enable-Fastpath -NetworkNamespace $ns -TransportInterface eth0 -LocalPodCidr 10.244.2.0/24 -Counter -WhatIf -WarningVariable warnings 3>$null
        $warnings.Count | Should -Be 1
        $warnings[0].Message | Should -Match 'nf_conntrack_acct = 0'
        & ip netns exec $ns sysctl -qw net.netfilter.nf_conntrack_acct=1
        Enable-Fastpath -NetworkNamespace $ns -TransportInterface eth0 -LocalPodCidr 10.244.2.0/24 -Counter -WhatIf -WarningVariable warnings 3>$null
        $warnings | Should -BeNullOrEmpty
        Get-Ruleset $ns | Should -BeNullOrEmpty
    }

    It 'reports an unknown interface as UnknownInterface with the name as target' {
        $err = $null
        Enable-Fastpath -NetworkNamespace $ns -TransportInterface eth9 -LocalPodCidr 10.244.2.0/24 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'UnknownInterface,HostAccel.PowerShell.Commands.EnableFastpathCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].TargetObject | Should -Be 'eth9'
        Get-Ruleset $ns | Should -BeNullOrEmpty
    }

    It 'refuses a local Pod CIDR with host bits set' {
        { Enable-Fastpath -NetworkNamespace $ns -TransportInterface eth0 -LocalPodCidr 10.244.2.1/24 -ErrorAction Stop } |
            Should -Throw -ErrorId 'HostBitsSet,HostAccel.PowerShell.Commands.EnableFastpathCommand'
    }

    It 'puts ct packets > N before flow add in both rules with -OffloadThreshold (what -Verbose prints)' {
        $out = Enable-Fastpath -NetworkNamespace $ns -TransportInterface eth0 -LocalPodCidr 10.244.2.0/24 -OffloadThreshold 20 -Verbose -ErrorAction SilentlyContinue 4>&1 | Out-String
        ([regex]::Matches($out, 'ct packets > 20 flow add @fastpath counter')).Count | Should -Be 2
        { Enable-Fastpath -NetworkNamespace $ns -TransportInterface eth0 -LocalPodCidr 10.244.2.0/24 -OffloadThreshold -1 -WhatIf } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,HostAccel.PowerShell.Commands.EnableFastpathCommand'
    }

    It 'enables with an offload threshold that Get-Fastpath and Get-AccelConfiguration read back' -Skip:(-not $flowtables) {
        $fastpath = Enable-Fastpath -NetworkNamespace $ns -TransportInterface eth0 -LocalPodCidr 10.244.2.0/24 -OffloadThreshold 20 -PassThru
        $fastpath.OffloadThreshold | Should -Be 20
        (Get-Fastpath -NetworkNamespace $ns).OffloadThreshold | Should -Be 20
        (Get-AccelConfiguration -NetworkNamespace $ns).OffloadThreshold | Should -Be 20
        (Get-Ruleset $ns) | Should -Match 'ct packets > 20 flow add @fastpath counter'
        { Enable-Fastpath -NetworkNamespace $ns -TransportInterface eth0 -LocalPodCidr 10.244.2.0/24 -OffloadThreshold 5 -ErrorAction Stop } |
            Should -Throw -ErrorId 'FastpathConflict,HostAccel.PowerShell.Commands.EnableFastpathCommand'
        Enable-Fastpath -NetworkNamespace $ns -TransportInterface eth0 -LocalPodCidr 10.244.2.0/24 -OffloadThreshold 5 -Force
        (Get-AccelConfiguration -NetworkNamespace $ns).OffloadThreshold | Should -Be 5
    }
}
