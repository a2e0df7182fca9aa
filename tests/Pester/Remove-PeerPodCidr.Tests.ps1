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

    It 'removes each prefix Get-PeerPodCidr lists for a range nft wrote, the error of one it does not list on that CIDR' {
        & ip netns exec $ns nft add element ip antrea peer-pod-cidr '{ 10.20.0.3-10.20.0.9 }'
        (Get-PeerPodCidr -NetworkNamespace $ns -Family ip).Cidr | Should -Be '10.20.0.3/32', '10.20.0.4/30', '10.20.0.8/31', '10.244.0.0/24', '10.244.1.0/24'
        Remove-PeerPodCidr -NetworkNamespace $ns -Cidr 10.20.0.4/31 -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed.FullyQualifiedErrorId | Should -Be 'CidrNotFound,HostAccel.PowerShell.Commands.RemovePeerPodCidrCommand'
        $failed.TargetObject | Should -Be '10.20.0.4/31'
        Get-PeerPodCidr -NetworkNamespace $ns -Family ip | Where-Object Cidr -Like '10.20.*' | Select-Object -First 2 | Remove-PeerPodCidr -Confirm:$false
        (Get-PeerPodCidr -NetworkNamespace $ns -Family ip).Cidr | Should -Be '10.20.0.8/31', '10.244.0.0/24', '10.244.1.0/24'
    }

    It 'asks first: ConfirmImpact High' {
        (Get-Command Remove-PeerPodCidr).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact |
            Should -Be 'High'
    }
}
