BeforeAll {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
    $script:Id = 'HostAccel.PowerShell.Commands.NewAccelConfigurationCommand'
}

Describe 'New-AccelConfiguration' {
    It 'takes seed 000''s defaults for what is not given' {
        $config = New-AccelConfiguration -TransportInterface eth0 -LocalPodCidr 10.244.2.0/24
        $config | Should -BeOfType ([HostAccel.PowerShell.Model.AccelConfiguration])
        $config.TableName | Should -Be 'antrea'
        $config.SetName | Should -Be 'peer-pod-cidr'
        $config.FlowtableName | Should -Be 'fastpath'
        $config.ChainName | Should -Be 'forward'
        $config.GatewayInterface | Should -Be 'antrea-gw0'
        $config.Traffic | Should -Be 'PodToPod'
        $config.Family | Should -Be 'Ip'
        # No External-to-Pod or NodePort traffic: their addresses would leave no trace, so the normal form has none.
        $config.ServiceSnatAddress | Should -BeNullOrEmpty
        $config.NodePortDnatAddress | Should -BeNullOrEmpty
        $config.Priority | Should -Be 0
        $config.Counter | Should -BeFalse
        $config.NetworkNamespace | Should -BeNullOrEmpty
    }

    It 'binds -TransportInterface and -LocalPodCidr by position' {
        (New-AccelConfiguration eth0 10.244.2.0/24).LocalPodCidr | Should -Be '10.244.2.0/24'
    }

    It 'writes the normal form: canonical, sorted, duplicates and the gateway and transport out of Devices' {
        $config = New-AccelConfiguration -TransportInterface eth0 -LocalPodCidr FD00:10:244:2:0:0:0:0/64, 10.244.2.0/24 `
            -PeerPodCidr 10.244.10.0/24, 10.244.1.0/24, 10.244.1.0/24 -Devices eth1, eth0, antrea-gw0, bond0
        $config.LocalPodCidr | Should -Be @('10.244.2.0/24', 'fd00:10:244:2::/64')
        $config.PeerPodCidr | Should -Be @('10.244.1.0/24', '10.244.10.0/24')
        $config.Devices | Should -Be @('bond0', 'eth1')
    }

    It 'takes traffic types as <Case>' -ForEach @(
        @{ Case = 'a comma-separated string'; Traffic = 'PodToPod, ExternalIP' }
        @{ Case = 'an array of names'; Traffic = @('ExternalIP', 'PodToPod') }
        @{ Case = 'the enum'; Traffic = [HostAccel.PowerShell.Model.AccelTraffic] 'PodToPod, ExternalIP' }
    ) {
        (New-AccelConfiguration -TransportInterface eth0 -LocalPodCidr 10.244.2.0/24 -Traffic $Traffic -ExternalIP 192.0.2.10).Traffic |
            Should -Be ([HostAccel.PowerShell.Model.AccelTraffic] 'PodToPod, ExternalIP')
    }

    It 'sets the flowtable''s flags and priority' {
        $config = New-AccelConfiguration -TransportInterface eth0 -LocalPodCidr 10.244.2.0/24 -Counter -HardwareOffload -Priority -10
        $config.Counter | Should -BeTrue
        $config.HardwareOffload | Should -BeTrue
        $config.Priority | Should -Be -10
    }

    It 'fills in Antrea''s virtual IPs for each family whose traffic needs one' {
        $config = New-AccelConfiguration -TransportInterface eth0 -LocalPodCidr 10.244.2.0/24, fd00:10:244:2::/64 -Traffic ExternalToPod, ExternalToNodePort
        $config.ServiceSnatAddress | Should -Be @('169.254.0.253', 'fc01::aabb:ccdd:eeff')
        $config.NodePortDnatAddress | Should -Be @('169.254.0.252', 'fc01::aabb:ccdd:eefe')
    }

    It 'prepares tables with -Traffic None' {
        $config = New-AccelConfiguration -Family Ip, Ip6 -Traffic None -PeerPodCidr 10.244.1.0/24
        $config.Family | Should -Be @('Ip', 'Ip6')
        $config.Traffic | Should -Be 'None'
        $config.PeerPodCidr | Should -Be '10.244.1.0/24'
    }

    It 'builds no acceleration from no parameters' {
        $config = New-AccelConfiguration
        $config.LocalPodCidr | Should -BeNullOrEmpty
        $config.TransportInterface | Should -BeNullOrEmpty
    }

    It 'needs no transport interface for traffic that does not cross it' {
        (New-AccelConfiguration -LocalPodCidr 10.244.2.0/24 -Traffic ExternalToNodePort).TransportInterface | Should -BeNullOrEmpty
    }

    It 'builds the same configuration as the .psd1 sample splatted' {
        $settings = Import-PowerShellDataFile (Join-Path $PSScriptRoot '../../samples/node.psd1')
        $config = New-AccelConfiguration @settings
        $config.Traffic | Should -Be 'All'
        $config.Devices | Should -Be 'eth1'
        $config.ExternalIP | Should -Be @('192.0.2.10', '192.0.2.11', '2001:db8::10')
        $config.Counter | Should -BeTrue
    }

    It 'refuses <Case> with <ErrorId>, naming <Target>, and writes no object' -ForEach @(
        @{ Case = 'host bits'; Arguments = @{ TransportInterface = 'eth0'; LocalPodCidr = '10.244.2.1/24' }; ErrorId = 'HostBitsSet'; Target = '10.244.2.1/24' }
        @{ Case = 'a malformed CIDR'; Arguments = @{ TransportInterface = 'eth0'; LocalPodCidr = '10.244.2.0/24'; PeerPodCidr = '10.244.0/24' }; ErrorId = 'InvalidCidr'; Target = '10.244.0/24' }
        @{ Case = 'overlapping peers'; Arguments = @{ TransportInterface = 'eth0'; LocalPodCidr = '10.244.2.0/24'; PeerPodCidr = '10.244.0.0/16', '10.244.1.0/24' }; ErrorId = 'OverlappingCidr'; Target = '10.244.1.0/24' }
        @{ Case = 'an IPv6 peer without an IPv6 local Pod CIDR'; Arguments = @{ TransportInterface = 'eth0'; LocalPodCidr = '10.244.2.0/24'; PeerPodCidr = 'fd00:10:244:1::/64' }; ErrorId = 'InvalidConfiguration'; Target = 'fd00:10:244:1::/64' }
        @{ Case = 'the inet family'; Arguments = @{ Family = 'Inet'; Traffic = 'None' }; ErrorId = 'InvalidConfiguration'; Target = 'Inet' }
        @{ Case = 'external IPs without ExternalIP traffic'; Arguments = @{ TransportInterface = 'eth0'; LocalPodCidr = '10.244.2.0/24'; ExternalIP = '192.0.2.10' }; ErrorId = 'InvalidConfiguration'; Target = 'ExternalIP' }
        @{ Case = 'Pod-to-Pod traffic without a transport interface'; Arguments = @{ LocalPodCidr = '10.244.2.0/24' }; ErrorId = 'InvalidConfiguration'; Target = 'TransportInterface' }
        @{ Case = 'a device name of 16 characters'; Arguments = @{ TransportInterface = 'eth0'; LocalPodCidr = '10.244.2.0/24'; Devices = 'abcdefghijklmnop' }; ErrorId = 'InvalidArgument'; Target = 'abcdefghijklmnop' }
    ) {
        $err = $null
        $config = New-AccelConfiguration @Arguments -ErrorVariable err -ErrorAction SilentlyContinue
        $config | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be "$ErrorId,$Id"
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].TargetObject | Should -Be $Target
        $err[0].Exception.Message | Should -Match ([regex]::Escape($Target))
    }

    It 'touches no kernel: no -NetworkNamespace, no -WhatIf' {
        $parameters = (Get-Command New-AccelConfiguration).Parameters.Keys
        $parameters | Should -Not -Contain 'NetworkNamespace'
        $parameters | Should -Not -Contain 'WhatIf'
    }
}
