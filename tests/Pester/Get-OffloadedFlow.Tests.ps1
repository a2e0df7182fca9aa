BeforeAll {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
}

Describe 'Get-OffloadedFlow' {
    BeforeEach {
        $ns = New-TestNamespace
        Import-NftRuleset $ns 'table ip t { chain out { type filter hook output priority 0; ct state new counter; }; }'
        & ip netns exec $ns ping -c 1 -W 1 127.0.0.1 | Out-Null
    }
    AfterEach { Remove-TestNamespace $ns }

    It 'lists offloaded entries only by default' {
        Get-OffloadedFlow -NetworkNamespace $ns | Where-Object { -not $_.Offloaded } | Should -BeNullOrEmpty
    }

    It 'lists slow-path entries with -IncludeSlowPath' {
        $ping = Get-OffloadedFlow -NetworkNamespace $ns -IncludeSlowPath | Where-Object Protocol -EQ 'icmp'
        $ping.Source | Should -Be ([ipaddress]'127.0.0.1')
        $ping.Offloaded | Should -BeFalse
    }

    It 'shows ICMP with type, code and id as conntrack does (issue 19)' {
        $ping = Get-OffloadedFlow -NetworkNamespace $ns -IncludeSlowPath | Where-Object Protocol -EQ 'icmp'
        $ping.IcmpType | Should -Be 8
        $ping.ReplyIcmpType | Should -Be 0
        "$ping" | Should -Match "src=127\.0\.0\.1 dst=127\.0\.0\.1 type=8 code=0 id=$($ping.IcmpId) src=127\.0\.0\.1 dst=127\.0\.0\.1 type=0 code=0 id=$($ping.IcmpId)"
        "$ping" | Should -Not -Match 'sport='
    }

    It 'takes -Family Inet as both families rather than matching nothing (issue 19)' {
        @(Get-OffloadedFlow -NetworkNamespace $ns -Family Inet -IncludeSlowPath).Count | Should -Be @(Get-OffloadedFlow -NetworkNamespace $ns -IncludeSlowPath).Count
        @(Get-OffloadedFlow -NetworkNamespace $ns -Family Inet -IncludeSlowPath | Where-Object Protocol -EQ 'icmp').Count | Should -Be 1
    }
}
