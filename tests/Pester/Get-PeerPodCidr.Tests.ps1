BeforeAll {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
}

Describe 'Get-PeerPodCidr' {
    BeforeEach {
        $ns = New-TestNamespace
        New-AccelTable -NetworkNamespace $ns
        Add-PeerPodCidr -NetworkNamespace $ns -Cidr 10.244.0.0/24, fd00:10:244::/64
    }
    AfterEach { Remove-TestNamespace $ns }

    It 'lists the prefixes of both families' {
        (Get-PeerPodCidr -NetworkNamespace $ns).Cidr | Should -Be @('10.244.0.0/24', 'fd00:10:244::/64')
    }

    It 'filters by family' {
        (Get-PeerPodCidr -NetworkNamespace $ns -Family ip6).Cidr | Should -Be 'fd00:10:244::/64'
    }

    It 'renders nft syntax' {
        (Get-PeerPodCidr -NetworkNamespace $ns -Family ip).ToString() | Should -Be 'element ip antrea peer-pod-cidr { 10.244.0.0/24 }'
    }

    It 'reports a named family without a table as TableNotFound' {
        { Get-PeerPodCidr -NetworkNamespace $ns -Family ip -TableName other -ErrorAction Stop } |
            Should -Throw -ErrorId 'TableNotFound,HostAccel.PowerShell.Commands.GetPeerPodCidrCommand'
    }
}
