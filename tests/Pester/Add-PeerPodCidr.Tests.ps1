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

    It 'leaves overlaps with what the set holds to the kernel''s interval check, which refuses <Cidr> naming it' -ForEach @(
        @{ Cidr = '10.0.0.0/8' }, @{ Cidr = '10.200.0.0/17' }, @{ Cidr = '10.200.0.0/15' }, @{ Cidr = '10.200.128.0/17' },
        @{ Cidr = '10.100.0.0/23' }, @{ Cidr = 'fd00::/16' }, @{ Cidr = 'fd00:1::/65' }, @{ Cidr = 'fd00:1::/63' }
    ) {
        Add-PeerPodCidr -NetworkNamespace $ns 10.200.0.0/16, 10.100.0.0/24, fd00:1::/64
        $before = Get-Ruleset $ns
        Add-PeerPodCidr -NetworkNamespace $ns -Cidr 192.168.50.0/24, $Cidr, 192.168.60.0/24 -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'OverlappingCidr,HostAccel.PowerShell.Commands.AddPeerPodCidrCommand'
        $failures[0].TargetObject | Should -Be $Cidr
        $failures[0].Exception.Message | Should -Match 'already holds'
        Get-Ruleset $ns | Should -Be $before
    }

    It 'adds prefixes adjacent to held ones, and a held one again as nothing to do' {
        Add-PeerPodCidr -NetworkNamespace $ns 10.100.0.0/24
        Add-PeerPodCidr -NetworkNamespace $ns 10.99.255.0/24, 10.100.1.0/24, 10.100.0.0/24 -ErrorAction Stop
        (Get-PeerPodCidr -NetworkNamespace $ns).Cidr | Should -Be @('10.99.255.0/24', '10.100.0.0/24', '10.100.1.0/24')
    }

    It 'writes one error, not one per input, when the table is missing' {
        Remove-AccelTable -NetworkNamespace $ns antrea -Confirm:$false
        $many = 1..500 | ForEach-Object { "10.$([math]::Floor($_ / 256)).$($_ % 256).0/24" }
        $many | Add-PeerPodCidr -NetworkNamespace $ns -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Match '^TableNotFound,'
    }

    It 'asks once per set, with the count, and shows the statements on -Verbose' {
        # What -WhatIf says goes to the host, not to a stream: read it from a child pwsh's output.
        $script = "Import-Module '$ModulePath'; 1..5000 | ForEach-Object { '10.{0}.{1}.0/24' -f (100 + [math]::Floor(`$_ / 256)), (`$_ % 256) } | Add-PeerPodCidr -NetworkNamespace $ns -WhatIf -Verbose"
        $out = & pwsh -NoProfile -NonInteractive -Command $script 2>&1 | Out-String
        ([regex]::Matches($out, 'What if:')).Count | Should -Be 1
        $out | Should -Match 'add 5000 elements to set ip antrea peer-pod-cidr'
        $out | Should -Match 'add element ip antrea peer-pod-cidr \{ 10\.100\.1\.0/24, '
        Get-PeerPodCidr -NetworkNamespace $ns | Should -BeNullOrEmpty
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
