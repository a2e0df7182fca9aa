BeforeAll {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
}

Describe 'Add-PeerPodCidr' {
    BeforeEach {
        $ns = New-TestNamespace
        New-AccelTable -NetworkNamespace $ns
    }
    AfterEach { Remove-TestNamespace $ns }

    It 'adds seed 000 peers of both families in one call' {
        $added = Add-PeerPodCidr -NetworkNamespace $ns -Cidr 10.244.0.0/24, 10.244.1.0/24, fd00:10:244::/64, fd00:10:244:1::/64 -PassThru
        $added.Cidr | Should -Be @('10.244.0.0/24', '10.244.1.0/24', 'fd00:10:244::/64', 'fd00:10:244:1::/64')
        $set = (& ip netns exec $ns nft list set ip antrea peer-pod-cidr) -join ' '
        $set | Should -Match 'comment "Set for storing IPv4 peer Pods CIDRs"'
        $set | Should -Match 'elements = \{ 10.244.0.0/24, 10.244.1.0/24 \}'
    }

    It 'takes strings from the pipeline' {
        '10.244.3.0/24', '10.244.4.0/24' | Add-PeerPodCidr -NetworkNamespace $ns
        (Get-PeerPodCidr -NetworkNamespace $ns).Cidr | Should -Be @('10.244.3.0/24', '10.244.4.0/24')
    }

    It 'refuses host bits with HostBitsSet, naming the value, and applies nothing' {
        $before = Get-Ruleset $ns
        Add-PeerPodCidr -NetworkNamespace $ns -Cidr 10.244.0.0/24, 10.244.1.1/24 -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -Be 'HostBitsSet,HostAccel.PowerShell.Commands.AddPeerPodCidrCommand'
        $failures[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failures[0].TargetObject | Should -Be '10.244.1.1/24'
        $failures[-1].FullyQualifiedErrorId | Should -Match '^NothingApplied,'
        Get-Ruleset $ns | Should -Be $before
    }

    It 'refuses an invalid CIDR with InvalidCidr' {
        { Add-PeerPodCidr -NetworkNamespace $ns -Cidr 10.244.0/24 -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidCidr,HostAccel.PowerShell.Commands.AddPeerPodCidrCommand'
    }

    It 'refuses a CIDR of the other family with WrongFamily' {
        { Add-PeerPodCidr -NetworkNamespace $ns -Cidr fd00::/64 -Family ip -ErrorAction Stop } |
            Should -Throw -ErrorId 'WrongFamily,HostAccel.PowerShell.Commands.AddPeerPodCidrCommand'
    }

    It 'needs the table: TableNotFound' {
        Remove-AccelTable -NetworkNamespace $ns -Name antrea -Confirm:$false
        { Add-PeerPodCidr -NetworkNamespace $ns -Cidr 10.244.0.0/24 -ErrorAction Stop } |
            Should -Throw -ErrorId 'TableNotFound,HostAccel.PowerShell.Commands.AddPeerPodCidrCommand'
    }

    It 'changes nothing with -WhatIf' {
        Add-PeerPodCidr -NetworkNamespace $ns -Cidr 10.244.0.0/24 -WhatIf
        Get-PeerPodCidr -NetworkNamespace $ns | Should -BeNullOrEmpty
    }

    It 'shows the nft statements it applies (what -WhatIf prints)' {
        $verbose = Add-PeerPodCidr -NetworkNamespace $ns -Cidr 10.244.0.0/24 -Verbose 4>&1 | Out-String
        $verbose | Should -Match 'add set ip antrea peer-pod-cidr'
        $verbose | Should -Match 'add element ip antrea peer-pod-cidr \{ 10.244.0.0/24 \}'
    }

    It 'does not add to a table with the seed''s comment that it did not create, without -Force (issue 19)' {
        Remove-AccelTable -NetworkNamespace $ns -Name antrea -Confirm:$false
        Import-NftRuleset $ns @'
table ip antrea {
    comment "Rules for Antrea"
    set blocklist { type ipv4_addr; flags interval; elements = { 192.0.2.0/24 }; }
    chain guard { type filter hook input priority 0; policy drop; ip saddr @blocklist drop; }
}
'@
        $before = (& ip netns exec $ns nft -j list ruleset) -join "`n"
        Add-PeerPodCidr -NetworkNamespace $ns -Cidr 10.244.0.0/24 -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -Be 'TableNotOwned,HostAccel.PowerShell.Commands.AddPeerPodCidrCommand'
        (& ip netns exec $ns nft -j list ruleset) -join "`n" | Should -Be $before
    }
}
