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

    It 'refuses a name with a NUL, which the kernel would cut short, before anything is created (issue 19)' {
        foreach ($i in 1, 2) {
            New-AccelTable -NetworkNamespace $ns -Name "a`0b" -Family ip -PassThru -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $failures[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,HostAccel.PowerShell.Commands.NewAccelTableCommand'
            $failures[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            "$($failures[0])" | Should -Match 'a NUL, where the kernel would cut it short'
        }
        Get-Ruleset $ns | Should -BeNullOrEmpty
    }

    It 'prints no pasteable statement for a name with line breaks: it is refused (issue 19)' {
        $printed = New-AccelTable -NetworkNamespace $ns -Name "x`nflush ruleset`n#" -Family ip -WhatIf -ErrorVariable failures -ErrorAction SilentlyContinue 6>&1 | Out-String
        $printed | Should -Not -Match '(?m)^\s*flush ruleset'
        $failures[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,HostAccel.PowerShell.Commands.NewAccelTableCommand'
        "$($failures[0])" | Should -Match ([regex]::Escape('Name "x\nflush ruleset\n#"'))
    }

    It 'takes no wildcards: -Name * is refused, not a table that -PassThru lists with every other (issue 19)' {
        New-AccelTable -NetworkNamespace $ns -Name other -Family ip
        New-AccelTable -NetworkNamespace $ns -Name '*' -Family ip -PassThru -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failures[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,HostAccel.PowerShell.Commands.NewAccelTableCommand'
        (Get-AccelTable -NetworkNamespace $ns).Name | Should -Be 'other'
    }
}
