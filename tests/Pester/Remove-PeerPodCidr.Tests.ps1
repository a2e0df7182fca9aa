BeforeAll {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
}

Describe 'Remove-PeerPodCidr' {
    BeforeEach {
        $ns = New-TestNamespace
        New-AccelTable -NetworkNamespace $ns
        Add-PeerPodCidr -NetworkNamespace $ns -Cidr 10.244.0.0/24, 10.244.1.0/24, fd00:10:244::/64
    }
    AfterEach { Remove-TestNamespace $ns }

    It 'removes what Get-PeerPodCidr pipes to it' {
        Get-PeerPodCidr -NetworkNamespace $ns -Family ip | Remove-PeerPodCidr -Confirm:$false
        (Get-PeerPodCidr -NetworkNamespace $ns).Cidr | Should -Be 'fd00:10:244::/64'
    }

    It 'reports a prefix the set does not hold as CidrNotFound and removes nothing' {
        $before = Get-Ruleset $ns
        { Remove-PeerPodCidr -NetworkNamespace $ns -Cidr 10.244.2.0/24 -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'CidrNotFound,HostAccel.PowerShell.Commands.RemovePeerPodCidrCommand'
        Get-Ruleset $ns | Should -Be $before
    }

    It 'asks first: ConfirmImpact High' {
        (Get-Command Remove-PeerPodCidr).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact |
            Should -Be 'High'
    }
}
