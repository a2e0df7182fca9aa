BeforeAll {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
}

Describe 'Disable-Fastpath' {
    BeforeEach {
        $ns = New-TestNamespace
        # Seed 000's chain and rules without the flowtable, which not every kernel has.
        Import-HostAccelRuleset $ns @'
table ip antrea {
    comment "Rules for Antrea"
    set peer-pod-cidr { type ipv4_addr; flags interval; elements = { 10.244.0.0/24 }; }
    chain forward {
        type filter hook forward priority filter; policy accept;
        iif "antrea-gw0" ip saddr 10.244.2.0/24 oif "eth0" ip daddr @peer-pod-cidr counter
    }
}
'@
    }
    AfterEach { Remove-TestNamespace $ns }

    It 'removes the chain and its rules and keeps the peer set' {
        Get-Fastpath -NetworkNamespace $ns | Disable-Fastpath -Confirm:$false
        $ruleset = Get-Ruleset $ns
        $ruleset | Should -Not -Match 'chain forward'
        $ruleset | Should -Match '10.244.0.0/24'
    }

    It 'reports nothing to disable as FastpathNotFound' {
        Disable-Fastpath -NetworkNamespace $ns -Confirm:$false
        { Disable-Fastpath -NetworkNamespace $ns -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'FastpathNotFound,HostAccel.PowerShell.Commands.DisableFastpathCommand'
    }
}
