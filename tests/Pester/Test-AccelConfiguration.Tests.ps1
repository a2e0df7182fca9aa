BeforeAll {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
    $script:Psd1 = Join-Path $PSScriptRoot '../../samples/node.psd1'
    $script:Json = Join-Path $PSScriptRoot '../../samples/node.json'
    $script:Id = 'HostAccel.PowerShell.Commands.TestAccelConfigurationCommand'
}

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
    $probe = New-TestNamespace
    try { $flowtables = (Test-HostAccelSupport -NetworkNamespace $probe).Flowtable } finally { Remove-TestNamespace $probe }
}

Describe 'Test-AccelConfiguration' {
    BeforeEach {
        $ns = New-TestNamespace
        Add-TestDevice $ns eth1
    }
    AfterEach { Remove-TestNamespace $ns }

    It 'lists what an empty namespace lacks, and changes nothing' {
        $test = Test-AccelConfiguration -NetworkNamespace $ns -Path $Psd1
        $test | Should -BeOfType ([HostAccel.PowerShell.Model.AccelConfigurationTest])
        $test.InDesiredState | Should -BeFalse
        $test.NetworkNamespace | Should -Be $ns
        $test.Drift.Kind | Should -Be @('Missing', 'Missing')
        $test.Drift.Family | Should -Be @('Ip', 'Ip6')
        $test.Drift.Statements | Should -Contain 'add flowtable ip6 antrea fastpath { hook ingress priority filter; devices = { antrea-gw0, eth0, eth1 }; counter; }'
        Get-Ruleset $ns | Should -BeNullOrEmpty
    }

    It 'answers $false or $true with -Quiet' {
        $missing = Test-AccelConfiguration -NetworkNamespace $ns -Path $Json -Quiet
        $missing | Should -BeOfType ([bool])
        $missing | Should -BeFalse
        Test-AccelConfiguration -NetworkNamespace $ns -Configuration @{ Traffic = 'None' } -Quiet | Should -BeTrue
    }

    It 'writes the differences to the verbose stream' {
        $verbose = Test-AccelConfiguration -NetworkNamespace $ns -Path $Psd1 -Quiet -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        $verbose.Message | Should -Contain 'Missing table ip6 antrea { comment "Rules for Antrea"; }: the table and everything in it are created'
    }

    It 'takes the configuration from the pipeline: a file path by position, a hashtable, a deserialized object' {
        $byPath = Test-AccelConfiguration $Psd1 -NetworkNamespace $ns
        $settings = Import-PowerShellDataFile $Psd1
        $fromHashtable = $settings | Test-AccelConfiguration -NetworkNamespace $ns
        $copy = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize((New-AccelConfiguration @settings), 2))
        $fromCopy = $copy | Test-AccelConfiguration -NetworkNamespace $ns
        $fromHashtable.Drift.Statements | Should -Be $byPath.Drift.Statements
        $fromCopy.Drift.Statements | Should -Be $byPath.Drift.Statements
    }

    Context 'configuration files (issue 19)' {
        It 'resolves -Path as PowerShell does: relative, with wildcards, one file' {
            Copy-Item $Psd1 (Join-Path $TestDrive 'node-a.psd1')
            Push-Location $TestDrive
            try {
                (Test-AccelConfiguration -NetworkNamespace $ns -Path 'node-?.psd1').Drift.Family | Should -Be @('Ip', 'Ip6')
                Copy-Item $Psd1 (Join-Path $TestDrive 'node-b.psd1')
                $err = $null
                Test-AccelConfiguration -NetworkNamespace $ns -Path 'node-*.psd1' -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
                $err[0].FullyQualifiedErrorId | Should -Be "InvalidArgument,$Id"
                "$($err[0])" | Should -Match 'matches 2 files'
            }
            finally { Pop-Location }
        }

        It 'reports a missing file as ConfigurationFileNotFound' {
            $err = $null
            Test-AccelConfiguration -NetworkNamespace $ns -Path (Join-Path $TestDrive 'none.psd1') -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be "ConfigurationFileNotFound,$Id"
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }

        It 'refuses a FIFO and a link to /dev/zero at once, as ConfigurationFileNotRegular' {
            $fifo = Join-Path $TestDrive 'fifo.psd1'
            & mkfifo $fifo
            $zero = Join-Path $TestDrive 'zero.json'
            New-Item -ItemType SymbolicLink -Path $zero -Target /dev/zero | Out-Null
            foreach ($path in $fifo, $zero) {
                $ps = [powershell]::Create().AddScript({
                        param($Module, $Path, $Namespace)
                        Import-Module $Module
                        Test-AccelConfiguration -NetworkNamespace $Namespace -Path $Path -ErrorAction SilentlyContinue -ErrorVariable err
                        $err
                    }).AddArgument($ModulePath).AddArgument($path).AddArgument($ns)
                try {
                    $running = $ps.BeginInvoke()
                    $running.AsyncWaitHandle.WaitOne(20000) | Should -BeTrue -Because "reading $path must not block"
                    $err = $ps.EndInvoke($running)
                    $err[0].FullyQualifiedErrorId | Should -Be "ConfigurationFileNotRegular,$Id"
                }
                finally { $ps.Stop(); $ps.Dispose() }
            }
        }

        It 'refuses a script block in a .psd1, naming the key' {
            $file = Join-Path $TestDrive 'code.psd1'
            Set-Content $file '@{ Family = "ip"; Traffic = "None"; TableName = { "antrea" } }'
            $err = $null
            Test-AccelConfiguration -NetworkNamespace $ns -Path $file -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -Be "InvalidConfiguration,$Id"
            "$($err[0])" | Should -Match 'TableName = \{ … \} is a script block'
            $err = $null
            Test-AccelConfiguration -NetworkNamespace $ns -Configuration @{ Family = 'ip'; Traffic = 'None'; Devices = 'eth1', { 'x' } } -ErrorVariable err -ErrorAction SilentlyContinue
            "$($err[0])" | Should -Match 'Devices = \{ … \} is a script block'
        }

        It 'refuses a hashtable that holds one setting twice in keys of different case' {
            $settings = [hashtable]::new()
            $settings['Family'] = 'ip'
            $settings['TableName'] = 'a'
            $settings['tablename'] = 'b'
            $err = $null
            Test-AccelConfiguration -NetworkNamespace $ns -Configuration $settings -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be "InvalidConfiguration,$Id"
            "$($err[0])" | Should -Match 'given twice'
        }

        It 'refuses a priority of 1.5 rather than rounding it' {
            $err = $null
            Test-AccelConfiguration -NetworkNamespace $ns -Configuration @{ LocalPodCidr = '10.244.2.0/24'; TransportInterface = 'eth0'; Priority = 1.5 } -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be "InvalidConfiguration,$Id"
            "$($err[0])" | Should -Match "Priority must be a whole number, not '1.5'"
        }
    }

    It 'refuses a table it did not create unless -Force' {
        Import-NftRuleset $ns 'table ip antrea { comment "mine"; }'
        $err = $null
        Test-AccelConfiguration -NetworkNamespace $ns -Path $Psd1 -Quiet -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be "TableNotOwned,$Id"
        (Test-AccelConfiguration -NetworkNamespace $ns -Path $Psd1 -Force).InDesiredState | Should -BeFalse
        Get-Ruleset $ns | Should -Match 'comment "mine"'
    }

    It 'reports a missing device as pending, not as drift' {
        $test = Test-AccelConfiguration -NetworkNamespace $ns -Configuration @{ TransportInterface = 'eth0'; LocalPodCidr = '10.244.2.0/24'; Devices = 'eth9' }
        $test.Pending | Should -HaveCount 1
        $test.Pending[0] | Should -Match "flowtable device 'eth9' does not exist"
        $test.Drift.Statements -join "`n" | Should -Not -Match 'eth9'
    }

    It 'refuses a bad configuration before reading the kernel: <Case>' -ForEach @(
        @{ Case = 'host bits'; Settings = @{ TransportInterface = 'eth0'; LocalPodCidr = '10.244.2.1/24' }; ErrorId = 'HostBitsSet'; Target = '10.244.2.1/24' }
        @{ Case = 'an unknown key'; Settings = @{ Traffic = 'None'; Table = 'antrea' }; ErrorId = 'InvalidConfiguration'; Target = 'Table' }
        @{ Case = 'overlapping peers'; Settings = @{ TransportInterface = 'eth0'; LocalPodCidr = '10.244.2.0/24'; PeerPodCidr = '10.244.0.0/16', '10.244.1.0/24' }; ErrorId = 'OverlappingCidr'; Target = '10.244.1.0/24' }
    ) {
        $err = $null
        Test-AccelConfiguration -NetworkNamespace "$ns-gone" -Configuration $Settings -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be "$ErrorId,$Id"
        $err[0].TargetObject | Should -Be $Target
    }

    Context 'on a kernel with flowtables' -Skip:(-not $flowtables) {
        It 'is in the desired state after a sync, and sees a rule someone added' {
            Sync-AccelConfiguration -NetworkNamespace $ns -Path $Psd1 | Out-Null
            Test-AccelConfiguration -NetworkNamespace $ns -Path $Json -Quiet | Should -BeTrue
            & ip netns exec $ns nft add rule ip antrea forward counter
            $test = Test-AccelConfiguration -NetworkNamespace $ns -Path $Json
            $test.Drift.Kind | Should -Be 'Extra'
            $test.Drift.Object | Should -Match '^rule ip antrea forward handle \d+$'
        }

        It 'tests one namespace''s state against another' {
            Sync-AccelConfiguration -NetworkNamespace $ns -Path $Psd1 | Out-Null
            $other = New-TestNamespace
            try {
                Add-TestDevice $other eth1
                (Get-AccelConfiguration -NetworkNamespace $ns | Test-AccelConfiguration -NetworkNamespace $other).InDesiredState | Should -BeFalse
                Get-AccelConfiguration -NetworkNamespace $ns | Test-AccelConfiguration -Quiet | Should -BeTrue
            }
            finally { Remove-TestNamespace $other }
        }
    }
}
