BeforeAll {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
    $script:Fixtures = Join-Path $PSScriptRoot '../fixtures/kubernetes'
    # kubectl get nodes -o json of a dual-stack cluster: three Nodes, one without Pod CIDRs yet, one being deleted.
    $script:DualStack = Get-Content -Raw (Join-Path $Fixtures 'nodes-dual-stack.json') | ConvertFrom-Json
}

Describe 'ConvertTo-AccelConfiguration' {
    Context 'kubectl get nodes -o json, dual-stack' {
        BeforeAll {
            $script:Configurations = $DualStack | ConvertTo-AccelConfiguration -TransportInterface eth0 -WarningVariable warnings -WarningAction SilentlyContinue
            $script:Warnings = $warnings
        }

        It 'writes one configuration per Node that has Pod CIDRs and is not being deleted, in order' {
            $Configurations.NodeName | Should -Be 'kind-control-plane', 'kind-worker', 'kind-worker2'
            $Configurations | ForEach-Object { $_ | Should -BeOfType HostAccel.PowerShell.Model.AccelConfiguration }
        }

        It 'gives each Node every other Node''s Pod CIDRs of both families, and not its own' {
            $worker = $Configurations | Where-Object NodeName -EQ 'kind-worker'
            $worker.LocalPodCidr | Should -Be '10.244.1.0/24', 'fd00:10:244:1::/64'
            $worker.PeerPodCidr | Should -Be '10.244.0.0/24', '10.244.2.0/24', 'fd00:10:244::/64', 'fd00:10:244:2::/64'
            $worker.Family | Should -Be Ip, Ip6
            $worker.TransportInterface | Should -Be 'eth0'
            $worker.NodeIP | Should -Be '172.18.0.3', 'fc00:f853:ccd:e793::3'
        }

        It 'leaves out, and warns about, the Node without Pod CIDRs and the Node being deleted' {
            $Configurations.PeerPodCidr | Should -Not -Contain '10.244.3.0/24'
            $Warnings.Count | Should -Be 2
            "$($Warnings[0])" | Should -Match 'kind-worker3 has no Pod CIDR yet'
            "$($Warnings[1])" | Should -Match 'kind-worker4 is being deleted \(deletionTimestamp 2025-11-20T09:41:02Z\)'
        }

        It 'takes the Nodes one by one from the pipeline as it takes the List' {
            $oneByOne = $DualStack.items | ConvertTo-AccelConfiguration -TransportInterface eth0 -WarningAction SilentlyContinue
            ($oneByOne | ConvertTo-Json -Depth 3) | Should -Be ($Configurations | ConvertTo-Json -Depth 3)
        }

        It 'reads the saved JSON by -Path as the objects from ConvertFrom-Json' {
            $fromFile = ConvertTo-AccelConfiguration -Path (Join-Path $Fixtures 'nodes-dual-stack.json') -TransportInterface eth0 -WarningAction SilentlyContinue
            ($fromFile | ConvertTo-Json -Depth 3) | Should -Be ($Configurations | ConvertTo-Json -Depth 3)
        }

        It 'adds the other Nodes'' InternalIPs as PeerNodeIP for FullPath traffic' {
            $c = $DualStack | ConvertTo-AccelConfiguration -TransportInterface eth0 -Traffic PodToPod, FullPath -WarningAction SilentlyContinue |
                Where-Object NodeName -EQ 'kind-control-plane'
            $c.PeerNodeIP | Should -Be '172.18.0.3', '172.18.0.4', 'fc00:f853:ccd:e793::3', 'fc00:f853:ccd:e793::4'
            $c.Traffic | Should -Be 'PodToPod, FullPath'
        }

        It 'applies the template to every Node' {
            $c = $DualStack | ConvertTo-AccelConfiguration -Template @{ TransportInterface = 'bond0'; Counter = $true; Devices = 'eth1' } -WarningAction SilentlyContinue
            $c.Counter | Should -Be $true, $true, $true
            $c.TransportInterface | Should -Be 'bond0', 'bond0', 'bond0'
            $c[0].Devices | Should -Be 'eth1'
        }
    }

    Context 'single-stack and mixed clusters' {
        It 'reads spec.podCIDR when spec.podCIDRs is absent (node-c)' {
            $c = ConvertTo-AccelConfiguration -Path (Join-Path $Fixtures 'nodes-ipv4.json') -TransportInterface eth0
            ($c | Where-Object NodeName -EQ 'node-c').LocalPodCidr | Should -Be '10.42.2.0/24'
            ($c | Where-Object NodeName -EQ 'node-a').PeerPodCidr | Should -Be '10.42.1.0/24', '10.42.2.0/24'
            ($c | Where-Object NodeName -EQ 'node-a').Family | Should -Be Ip
        }

        It 'gives a single-stack Node only its family''s peers, and dual-stack Nodes its one Pod CIDR (description file)' {
            $c = ConvertTo-AccelConfiguration -Path (Join-Path $Fixtures 'cluster.psd1')
            ($c | Where-Object NodeName -EQ 'node-3').PeerPodCidr | Should -Be '10.244.0.0/24', '10.244.1.0/24'
            ($c | Where-Object NodeName -EQ 'node-3').TransportInterface | Should -Be 'bond0'
            ($c | Where-Object NodeName -EQ 'node-1').PeerPodCidr | Should -Be '10.244.1.0/24', '10.244.2.0/24', 'fd00:10:244:1::/64'
            ($c | Where-Object NodeName -EQ 'node-1').PeerNodeIP | Should -Be '192.168.77.12', '192.168.77.13', 'fd00:77::c'
            ($c | Where-Object NodeName -EQ 'node-1').Counter | Should -BeTrue
        }
    }

    Context 'what it refuses, naming the Nodes' {
        It 'refuses Pod CIDRs that overlap between Nodes, and writes nothing' {
            $out = $null
            $failure = @({ $script:out = ConvertTo-AccelConfiguration -Path (Join-Path $Fixtures 'nodes-overlapping.json') -TransportInterface eth0 } | Should -Throw -PassThru)
            $out | Should -BeNullOrEmpty
            $failure[0].FullyQualifiedErrorId | Should -Be 'OverlappingCidr,HostAccel.PowerShell.Commands.ConvertToAccelConfigurationCommand'
            $failure[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $failure[0].TargetObject | Should -Be '10.42.0.128/25'
            "$($failure[0])" | Should -Match 'node-b' -Because 'the message names both Nodes'
            "$($failure[0])" | Should -Match 'node-a'
        }

        It 'refuses the same Pod CIDR on two Nodes' {
            $nodes = @{ Name = 'a'; PodCidr = '10.1.0.0/24' }, @{ Name = 'b'; PodCidr = '10.1.0.0/24' }
            { $nodes | ConvertTo-AccelConfiguration -TransportInterface eth0 -ErrorAction Stop } | Should -Throw -ErrorId 'OverlappingCidr,HostAccel.PowerShell.Commands.ConvertToAccelConfigurationCommand' -ExpectedMessage '*Nodes a and b both have the Pod CIDR 10.1.0.0/24*'
        }

        It 'refuses two Nodes of one name' {
            $nodes = @{ Name = 'a'; PodCidr = '10.1.0.0/24' }, @{ Name = 'a'; PodCidr = '10.1.1.0/24' }
            { $nodes | ConvertTo-AccelConfiguration -TransportInterface eth0 -ErrorAction Stop } | Should -Throw -ErrorId 'DuplicateNode,HostAccel.PowerShell.Commands.ConvertToAccelConfigurationCommand'
        }

        It 'refuses a Pod CIDR that is not one, naming the Node and the value' {
            $nodes = @{ Name = 'a'; PodCidr = '10.1.0.1/24' }, @{ Name = 'b'; PodCidr = '10.1.1.0/24' }
            $failure = @({ $nodes | ConvertTo-AccelConfiguration -TransportInterface eth0 } | Should -Throw -PassThru)
            $failure[0].FullyQualifiedErrorId | Should -BeLike 'HostBitsSet,*'
            $failure[0].TargetObject | Should -Be '10.1.0.1/24'
            "$($failure[0])" | Should -Match '^the Node a: '
        }

        It 'refuses an object that is not a Node' {
            { 'node-1' | ConvertTo-AccelConfiguration -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidNode,HostAccel.PowerShell.Commands.ConvertToAccelConfigurationCommand'
            { @{ Name = 'a'; PodCidr = '10.1.0.0/24'; Zone = 'x' } | ConvertTo-AccelConfiguration -ErrorAction Stop } | Should -Throw -ExpectedMessage "*'Zone' is not a key of a Node*"
        }

        It 'refuses a key given twice in two cases (ConvertFrom-Json -AsHashtable keeps both), in a Node and in the template' {
            $json = '{"kind":"NodeList","items":[{"metadata":{"name":"a"},"spec":{"podCIDR":"10.1.0.0/24","PodCIDR":"10.9.0.0/24"}},{"metadata":{"name":"b"},"spec":{"podCIDR":"10.2.0.0/24"}}]}'
            $failure = @({ $json | ConvertFrom-Json -AsHashtable | ConvertTo-AccelConfiguration -TransportInterface eth0 } | Should -Throw -PassThru)
            $failure[0].FullyQualifiedErrorId | Should -Be 'InvalidConfiguration,HostAccel.PowerShell.Commands.ConvertToAccelConfigurationCommand'
            $failure[0].CategoryInfo.Category | Should -Be InvalidArgument
            "$($failure[0])" | Should -Be "'podCIDR' and 'PodCIDR' are the same key (keys are read in any case), given twice"
            $failure[0].TargetObject | Should -Be 'PodCIDR'

            $template = '{"Counter":true,"counter":false}' | ConvertFrom-Json -AsHashtable
            $failure = @({ @{ Name = 'a'; PodCidr = '10.1.0.0/24' } | ConvertTo-AccelConfiguration -TransportInterface eth0 -Template $template } | Should -Throw -PassThru)
            $failure[0].FullyQualifiedErrorId | Should -Be 'InvalidConfiguration,HostAccel.PowerShell.Commands.ConvertToAccelConfigurationCommand'
            "$($failure[0])" | Should -Be "'Counter' and 'counter' are the same key (keys are read in any case), given twice"
        }

        It 'refuses a template that sets what the cluster decides' {
            { $DualStack | ConvertTo-AccelConfiguration -Template @{ PeerPodCidr = '10.9.0.0/16' } -ErrorAction Stop -WarningAction SilentlyContinue } |
                Should -Throw -ErrorId 'InvalidConfiguration,HostAccel.PowerShell.Commands.ConvertToAccelConfigurationCommand' -ExpectedMessage '*PeerPodCidr*computes*'
        }

        It 'names the Node whose configuration does not check: PodToPod without a transport interface' {
            { $DualStack | ConvertTo-AccelConfiguration -ErrorAction Stop -WarningAction SilentlyContinue } |
                Should -Throw -ErrorId 'InvalidConfiguration,HostAccel.PowerShell.Commands.ConvertToAccelConfigurationCommand' -ExpectedMessage '*kind-control-plane*TransportInterface*'
        }

        It 'says which file is missing' {
            { ConvertTo-AccelConfiguration -Path (Join-Path $TestDrive 'none.json') -ErrorAction Stop } | Should -Throw -ErrorId 'ConfigurationFileNotFound,HostAccel.PowerShell.Commands.ConvertToAccelConfigurationCommand'
        }
    }

    Context 'with Sync- and Test-AccelConfiguration' {
        It 'binds its output, and the output deserialized, to Test-AccelConfiguration (NodeName and NodeIP are not settings)' {
            $c = $DualStack | ConvertTo-AccelConfiguration -TransportInterface eth0 -Traffic None -WarningAction SilentlyContinue | Select-Object -First 1
            $copy = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($c))
            $ns = New-TestNamespace
            try {
                ($c | Sync-AccelConfiguration -NetworkNamespace $ns -Confirm:$false).Applied | Should -BeTrue
                ($copy | Test-AccelConfiguration -NetworkNamespace $ns).InDesiredState | Should -BeTrue
                (Get-PeerPodCidr -NetworkNamespace $ns).Cidr | Should -Be $c.PeerPodCidr
            }
            finally {
                Remove-TestNamespace $ns
            }
        }
    }
}
