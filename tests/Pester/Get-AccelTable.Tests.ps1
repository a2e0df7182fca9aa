BeforeAll {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
}

Describe 'Get-AccelTable' {
    BeforeEach {
        $ns = New-TestNamespace
        Import-NftRuleset $ns 'table inet filter { };'
        Import-HostAccelRuleset $ns 'table ip antrea { comment "Rules for Antrea"; }'
    }
    AfterEach { Remove-TestNamespace $ns }

    It 'lists HostAccel tables only by default' {
        (Get-AccelTable -NetworkNamespace $ns).Name | Should -Be 'antrea'
    }

    It 'lists foreign tables with -All, marked not owned' {
        $all = Get-AccelTable -NetworkNamespace $ns -All
        $all.Count | Should -Be 2
        ($all | Where-Object Name -EQ 'filter').Owned | Should -BeFalse
    }

    It 'renders nft syntax' {
        (Get-AccelTable -NetworkNamespace $ns).ToString() | Should -Be 'table ip antrea { comment "Rules for Antrea"; }'
    }

    It 'reports an exact name that matches nothing as TableNotFound' {
        { Get-AccelTable -NetworkNamespace $ns -Name nope -ErrorAction Stop } |
            Should -Throw -ErrorId 'TableNotFound,HostAccel.PowerShell.Commands.GetAccelTableCommand'
    }
}
