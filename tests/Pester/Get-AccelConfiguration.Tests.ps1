BeforeAll {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
    $script:Psd1 = Join-Path $PSScriptRoot '../../samples/node.psd1'
    $script:Id = 'HostAccel.PowerShell.Commands.GetAccelConfigurationCommand'
}

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
    $probe = New-TestNamespace
    try { $flowtables = (Test-HostAccelSupport -NetworkNamespace $probe).Flowtable } finally { Remove-TestNamespace $probe }
}

Describe 'Get-AccelConfiguration' {
    BeforeEach {
        $ns = New-TestNamespace
        Add-TestDevice $ns eth1
    }
    AfterEach { Remove-TestNamespace $ns }

    It 'reads an empty namespace as no acceleration, which is its desired state' {
        $config = Get-AccelConfiguration -NetworkNamespace $ns
        $config | Should -BeOfType ([HostAccel.PowerShell.Model.AccelConfiguration])
        $config.TableName | Should -Be 'antrea'
        $config.LocalPodCidr | Should -BeNullOrEmpty
        $config.Traffic | Should -Be 'None'
        $config.NetworkNamespace | Should -Be $ns
        # NetworkNamespace binds by property name: the state goes back where it was read.
        $config | Test-AccelConfiguration -Quiet | Should -BeTrue
        ($config | Sync-AccelConfiguration).Applied | Should -BeFalse
    }

    It 'takes the table name by position, and a table named that does not exist is TableNotFound' {
        { Get-AccelConfiguration other -NetworkNamespace $ns -ErrorAction Stop } | Should -Throw -ErrorId "TableNotFound,$Id"
        Sync-AccelConfiguration -NetworkNamespace $ns -Configuration @{ Family = 'ip'; Traffic = 'None'; TableName = 'other' }
        (Get-AccelConfiguration other -NetworkNamespace $ns).TableName | Should -Be 'other'
    }

    It 'reads back prepared tables whose peer set has a name of its own, as synced' {
        Sync-AccelConfiguration -NetworkNamespace $ns -Configuration @{ Family = 'ip'; Traffic = 'None'; SetName = 'pods'; PeerPodCidr = '10.1.0.0/16' }
        $read = Get-AccelConfiguration -NetworkNamespace $ns
        ($read.SetName, ($read.PeerPodCidr -join ','), [string] $read.Traffic) | Should -Be @('pods', '10.1.0.0/16', 'None')
        $read | Test-AccelConfiguration -Quiet | Should -BeTrue
    }

    It 'refuses a state with a chain added by hand (StateNotExpressible, naming it), which Get | Sync would delete' {
        Sync-AccelConfiguration -NetworkNamespace $ns -Configuration @{ Family = 'ip'; Traffic = 'None' }
        & ip netns exec $ns nft add chain ip antrea mine '{ type filter hook input priority 0; policy accept; }'
        & ip netns exec $ns nft add rule ip antrea mine counter
        { Get-AccelConfiguration -NetworkNamespace $ns -ErrorAction Stop } | Should -Throw -ErrorId "StateNotExpressible,$Id"
        $e = $null
        Get-AccelConfiguration -NetworkNamespace $ns -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].Exception.Message | Should -Match 'chain ip antrea mine'
    }

    It 'reports a missing namespace as NetworkNamespaceNotFound' {
        { Get-AccelConfiguration -NetworkNamespace "$ns-gone" -ErrorAction Stop } | Should -Throw -ErrorId "NetworkNamespaceNotFound,$Id"
    }

    Context 'on a kernel with flowtables' -Skip:(-not $flowtables) {
        It 'reads back what Sync-AccelConfiguration applied' {
            Sync-AccelConfiguration -NetworkNamespace $ns -Path $Psd1 | Out-Null
            $config = Get-AccelConfiguration -NetworkNamespace $ns
            $config.Traffic | Should -Be 'All'
            $config.LocalPodCidr | Should -Be @('10.244.2.0/24', 'fd00:10:244:2::/64')
            $config.PeerPodCidr | Should -Be @('10.244.0.0/24', '10.244.1.0/24', 'fd00:10:244::/64', 'fd00:10:244:1::/64')
            $config.TransportInterface | Should -Be 'eth0'
            $config.Devices | Should -Be 'eth1'
            $config.ExternalIP | Should -Be @('192.0.2.10', '192.0.2.11', '2001:db8::10')
            $config.PeerNodeIP | Should -Be @('172.18.0.2', '172.18.0.3', 'fc00:f853:ccd:e793::2', 'fc00:f853:ccd:e793::3')
            $config.Counter | Should -BeTrue
            $config | Test-AccelConfiguration -Quiet | Should -BeTrue
        }

        It 'reads a table HostAccel did not create only with -IncludeForeign' {
            Import-NftRuleset $ns @'
table ip antrea {
    comment "mine"
    flowtable fastpath { hook ingress priority filter; devices = { antrea-gw0, eth0 }; }
    set peer-pod-cidr { type ipv4_addr; flags interval; elements = { 10.244.1.0/24 } }
    chain forward {
        type filter hook forward priority filter; policy accept;
        iif "antrea-gw0" ip saddr 10.244.2.0/24 oif "eth0" ip daddr @peer-pod-cidr flow add @fastpath counter
        iif "eth0" ip saddr @peer-pod-cidr oif "antrea-gw0" ip daddr 10.244.2.0/24 flow add @fastpath counter
    }
}
'@
            (Get-AccelConfiguration -NetworkNamespace $ns).LocalPodCidr | Should -BeNullOrEmpty
            $foreign = Get-AccelConfiguration -NetworkNamespace $ns -IncludeForeign
            $foreign.LocalPodCidr | Should -Be '10.244.2.0/24'
            $foreign.PeerPodCidr | Should -Be '10.244.1.0/24'
            $foreign.TransportInterface | Should -Be 'eth0'
            $foreign.Traffic | Should -Be 'PodToPod'
        }
    }
}
