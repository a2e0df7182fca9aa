BeforeAll {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
}

BeforeDiscovery {
    # Linux 6.2 brought the reset dump (NFT_MSG_GETRULE_RESET); before it the cmdlet replaces the rules, and warns.
    $release = [version](((& uname -r) -split '[^0-9.]')[0] -replace '^(\d+\.\d+).*', '$1')
    $resetDump = $release -ge [version]'6.2'
}

Describe 'Reset-FlowtableCounter' {
    BeforeEach {
        $ns = New-TestNamespace
        Import-HostAccelRuleset $ns 'table ip antrea { comment "Rules for Antrea"; chain forward { type filter hook forward priority filter; policy accept; iif "antrea-gw0" counter packets 10 bytes 1000; }; }'
    }
    AfterEach { Remove-TestNamespace $ns }

    It 'returns the counters before and zeroes them' {
        (Reset-FlowtableCounter -NetworkNamespace $ns -PassThru -Confirm:$false).Packets | Should -Be 10
        (Get-FlowtableCounter -NetworkNamespace $ns).Packets | Should -Be 0
    }

    It 'resets nothing with -WhatIf' {
        Reset-FlowtableCounter -NetworkNamespace $ns -WhatIf
        (Get-FlowtableCounter -NetworkNamespace $ns).Packets | Should -Be 10
    }

    It 'shows the statement it applies (what -WhatIf prints)' {
        (Reset-FlowtableCounter -NetworkNamespace $ns -Confirm:$false -Verbose 4>&1 | Out-String) | Should -Match 'reset rules chain ip antrea forward'
    }

    It 'resets a chain once however many of its counters are piped' {
        @(Get-FlowtableCounter -NetworkNamespace $ns) * 3 | Reset-FlowtableCounter -Confirm:$false
        (Get-FlowtableCounter -NetworkNamespace $ns).Packets | Should -Be 0
    }

    It 'returns every counter of a rule that has two, and zeroes them all (issue 19)' {
        & ip netns exec $ns nft add rule ip antrea forward iif eth0 counter packets 3 bytes 300 counter packets 4 bytes 400
        $before = Reset-FlowtableCounter -NetworkNamespace $ns -PassThru -Confirm:$false -WarningAction SilentlyContinue
        $two = $before | Where-Object { $_.Counters.Count -eq 2 }
        $two.Counters.Packets | Should -Be @(3, 4)
        $two.Packets | Should -Be 7
        (Get-FlowtableCounter -NetworkNamespace $ns).Counters.Packets | Should -Be @(0, 0, 0)
    }

    It 'warns what replacing the rules can lose, on a kernel before Linux 6.2 (issue 19)' -Skip:$resetDump {
        Reset-FlowtableCounter -NetworkNamespace $ns -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue
        "$warned" | Should -Match 'before Linux 6\.2\) cannot read and zero rule counters in one step'
        (Get-FlowtableCounter -NetworkNamespace $ns).Packets | Should -Be 0
    }

    It 'does not warn where the kernel resets in one step' -Skip:(-not $resetDump) {
        Reset-FlowtableCounter -NetworkNamespace $ns -Confirm:$false -WarningVariable warned
        $warned | Should -BeNullOrEmpty
    }
}
