BeforeAll {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
}

Describe 'Test-HostAccelSupport' {
    BeforeEach { $ns = New-TestNamespace }
    AfterEach { Remove-TestNamespace $ns }

    It 'gives one object with a verdict and reasons, and leaves nothing behind' {
        $support = Test-HostAccelSupport -NetworkNamespace $ns
        $support.NfTables | Should -BeTrue
        $support.Modules.Count | Should -Be 6
        if (-not $support.Supported) { $support.Reasons | Should -Not -BeNullOrEmpty }
        $support.Verdict | Should -Match '^(Supported|Not supported: )'
        Get-Ruleset $ns | Should -BeNullOrEmpty
    }

    It 'reads conntrack accounting in the namespace asked' {
        foreach ($value in 1, 0) {
            & ip netns exec $ns sysctl -qw net.netfilter.nf_conntrack_acct=$value
            (Test-HostAccelSupport -NetworkNamespace $ns).ConntrackAccounting | Should -Be ([bool] $value)
        }
    }

    It 'answers $true or $false with -Quiet' {
        Test-HostAccelSupport -NetworkNamespace $ns -Quiet | Should -BeOfType [bool]
    }
}
