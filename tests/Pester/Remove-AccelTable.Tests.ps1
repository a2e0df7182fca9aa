BeforeAll {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
}

Describe 'Remove-AccelTable' {
    BeforeEach { $ns = New-TestNamespace }
    AfterEach { Remove-TestNamespace $ns }

    It 'removes what Get-AccelTable pipes to it' {
        New-AccelTable -NetworkNamespace $ns
        Get-AccelTable -NetworkNamespace $ns | Remove-AccelTable -Confirm:$false
        Get-Ruleset $ns | Should -BeNullOrEmpty
    }

    It 'binds deserialized objects by property name' {
        New-AccelTable -NetworkNamespace $ns
        $copies = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize((Get-AccelTable -NetworkNamespace $ns)))
        $copies | Remove-AccelTable -Confirm:$false
        Get-Ruleset $ns | Should -BeNullOrEmpty
    }

    It 'leaves a table it did not create alone unless -Force' {
        Import-NftRuleset $ns 'table inet filter { };'
        { Remove-AccelTable -NetworkNamespace $ns -Name filter -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'TableNotOwned,HostAccel.PowerShell.Commands.RemoveAccelTableCommand'
        Get-Ruleset $ns | Should -Match 'table inet filter'
        Remove-AccelTable -NetworkNamespace $ns -Name filter -Force -Confirm:$false
        Get-Ruleset $ns | Should -BeNullOrEmpty
    }

    It 'reports a missing table as TableNotFound' {
        { Remove-AccelTable -NetworkNamespace $ns -Name antrea -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'TableNotFound,HostAccel.PowerShell.Commands.RemoveAccelTableCommand'
    }
}
