BeforeAll {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
}

Describe 'Get-FlowtableCounter' {
    BeforeEach {
        $ns = New-TestNamespace
        Import-HostAccelRuleset $ns 'table ip antrea { comment "Rules for Antrea"; chain forward { type filter hook forward priority filter; policy accept; iif "antrea-gw0" counter packets 10 bytes 1000 comment "out"; }; }'
    }
    AfterEach { Remove-TestNamespace $ns }

    It 'reports each rule counter' {
        $counter = Get-FlowtableCounter -NetworkNamespace $ns
        $counter.Packets | Should -Be 10
        $counter.Bytes | Should -Be 1000
        $counter.Comment | Should -Be 'out'
        $counter.Handle | Should -BeGreaterThan 0
    }

    It 'takes Get-Fastpath objects from the pipeline' {
        (Get-Fastpath -NetworkNamespace $ns | Get-FlowtableCounter).Packets | Should -Be 10
    }
}
