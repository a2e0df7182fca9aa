BeforeAll {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
}

Describe 'Reset-FlowtableCounter' {
    BeforeEach {
        $ns = New-TestNamespace
        Import-HostAccelRuleset $ns 'table ip antrea { comment "Rules for Antrea"; chain forward { type filter hook forward priority filter; policy accept; iif "antrea-gw0" counter packets 10 bytes 1000; }; }'
    }
    AfterEach { Remove-TestNamespace $ns }

    It 'returns the counters before and zeroes them' {
        (Reset-FlowtableCounter -NetworkNamespace $ns -PassThru -Confirm:$false).Packets | Should -Be 10
        (Get-FlowtableCounter -NetworkNamespace $ns).Packets | Should -Be 0
    }

    It 'resets nothing with -WhatIf' {
        Reset-FlowtableCounter -NetworkNamespace $ns -WhatIf
        (Get-FlowtableCounter -NetworkNamespace $ns).Packets | Should -Be 10
    }

    It 'shows the statement it applies (what -WhatIf prints)' {
        (Reset-FlowtableCounter -NetworkNamespace $ns -Confirm:$false -Verbose 4>&1 | Out-String) | Should -Match 'reset rules chain ip antrea forward'
    }

    It 'resets a chain once however many of its counters are piped' {
        @(Get-FlowtableCounter -NetworkNamespace $ns) * 3 | Reset-FlowtableCounter -Confirm:$false
        (Get-FlowtableCounter -NetworkNamespace $ns).Packets | Should -Be 0
    }
}
