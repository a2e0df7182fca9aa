# PowerShell remoting over real SSH to the Node namespaces of tests/remoting/rig.sh (run by tests/remoting/run.sh,
# inside the rig's controller namespace): samples/Sync-Cluster.ps1 over the whole cluster, and objects that come back
# deserialized bound to the module's cmdlets. The rig has node-4 down (no sshd) and node-5 without CAP_NET_ADMIN.
# This kernel has no flowtables, so the Nodes' configurations use Traffic None: the tables and their peer Pod CIDR
# sets, all that a kernel without flowtables can hold.

BeforeAll {
    $script:ModulePath = Join-Path $PSScriptRoot '../../out/HostAccel/HostAccel.psd1'
    Import-Module $ModulePath -Force
    $script:Runbook = Join-Path $PSScriptRoot '../../samples/Sync-Cluster.ps1'
    $script:Names = $env:HOSTACCEL_RIG_NODES -split ' '
    $script:Ssh = @{
        UserName    = 'root'
        KeyFilePath = $env:HOSTACCEL_RIG_KEY
        SshOption   = @{ UserKnownHostsFile = $env:HOSTACCEL_RIG_KNOWN_HOSTS }
    }
    $script:Configurations = ConvertTo-AccelConfiguration -Path (Join-Path $env:HOSTACCEL_RIG 'cluster.json') -Traffic None
    $script:Up = $Configurations | Where-Object NodeName -NotIn 'node-4', 'node-5'

    function Get-NodeNamespace([string] $Node) { $env:HOSTACCEL_RIG_NETNS + ($Node -replace '^node-') }

    # The peer set as nft lists it in the Node's namespace: the oracle, independent of the module.
    function Get-NftPeer([string] $Node, [string] $Family) {
        $json = & ip netns exec (Get-NodeNamespace $Node) nft -j list set $Family antrea peer-pod-cidr | ConvertFrom-Json
        # ForEach-Object set: $array.set would be the array's own Set method, not the member's property.
        @(($json.nftables | ForEach-Object set).elem | ForEach-Object { if ($_.prefix) { "$($_.prefix.addr)/$($_.prefix.len)" } else { "$_" } }) | Sort-Object
    }

    function Invoke-Runbook {
        $errors = $null
        $reports = $Configurations | & $Runbook @Ssh -ErrorAction SilentlyContinue -ErrorVariable errors 2>$null
        [pscustomobject]@{ Reports = $reports; Errors = $errors }
    }
}

Describe 'samples/Sync-Cluster.ps1 over SSH' {
    BeforeAll {
        $script:First = Invoke-Runbook
        $script:Second = Invoke-Runbook
    }

    It 'reports every Node, in order' {
        $First.Reports.Node | Should -Be $Names
        $First.Reports | ForEach-Object { $_.PSObject.TypeNames[0] | Should -Be 'HostAccel.NodeSyncReport' }
    }

    It 'syncs the Nodes that are up: each holds every other Node''s Pod CIDRs, as nft lists them' {
        foreach ($report in $First.Reports | Where-Object Node -In $Up.NodeName) {
            $report.Status | Should -Be 'Synced'
            $report.Changes | Should -BeGreaterThan 0
            $report.InDesiredState | Should -BeTrue
            $report.Error | Should -BeNullOrEmpty
        }
        # The expectation from the cluster description itself, not from the cmdlet's output.
        $cluster = (Get-Content -Raw (Join-Path $env:HOSTACCEL_RIG 'cluster.json') | ConvertFrom-Json).items
        foreach ($node in $Up.NodeName) {
            $others = @(($cluster | Where-Object { $_.metadata.name -ne $node }).spec.podCIDRs)
            $others.Count | Should -Be (2 * ($Names.Count - 1))
            Get-NftPeer $node ip | Should -Be ($others -like '10.*' | Sort-Object)
            Get-NftPeer $node ip6 | Should -Be ($others -like 'fd00:*' | Sort-Object)
        }
    }

    It 'reports a Node that is down with its error while the others proceed' {
        $down = $First.Reports | Where-Object Node -EQ 'node-4'
        $down.Status | Should -Be 'Unreachable'
        $down.InDesiredState | Should -BeNullOrEmpty
        $down.Error | Should -Not -BeNullOrEmpty
        $errors = @($First.Errors | Where-Object TargetObject -EQ 'node-4')
        $errors.Count | Should -BeGreaterThan 0
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'PSSessionOpenFailed*'
        "$($errors[0])" | Should -BeLike 'node-4 (192.168.77.14): *'
    }

    It 'reports a Node that refuses (no CAP_NET_ADMIN) with the module''s own error, and changes nothing there' {
        $refusing = $First.Reports | Where-Object Node -EQ 'node-5'
        $refusing.Status | Should -Be 'Failed'
        $refusing.Error | Should -Match 'CAP_NET_ADMIN'
        $remote = @($First.Errors | Where-Object TargetObject -EQ 'node-5')
        $remote[0].FullyQualifiedErrorId | Should -BeLike 'PermissionDenied,*'
        $remote[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        & ip netns exec (Get-NodeNamespace node-5) nft list tables | Should -BeNullOrEmpty
    }

    It 'changes nothing on a second run' {
        foreach ($report in $Second.Reports | Where-Object Node -In $Up.NodeName) {
            $report.Status | Should -Be 'InDesiredState'
            $report.Changes | Should -Be 0
            $report.InDesiredState | Should -BeTrue
        }
        ($Second.Reports | Where-Object Node -EQ 'node-4').Status | Should -Be 'Unreachable'
        ($Second.Reports | Where-Object Node -EQ 'node-5').Status | Should -Be 'Failed'
    }

    It 'repairs exactly the Node that drifted' {
        & ip netns exec (Get-NodeNamespace node-2) nft delete element ip antrea peer-pod-cidr '{ 10.244.3.0/24 }'
        $LASTEXITCODE | Should -Be 0
        $third = Invoke-Runbook
        ($third.Reports | Where-Object Node -EQ 'node-2').Status | Should -Be 'Synced'
        ($third.Reports | Where-Object Node -EQ 'node-2').Changes | Should -Be 1
        ($third.Reports | Where-Object Node -In 'node-1', 'node-3').Status | Should -Be 'InDesiredState', 'InDesiredState'
        Get-NftPeer node-2 ip | Should -Contain '10.244.3.0/24'
    }
}

Describe 'Objects deserialized from real SSH sessions bind to the module''s cmdlets' {
    BeforeAll {
        $script:Session = New-PSSession -HostName 192.168.77.11 -UserName root -KeyFilePath $env:HOSTACCEL_RIG_KEY -Options @{ UserKnownHostsFile = $env:HOSTACCEL_RIG_KNOWN_HOSTS }
        # What node-1 holds after the runbook above (or this block's own sync when it runs alone).
        $node1 = $Configurations | Where-Object NodeName -EQ 'node-1'
        Invoke-Command -Session $Session -ArgumentList $node1 { param($c) $c | Sync-AccelConfiguration -Confirm:$false } | Out-Null
        $script:Read = Invoke-Command -Session $Session { Get-AccelConfiguration }
    }

    AfterAll {
        if ($Session) { Remove-PSSession $Session }
    }

    It 'comes back deserialized, from the Node''s own namespace' {
        $Read.PSObject.TypeNames[0] | Should -Be 'Deserialized.HostAccel.PowerShell.Model.AccelConfiguration'
        $Read.PSComputerName | Should -Be '192.168.77.11'
        @($Read.PeerPodCidr).Count | Should -Be (2 * ($Names.Count - 1))
    }

    It 'is piped back into Test-AccelConfiguration on the Node: in desired state' {
        $test = Invoke-Command -Session $Session -InputObject $Read { $input | Test-AccelConfiguration }
        $test.PSObject.TypeNames[0] | Should -Be 'Deserialized.HostAccel.PowerShell.Model.AccelConfigurationTest'
        $test.InDesiredState | Should -BeTrue
    }

    It 'is piped locally into Test-AccelConfiguration and Sync-AccelConfiguration against the Node''s namespace' {
        $namespace = Get-NodeNamespace node-1
        ($Read | Test-AccelConfiguration -NetworkNamespace $namespace).InDesiredState | Should -BeTrue
        ($Read | Sync-AccelConfiguration -NetworkNamespace $namespace -Confirm:$false).Applied | Should -BeFalse
    }

    It 'finds drift once the Node changed: the deserialized configuration is the desired state, not a copy of the kernel' {
        Invoke-Command -Session $Session { Remove-PeerPodCidr -Cidr 10.244.2.0/24 -Confirm:$false }
        $test = Invoke-Command -Session $Session -InputObject $Read { $input | Test-AccelConfiguration }
        $test.InDesiredState | Should -BeFalse
        "$(@($test.Drift))" | Should -Match 'set ip antrea peer-pod-cidr: 1 element to add'
        (Invoke-Command -Session $Session -InputObject $Read { $input | Sync-AccelConfiguration -Confirm:$false }).Applied | Should -BeTrue
    }

    It 'binds a deserialized AccelTable to Get-PeerPodCidr by property name (Family, TableName)' {
        $tables = Invoke-Command -Session $Session { Get-AccelTable -Family Ip }
        $tables.PSObject.TypeNames[0] | Should -Be 'Deserialized.HostAccel.PowerShell.Model.AccelTable'
        $peers = $tables | Get-PeerPodCidr -NetworkNamespace (Get-NodeNamespace node-1)
        @($peers).Count | Should -Be ($Names.Count - 1)
        $peers.Cidr | Should -Not -Contain '10.244.1.0/24'
    }

    It 'formats the deserialized results with the module''s views' {
        $text = $Read | Out-String
        $text | Should -Match 'PeerPodCidr\s+:\s+10\.244\.2\.0/24'
        $text | Should -Match 'TableName\s+:\s+antrea'
    }
}
