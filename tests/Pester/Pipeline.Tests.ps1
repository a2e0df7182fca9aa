# How the cmdlets behave in a pipeline as a runbook writes one: a stopped pipeline ends only the pipeline, and an
# object piped in is the object acted on.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
    $script:Ruleset = @'
table ip antrea {
    comment "Rules for Antrea"
    set peer-pod-cidr { type ipv4_addr; flags interval; comment "Set for storing IPv4 peer Pods CIDRs"; elements = { 10.244.0.0/24, 10.244.1.0/24 }; }
    chain forward { type filter hook forward priority filter; policy accept; counter; counter; }
}
table ip other {
    comment "Rules for Antrea"
    set peer-pod-cidr { type ipv4_addr; flags interval; comment "Set for storing IPv4 peer Pods CIDRs"; elements = { 10.99.0.0/24, 10.99.1.0/24 }; }
    chain forward { type filter hook forward priority filter; policy accept; counter; }
    chain input { type filter hook input priority filter; policy accept; ct state established counter; }
}
table ip prepared {
    comment "Rules for Antrea"
    set peer-pod-cidr { type ipv4_addr; flags interval; comment "Set for storing IPv4 peer Pods CIDRs"; elements = { 10.98.0.0/24 }; }
}
'@
}

Describe 'A stopped pipeline (Select-Object -First 1)' {
    BeforeAll {
        $script:ns = New-TestNamespace
        Import-HostAccelRuleset $ns $Ruleset
        & ip netns exec $ns ip link set lo up
        & ip netns exec $ns ping -c 2 -i 0.2 127.0.0.1 | Out-Null
    }
    AfterAll { Remove-TestNamespace $ns }

    # The script's next line must run and its exit code must be its own: before, the stop was caught around
    # WriteObject, "The pipeline has been stopped." was printed and the script ended with exit code 0.
    It 'ends only the pipeline for <Command>, and the runbook goes on' -ForEach @(
        @{ Command = 'Get-AccelTable' }
        @{ Command = 'Get-PeerPodCidr' }
        @{ Command = 'Get-Fastpath -TableName other' }
        @{ Command = 'Get-FlowtableCounter -Family Ip' }
        # Tracked right before the call: an ICMP entry lives 30 s, less than a child pwsh takes to start in the VM.
        @{ Command = 'Get-OffloadedFlow -IncludeSlowPath'; Ping = $true }
        @{ Command = 'Get-AccelConfiguration -TableName prepared' }
        @{ Command = 'Test-HostAccelSupport' }
    ) {
        $setup = if ($_['Ping']) { "& ip netns exec $ns ping -c 2 -i 0.2 127.0.0.1 | Out-Null" } else { '' }
        $script = @"
`$ErrorActionPreference = 'Continue'
Import-Module '$ModulePath'
$setup
`$first = $Command -NetworkNamespace $ns | Select-Object -First 1
if (`$null -eq `$first) { 'nothing came'; exit 1 }
'the next line ran'
exit 7
"@
        $out = & pwsh -NoProfile -NonInteractive -Command $script 2>&1 | Out-String
        $LASTEXITCODE | Should -Be 7 -Because $out
        $out | Should -Match 'the next line ran'
        $out | Should -Not -Match 'pipeline has been stopped'
    }
}

Describe 'An object piped in is the object acted on' {
    BeforeEach {
        $script:ns = New-TestNamespace
        Import-HostAccelRuleset $ns $Ruleset
    }
    AfterEach { Remove-TestNamespace $ns }

    It 'reads the peers of the table piped, not of the default one' {
        (Get-AccelTable other -NetworkNamespace $ns | Get-PeerPodCidr).Cidr | Should -Be @('10.99.0.0/24', '10.99.1.0/24')
    }

    It 'reads the counters of the table piped' {
        (Get-AccelTable other -NetworkNamespace $ns | Get-FlowtableCounter -Family Ip).TableName | Sort-Object -Unique | Should -Be 'other'
    }

    It 'removes the table piped, and only that one' {
        Get-AccelTable other -NetworkNamespace $ns | Remove-AccelTable -Confirm:$false
        (Get-AccelTable -NetworkNamespace $ns).Name | Should -Be @('antrea', 'prepared')
    }

    It 'takes a table name as a string from the pipeline' {
        'other' | Remove-AccelTable -NetworkNamespace $ns -Confirm:$false
        (Get-AccelTable -NetworkNamespace $ns).Name | Should -Be @('antrea', 'prepared')
    }

    It 'removes a peer piped from its own table and set' {
        Get-PeerPodCidr -NetworkNamespace $ns -TableName other | Select-Object -First 1 | Remove-PeerPodCidr -Confirm:$false
        (Get-PeerPodCidr -NetworkNamespace $ns -TableName other).Cidr | Should -Be @('10.99.1.0/24')
        (Get-PeerPodCidr -NetworkNamespace $ns).Cidr | Should -Be @('10.244.0.0/24', '10.244.1.0/24')
    }

    It 'matches table names exactly: piping antrea acts on antrea, not on ANTREA' {
        Import-HostAccelRuleset $ns 'table ip ANTREA { comment "Rules for Antrea"; }'
        Get-AccelTable antrea -NetworkNamespace $ns -Family Ip | Remove-AccelTable -Confirm:$false
        (Get-AccelTable -NetworkNamespace $ns).Name | Should -Be @('ANTREA', 'other', 'prepared')
    }

    It 'says which table a missing name is, from every Get cmdlet' -ForEach @(
        @{ Command = { Get-AccelTable nope -NetworkNamespace $ns -ErrorAction Stop } }
        @{ Command = { Get-PeerPodCidr -TableName nope -NetworkNamespace $ns -ErrorAction Stop } }
        @{ Command = { Get-Fastpath -TableName nope -NetworkNamespace $ns -ErrorAction Stop } }
        @{ Command = { Get-FlowtableCounter -TableName nope -NetworkNamespace $ns -ErrorAction Stop } }
        @{ Command = { Get-AccelConfiguration -TableName nope -NetworkNamespace $ns -ErrorAction Stop } }
    ) {
        $Command | Should -Throw -ErrorId 'TableNotFound,*'
    }

    It 'is silent for a wildcard that matches nothing' {
        Get-AccelTable 'nope*' -NetworkNamespace $ns -ErrorAction Stop | Should -BeNullOrEmpty
    }
}

Describe 'Table views in an 80-column terminal' {
    BeforeAll {
        $script:ns = New-TestNamespace
        Import-HostAccelRuleset $ns $Ruleset
    }
    AfterAll { Remove-TestNamespace $ns }

    It 'shows every column of <Command> on one header line' -ForEach @(
        @{ Command = 'Get-AccelTable'; Labels = @('Family', 'Name', 'Owned', 'Comment', 'Sets', 'Chains', 'Flowtables') }
        @{ Command = 'Get-FlowtableCounter'; Labels = @('Family', 'Handle', 'Packets', 'Bytes', 'OffloadedFlows', 'OffloadedBytes', 'Comment') }
    ) {
        $text = & $Command -NetworkNamespace $ns | Format-Table | Out-String -Width 80
        $header = ($text -split "`n" | Where-Object { $_ -match '\bFamily\b' } | Select-Object -First 1)
        foreach ($label in $Labels) { $header | Should -Match "\b$label\b" }
        $text -split "`n" | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 80 }
    }
}
