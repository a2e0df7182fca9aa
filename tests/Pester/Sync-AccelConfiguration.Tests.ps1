BeforeAll {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
    $script:Psd1 = Join-Path $PSScriptRoot '../../samples/node.psd1'
    $script:Json = Join-Path $PSScriptRoot '../../samples/node.json'
    $script:Settings = @{
        TransportInterface = 'eth0'
        LocalPodCidr       = '10.244.2.0/24', 'fd00:10:244:2::/64'
        PeerPodCidr        = '10.244.1.0/24', 'fd00:10:244:1::/64'
        Traffic            = 'PodToPod, ExternalIP'
        ExternalIP         = '192.0.2.10'
        Counter            = $true
    }
    $script:Id = 'HostAccel.PowerShell.Commands.SyncAccelConfigurationCommand'

    # Verbose records and output as lines of text; not Out-String, which wraps at the console's width.
    function Get-Text([scriptblock] $Command) { (& $Command 4>&1 | ForEach-Object { "$_" }) -join "`n" }
}

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
    $probe = New-TestNamespace
    try { $flowtables = (Test-HostAccelSupport -NetworkNamespace $probe).Flowtable } finally { Remove-TestNamespace $probe }
}

Describe 'Sync-AccelConfiguration' {
    BeforeEach {
        $ns = New-TestNamespace
        Add-TestDevice $ns eth1
    }
    AfterEach { Remove-TestNamespace $ns }

    Context 'dry runs' {
        It 'changes nothing with -WhatIf and still writes the planned result' {
            $result = Sync-AccelConfiguration -NetworkNamespace $ns -Path $Psd1 -WhatIf
            $result | Should -BeOfType ([HostAccel.PowerShell.Model.AccelSyncResult])
            $result.Applied | Should -BeFalse
            $result.Attempts | Should -Be 1
            $result.NetworkNamespace | Should -Be $ns
            $result.Changes.Kind | Should -Be @('Missing', 'Missing')
            $result.Changes.Object | Should -Be @('table ip antrea { comment "Rules for Antrea"; }', 'table ip6 antrea { comment "Rules for Antrea"; }')
            Get-Ruleset $ns | Should -BeNullOrEmpty
        }

        It 'shows every statement of the one transaction (what -WhatIf prints), device names included' {
            $text = Get-Text { Sync-AccelConfiguration -NetworkNamespace $ns -Path $Psd1 -Verbose -ErrorAction SilentlyContinue }
            $text | Should -Match 'Apply the desired state on table antrea in network namespace ha-pester-'
            $text | Should -Match '  add table ip6 antrea \{ comment "Rules for Antrea"; \}'
            $text | Should -Match '  add element ip antrea external-ip \{ 192\.0\.2\.10/32, 192\.0\.2\.11/32 \}'
            $text | Should -Match '  add flowtable ip antrea fastpath \{ hook ingress priority filter; devices = \{ antrea-gw0, eth0, eth1 \}; counter; \}'
            $text | Should -Match '  add rule ip6 antrea forward ip6 saddr @peer-node-ip ip6 daddr fd00:10:244:2::/64 flow add @fastpath counter'
        }

        It 'cuts a long element list at 500 characters and says how many elements it holds' {
            $peers = 0..99 | ForEach-Object { "10.245.$_.0/24" }
            $text = Get-Text { Sync-AccelConfiguration -NetworkNamespace $ns -Configuration @{ TransportInterface = 'eth0'; LocalPodCidr = '10.244.2.0/24'; PeerPodCidr = $peers } -Verbose -ErrorAction SilentlyContinue }
            $line = ($text -split "`n") -match 'add element ip antrea peer-pod-cidr'
            $line | Should -Match '^  add element ip antrea peer-pod-cidr \{ 10\.245\.0\.0/24, 10\.245\.1\.0/24, .*… \(100 elements\)$'
            $line[0].Length | Should -Be (2 + 500 + '… (100 elements)'.Length)
        }
    }

    Context 'input' {
        It 'reads the .psd1 and the .json sample alike' {
            $psd1 = Sync-AccelConfiguration -NetworkNamespace $ns -Path $Psd1 -WhatIf
            $json = Sync-AccelConfiguration -NetworkNamespace $ns -Path $Json -WhatIf
            $json.Changes.Statements | Should -Be $psd1.Changes.Statements
            $psd1.Changes.Statements | Should -Contain 'add element ip6 antrea peer-node-ip { fc00:f853:ccd:e793::2/128, fc00:f853:ccd:e793::3/128 }'
        }

        It 'binds a file name given by position to -Path' {
            (Sync-AccelConfiguration $Psd1 -NetworkNamespace $ns -WhatIf).Changes.Count | Should -Be 2
        }

        It 'takes a hashtable, an AccelConfiguration and a deserialized AccelConfiguration alike' {
            $fromHashtable = Sync-AccelConfiguration -NetworkNamespace $ns -Configuration $Settings -WhatIf
            $live = New-AccelConfiguration @Settings
            $fromObject = $live | Sync-AccelConfiguration -NetworkNamespace $ns -WhatIf
            $copy = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($live, 2))
            $copy.PSObject.TypeNames[0] | Should -Be 'Deserialized.HostAccel.PowerShell.Model.AccelConfiguration'
            # What Invoke-Command adds to each object it returns.
            $copy | Add-Member -NotePropertyName PSComputerName -NotePropertyValue node1
            $copy | Add-Member -NotePropertyName RunspaceId -NotePropertyValue ([guid]::NewGuid())
            $fromCopy = $copy | Sync-AccelConfiguration -NetworkNamespace $ns -WhatIf
            $fromHashtable.Changes.Statements | Should -Contain 'add element ip antrea external-ip { 192.0.2.10/32 }'
            $fromObject.Changes.Statements | Should -Be $fromHashtable.Changes.Statements
            $fromCopy.Changes.Statements | Should -Be $fromHashtable.Changes.Statements
        }

        It 'takes ConvertFrom-Json output: ConvertTo-Json writes the families as nft names and the traffic by name' {
            $json = New-AccelConfiguration @Settings | ConvertTo-Json -Compress
            $json | Should -BeLike '*"Family":`["ip","ip6"`]*'
            $json | Should -BeLike '*"Traffic":"PodToPod, ExternalIP"*'
            $fromJson = $json | ConvertFrom-Json | Sync-AccelConfiguration -NetworkNamespace $ns -WhatIf
            $fromHashtable = Sync-AccelConfiguration -NetworkNamespace $ns -Configuration $Settings -WhatIf
            $fromJson.Changes.Statements | Should -Be $fromHashtable.Changes.Statements
            # JSON written before (or with numbers by hand) still reads: 9 is PodToPod, ExternalIP; 2 and 10 are ip, ip6.
            $numbers = $json -replace '"Traffic":"PodToPod, ExternalIP"', '"Traffic":9' -replace '"Family":\["ip","ip6"\]', '"Family":[2,10]'
            $numbers | Should -Not -Be $json
            ($numbers | ConvertFrom-Json | Sync-AccelConfiguration -NetworkNamespace $ns -WhatIf).Changes.Statements | Should -Be $fromHashtable.Changes.Statements
        }

        It 'reads a file from Get-Item as -Path does' {
            $fromFile = Get-Item $Json | Sync-AccelConfiguration -NetworkNamespace $ns -WhatIf
            $fromFile.Changes.Statements | Should -Be (Sync-AccelConfiguration -NetworkNamespace $ns -Path $Json -WhatIf).Changes.Statements
        }

        It 'syncs each object from the pipeline into the namespace it names' {
            $other = New-TestNamespace
            try {
                $results = [pscustomobject]@{ Traffic = 'None'; NetworkNamespace = $ns }, [pscustomobject]@{ Traffic = 'None'; NetworkNamespace = $other } |
                    Sync-AccelConfiguration
                $results.NetworkNamespace | Should -Be @($ns, $other)
                # Each result on its own: member enumeration over two empty lists is an error under strict mode.
                $results | ForEach-Object { $_.Changes.Count } | Should -Be @(0, 0)
                $results | ForEach-Object { $_.Applied } | Should -Be @($false, $false)
            }
            finally { Remove-TestNamespace $other }
        }
    }

    Context 'refusals' {
        It 'refuses an unknown key with InvalidConfiguration, naming it' {
            $err = $null
            Sync-AccelConfiguration -NetworkNamespace $ns -Configuration @{ TransportInterface = 'eth0'; LocalPodCidr = '10.244.2.0/24'; Trafic = 'All' } -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be "InvalidConfiguration,$Id"
            $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err[0].TargetObject | Should -Be 'Trafic'
            $err[0].Exception.Message | Should -Match "'Trafic' is not a configuration setting"
            Get-Ruleset $ns | Should -BeNullOrEmpty
        }

        It 'refuses a .psd1 file that is not one hashtable of constants: <Case>' -ForEach @(
            @{ Case = 'a command'; Text = "@{ TransportInterface = 'eth0'; LocalPodCidr = (Get-Date).ToString() }" }
            @{ Case = 'an array'; Text = "'10.244.2.0/24', 'eth0'" }
            @{ Case = 'a syntax error'; Text = "@{ LocalPodCidr = " }
            @{ Case = 'a second statement'; Text = "@{ Traffic = 'None' }`nRemove-Item /tmp/x" }
        ) {
            $file = Join-Path $TestDrive 'bad.psd1'
            Set-Content -Path $file -Value $Text
            $err = $null
            Sync-AccelConfiguration -NetworkNamespace $ns -Path $file -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be "InvalidConfiguration,$Id"
            $err[0].TargetObject | Should -Be $file
            Get-Ruleset $ns | Should -BeNullOrEmpty
        }

        It 'refuses a file that is neither .psd1 nor .json with InvalidArgument' {
            $file = Join-Path $TestDrive 'node.txt'
            Set-Content -Path $file -Value '@{}'
            { Sync-AccelConfiguration -NetworkNamespace $ns -Path $file -ErrorAction Stop } | Should -Throw -ErrorId "InvalidArgument,$Id"
        }

        It 'reports a missing <_> file as ConfigurationFileNotFound, an ObjectNotFound' -ForEach @('psd1', 'json') {
            $err = $null
            Sync-AccelConfiguration -NetworkNamespace $ns -Path (Join-Path $TestDrive "missing.$_") -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be "ConfigurationFileNotFound,$Id"
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }

        It 'points a string given as the configuration to -Path' {
            $err = $null
            'node.psd1' | Sync-AccelConfiguration -NetworkNamespace $ns -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be "InvalidConfiguration,$Id"
            $err[0].Exception.Message | Should -Match '-Path'
        }

        It 'validates -MaxAttempts from 1 to 100' {
            { Sync-AccelConfiguration -NetworkNamespace $ns -Path $Psd1 -MaxAttempts 0 } | Should -Throw -ErrorId "ParameterArgumentValidationError,$Id"
        }

        It 'leaves a missing device and the rules naming it out, plans the rest and warns naming it' {
            $warnings = $null
            $result = Sync-AccelConfiguration -NetworkNamespace $ns -Configuration @{ TransportInterface = 'eth9'; LocalPodCidr = '10.244.2.0/24'; PeerPodCidr = '10.244.0.0/24' } -WhatIf -WarningVariable warnings -WarningAction SilentlyContinue
            $result.Pending | Should -HaveCount 1
            $result.Pending[0] | Should -Match "transport device 'eth9' does not exist"
            @($warnings | Where-Object { "$_" -match 'eth9' }) | Should -HaveCount 1
            $statements = $result.Changes.Statements -join "`n"
            $statements | Should -Match 'add element ip antrea peer-pod-cidr \{ 10\.244\.0\.0/24 \}'
            $statements | Should -Match 'devices = \{ antrea-gw0 \}'
            $statements | Should -Not -Match 'eth9|add rule'
        }

        It 'reports a missing namespace as NetworkNamespaceNotFound' {
            { Sync-AccelConfiguration -NetworkNamespace "$ns-gone" -Path $Psd1 -ErrorAction Stop } | Should -Throw -ErrorId "NetworkNamespaceNotFound,$Id"
        }

        It 'does not touch a table with the seed''s comment that it did not create, without -Force (issue 19)' {
            Import-NftRuleset $ns @'
table ip antrea {
    comment "Rules for Antrea"
    set blocklist { type ipv4_addr; flags interval; elements = { 192.0.2.0/24 }; }
    chain guard { type filter hook input priority 0; policy drop; ip saddr @blocklist drop; }
}
'@
            $before = (& ip netns exec $ns nft -j list ruleset) -join "`n"
            { Sync-AccelConfiguration -NetworkNamespace $ns -Configuration @{ Family = 'ip'; Traffic = 'None' } -ErrorAction Stop } | Should -Throw -ErrorId "TableNotOwned,$Id"
            Sync-AccelConfiguration -NetworkNamespace $ns -Configuration @{} | Out-Null
            (& ip netns exec $ns nft -j list ruleset) -join "`n" | Should -Be $before
        }

        It 'leaves a table it did not create alone unless -Force' {
            Import-NftRuleset $ns 'table ip antrea { comment "mine"; }'
            { Sync-AccelConfiguration -NetworkNamespace $ns -Path $Psd1 -WhatIf -ErrorAction Stop } | Should -Throw -ErrorId "TableNotOwned,$Id"
            (Sync-AccelConfiguration -NetworkNamespace $ns -Path $Psd1 -Force -WhatIf).Changes | Should -Not -BeNullOrEmpty
            Get-Ruleset $ns | Should -Match 'comment "mine"'
        }
    }

    Context 'on a kernel without flowtables' -Skip:$flowtables {
        It 'fails with FlowtableNotSupported and changes nothing' {
            { Sync-AccelConfiguration -NetworkNamespace $ns -Path $Psd1 -ErrorAction Stop } | Should -Throw -ErrorId "FlowtableNotSupported,$Id"
            Get-Ruleset $ns | Should -BeNullOrEmpty
        }
    }

    Context 'on a kernel with flowtables' -Skip:(-not $flowtables) {
        It 'applies a dual-stack Node in one transaction, then finds nothing to do' {
            $applied = Sync-AccelConfiguration -NetworkNamespace $ns -Path $Psd1
            $applied.Applied | Should -BeTrue
            $applied.Attempts | Should -Be 1
            $again = Sync-AccelConfiguration -NetworkNamespace $ns -Path $Json -Verbose 4>&1
            $again | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message | Should -Match 'nothing sent'
            $result = $again | Where-Object { $_ -is [HostAccel.PowerShell.Model.AccelSyncResult] }
            $result.Applied | Should -BeFalse
            $result.Changes | Should -BeNullOrEmpty
        }

        It 'copies one namespace''s state into another through Get-AccelConfiguration' {
            $other = New-TestNamespace
            try {
                Add-TestDevice $other eth1
                Sync-AccelConfiguration -NetworkNamespace $ns -Path $Psd1 | Out-Null
                Get-AccelConfiguration -NetworkNamespace $ns | Sync-AccelConfiguration -NetworkNamespace $other | Out-Null
                Get-Ruleset $other | Should -Be (Get-Ruleset $ns)
            }
            finally { Remove-TestNamespace $other }
        }

        It 'adds only a new peer, keeping the rules' {
            Sync-AccelConfiguration -NetworkNamespace $ns -Configuration $Settings | Out-Null
            $before = & ip netns exec $ns nft -a list chain ip antrea forward
            $joined = $Settings.Clone()
            $joined.PeerPodCidr = $Settings.PeerPodCidr + '10.244.3.0/24'
            $result = Sync-AccelConfiguration -NetworkNamespace $ns -Configuration $joined
            $result.Changes.Statements | Should -Be 'add element ip antrea peer-pod-cidr { 10.244.3.0/24 }'
            & ip netns exec $ns nft -a list chain ip antrea forward | Should -Be $before
        }

        It 'deletes what it did not put in its table' {
            Sync-AccelConfiguration -NetworkNamespace $ns -Configuration $Settings | Out-Null
            $before = Get-Ruleset $ns
            & ip netns exec $ns nft add rule ip antrea forward counter
            $result = Sync-AccelConfiguration -NetworkNamespace $ns -Configuration $Settings
            $result.Changes.Kind | Should -Be 'Extra'
            Get-Ruleset $ns | Should -Be $before
        }

        It 'removes acceleration with Traffic None' {
            Sync-AccelConfiguration -NetworkNamespace $ns -Path $Psd1 | Out-Null
            New-AccelConfiguration -Traffic None | Sync-AccelConfiguration -NetworkNamespace $ns | Out-Null
            Get-Ruleset $ns | Should -BeNullOrEmpty
        }
    }
}

Describe 'Sync-AccelConfiguration -Watch' -ForEach @{ Flowtables = $flowtables } {
    # The soak of tests/vm/watch-soak.ps1 in a short form: another process flushes the ruleset and deletes the table,
    # the gateway is deleted and made again, the configuration file is edited (once invalidly); after each the state
    # is back (nft -j is the judge), and the watch stops on SIGTERM. With flowtables, the rules and devices are checked too.
    It 'repairs the state after each disturbance and stops on SIGTERM' {
        $soak = Join-Path $PSScriptRoot '../vm/watch-soak.ps1'
        $output = & pwsh -NoProfile -NonInteractive -File $soak -Flushes 4 -DeviceCycles 2 -Edits 4 -InvalidEdits 1 -Flowtable:$Flowtables -Module $ModulePath 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        ($output -join "`n") | Should -Match 'repair after flush : n=  4'
        ($output -join "`n") | Should -Match 'watch-soak: 0 failed'
    }
}
