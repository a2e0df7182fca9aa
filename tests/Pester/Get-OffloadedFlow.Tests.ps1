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
}
