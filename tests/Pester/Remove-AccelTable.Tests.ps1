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

    It 'does not remove a table with the seed''s comment that it did not create, without -Force (issue 19)' {
        Import-NftRuleset $ns @'
table ip antrea {
    comment "Rules for Antrea"
    set blocklist { type ipv4_addr; flags interval; elements = { 192.0.2.0/24 }; }
    chain guard { type filter hook input priority 0; policy drop; ip saddr @blocklist drop; }
}
'@
        $before = (& ip netns exec $ns nft -j list ruleset) -join "`n"
        { Remove-AccelTable -NetworkNamespace $ns -Name antrea -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'TableNotOwned,HostAccel.PowerShell.Commands.RemoveAccelTableCommand'
        Get-AccelTable -NetworkNamespace $ns -Name antrea | Remove-AccelTable -Confirm:$false -ErrorAction SilentlyContinue
        (& ip netns exec $ns nft -j list ruleset) -join "`n" | Should -Be $before
    }

    It 'removes only the table of the exact name: names are case-sensitive (issue 19)' {
        New-AccelTable -NetworkNamespace $ns -Name antrea -Family ip
        New-AccelTable -NetworkNamespace $ns -Name ANTREA -Family ip
        Get-AccelTable -NetworkNamespace $ns -Name antrea -Family ip | Remove-AccelTable -Confirm:$false
        (Get-AccelTable -NetworkNamespace $ns).Name | Should -Be 'ANTREA'
    }

    It 'reports a missing table as TableNotFound' {
        { Remove-AccelTable -NetworkNamespace $ns -Name antrea -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'TableNotFound,HostAccel.PowerShell.Commands.RemoveAccelTableCommand'
    }
}
