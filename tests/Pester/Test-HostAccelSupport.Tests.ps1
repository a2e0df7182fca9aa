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

    It 'answers $true or $false with -Quiet' {
        Test-HostAccelSupport -NetworkNamespace $ns -Quiet | Should -BeOfType [bool]
    }
}
