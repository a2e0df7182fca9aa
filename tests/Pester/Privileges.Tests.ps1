# Every cmdlet in a child pwsh that cannot have CAP_NET_ADMIN (util-linux's setpriv takes it out of the bounding,
# inheritable and ambient sets, so not even root gets it back): each fails with PermissionDenied saying
# "requires root or CAP_NET_ADMIN", writes nothing else, and the namespace's ruleset is unchanged. The same
# script with the capability is the control: there the same calls read and change the ruleset.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
    $cmdlets = (Get-Command -Module HostAccel -CommandType Cmdlet).Name | Sort-Object
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    $script:ns = $script:control = $null
    $script:Calls = Join-Path $PSScriptRoot 'Privileges.Calls.ps1'
    $script:Ruleset = @'
table ip antrea {
    comment "Rules for Antrea"
    set peer-pod-cidr { type ipv4_addr; flags interval; comment "Set for storing IPv4 peer Pods CIDRs"; elements = { 10.244.0.0/24 }; }
    chain forward { type filter hook forward priority filter; policy accept; counter; }
}
table ip prepared {
    comment "Rules for Antrea"
    set peer-pod-cidr { type ipv4_addr; flags interval; comment "Set for storing IPv4 peer Pods CIDRs"; elements = { 10.245.0.0/24 }; }
}
'@

    # Runs every call of Privileges.Calls.ps1 in one child pwsh, optionally under setpriv; one result per cmdlet.
    function Invoke-Calls([string] $Namespace, [switch] $WithoutNetAdmin) {
        $prefix = if ($WithoutNetAdmin) { @('setpriv', '--inh-caps=-net_admin', '--ambient-caps=-net_admin', '--bounding-set=-net_admin', '--') } else { @() }
        $out = [System.IO.Path]::GetTempFileName()
        try {
            $command = $prefix + @((Get-Command pwsh -CommandType Application)[0].Source, '-NoProfile', '-NonInteractive', '-File', $Calls,
                '-ModulePath', $ModulePath, '-NetworkNamespace', $Namespace, '-OutFile', $out)
            & $command[0] $command[1..($command.Count - 1)] | Out-Null
            if ($LASTEXITCODE) { throw "the child pwsh failed with exit code $LASTEXITCODE" }
            $results = @{}
            foreach ($result in (Get-Content -Raw $out | ConvertFrom-Json)) { $results[$result.Command] = $result }
            $results
        }
        finally { Remove-Item $out -ErrorAction Ignore }
    }

    Import-Module $ModulePath -Force
    $script:ns = New-TestNamespace
    Import-HostAccelRuleset $ns $Ruleset
    $script:Before = Get-Ruleset $ns
    $script:Denied = Invoke-Calls $ns -WithoutNetAdmin
    $script:After = Get-Ruleset $ns

    $script:control = New-TestNamespace
    Import-HostAccelRuleset $control $Ruleset
    # On a kernel without flowtables the calls that create one fail for that reason alone, with or without privileges.
    $script:Unsupported = if ((Test-HostAccelSupport -NetworkNamespace $control).Flowtable) { @() } else { @('FlowtableNotSupported') }
    $script:Allowed = Invoke-Calls $control
}

AfterAll {
    Remove-TestNamespace $ns
    Remove-TestNamespace $control
}

Describe 'Every cmdlet without CAP_NET_ADMIN' {
    It 'has a call in Privileges.Calls.ps1' -ForEach $cmdlets {
        $Denied.Keys | Should -Contain $_
    }

    It 'leaves the ruleset as it was' {
        $After | Should -Be $Before
    }

    Context '<_>' -ForEach ($cmdlets | Where-Object { $_ -notin 'New-AccelConfiguration', 'ConvertTo-AccelConfiguration', 'Test-HostAccelSupport', 'Get-FastpathCounter' }) {
        BeforeAll { $result = $Denied[$_] }

        It 'fails with PermissionDenied saying what it needs, and writes nothing else' {
            $result.Output | Should -BeNullOrEmpty
            $result.Warnings | Should -BeNullOrEmpty
            $result.Errors | Should -Not -BeNullOrEmpty
            foreach ($err in $result.Errors) {
                $err.Id | Should -BeLike "PermissionDenied,HostAccel.PowerShell.Commands.*"
                $err.Category | Should -Be 'PermissionDenied'
                $err.Message | Should -BeLike '*requires root or CAP_NET_ADMIN*'
            }
        }

        It 'succeeds with the capability (the control)' {
            $Allowed[$_].Errors | Where-Object { ($_.Id -split ',')[0] -notin $Unsupported } | Should -BeNullOrEmpty
        }
    }

    It 'Test-HostAccelSupport reports it: not privileged, and why' {
        $support = @($Denied['Test-HostAccelSupport'].Output)[0]
        $support.Privileged | Should -BeFalse
        $support.Supported | Should -BeFalse
        @($support.Reasons)[0] | Should -BeLike '*requires root or CAP_NET_ADMIN*'
        $Denied['Test-HostAccelSupport'].Errors | Should -BeNullOrEmpty
        @($Allowed['Test-HostAccelSupport'].Output)[0].Privileged | Should -BeTrue
    }

    It 'ConvertTo-AccelConfiguration needs no kernel, so it still works' {
        $Denied['ConvertTo-AccelConfiguration'].Errors | Should -BeNullOrEmpty
        @($Denied['ConvertTo-AccelConfiguration'].Output).Count | Should -Be 2
    }

    It 'New-AccelConfiguration needs no kernel, so it still works' {
        $Denied['New-AccelConfiguration'].Errors | Should -BeNullOrEmpty
        $Denied['New-AccelConfiguration'].Output.LocalPodCidr | Should -Be '10.244.2.0/24'
    }

    It 'Get-FastpathCounter reads tc filters, which the kernel lets anyone dump, so it still works' {
        # RTM_GETTFILTER/GETQDISC/GETLINK dumps need no capability (only the changes do), so a refusal here would be
        # HostAccel's own invention; the namespace has no HostAccel filter, so the answer is empty, without error.
        $Denied['Get-FastpathCounter'].Errors | Should -BeNullOrEmpty
        $Denied['Get-FastpathCounter'].Warnings | Should -BeNullOrEmpty
        $Allowed['Get-FastpathCounter'].Errors | Should -BeNullOrEmpty
    }

    It 'the control changed the ruleset where the calls without the capability could not' {
        Get-Ruleset $control | Should -Not -Be $Before
    }
}
