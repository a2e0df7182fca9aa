BeforeAll {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
}

Describe 'Get-Fastpath' {
    BeforeEach {
        $ns = New-TestNamespace
        Import-HostAccelRuleset $ns 'table ip antrea { comment "Rules for Antrea"; chain forward { type filter hook forward priority filter; policy accept; iif "antrea-gw0" counter; }; }'
    }
    AfterEach { Remove-TestNamespace $ns }

    It 'shows the chain, its rules by device name, and the missing flowtable' {
        $fastpath = Get-Fastpath -NetworkNamespace $ns
        $fastpath.FlowtablePresent | Should -BeFalse
        $fastpath.Enabled | Should -BeFalse
        $fastpath.Rules | Should -Be 'iif "antrea-gw0" counter packets 0 bytes 0'
    }

    It 'reports a named family without a table as TableNotFound' {
        { Get-Fastpath -NetworkNamespace $ns -Family ip6 -ErrorAction Stop } |
            Should -Throw -ErrorId 'TableNotFound,HostAccel.PowerShell.Commands.GetFastpathCommand'
    }
}
