BeforeAll {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
}

Describe 'New-AccelTable' {
    BeforeEach { $ns = New-TestNamespace }
    AfterEach { Remove-TestNamespace $ns }

    It 'creates seed 000 tables in ip and ip6 with the comment' {
        $tables = New-AccelTable -NetworkNamespace $ns -PassThru
        $tables.Family | Should -Be @('Ip', 'Ip6')
        $tables | ForEach-Object { $_.Comment | Should -Be 'Rules for Antrea'; $_.Owned | Should -BeTrue; $_.Handle | Should -BeGreaterThan 0 }
        Get-Ruleset $ns | Should -Match 'table ip6 antrea'
    }

    It 'creates nothing with -WhatIf, and -PassThru still shows the planned table' {
        (New-AccelTable -NetworkNamespace $ns -Family ip -WhatIf -PassThru).ToString() | Should -Be 'table ip antrea { comment "Rules for Antrea"; }'
        Get-Ruleset $ns | Should -BeNullOrEmpty
    }

    It 'shows the nft statement it applies (what -WhatIf prints)' {
        $verbose = New-AccelTable -NetworkNamespace $ns -Family ip -Verbose 4>&1 | Out-String
        $verbose | Should -Match 'add table ip antrea \{ comment "Rules for Antrea"; \}'
    }

    It 'refuses an existing table with TableExists' {
        New-AccelTable -NetworkNamespace $ns -Family ip
        { New-AccelTable -NetworkNamespace $ns -Family ip -ErrorAction Stop } |
            Should -Throw -ErrorId 'TableExists,HostAccel.PowerShell.Commands.NewAccelTableCommand'
    }

    It 'reports a missing namespace as NetworkNamespaceNotFound' {
        { New-AccelTable -NetworkNamespace 'ha-pester-missing' -ErrorAction Stop } |
            Should -Throw -ErrorId 'NetworkNamespaceNotFound,HostAccel.PowerShell.Commands.NewAccelTableCommand'
    }
}
