BeforeDiscovery {
    # The per-cmdlet contexts are generated from the module's commands, so it must be loaded before discovery.
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
    $script:Commands = Get-Command -Module HostAccel -CommandType Cmdlet
    $script:Docs = Join-Path $PSScriptRoot '../../docs/cmdlets'
    # Cmdlets that only build an object: no kernel, so no -NetworkNamespace and nothing to ShouldProcess.
    $script:KernelFree = @('New-AccelConfiguration', 'ConvertTo-AccelConfiguration')
}

Describe 'HostAccel conventions' {
    It 'exports the nineteen cmdlets of the design (Get-FastpathCounter: per-filter counters of the Traffic Control mode)' {
        $Commands.Name | Sort-Object | Should -Be @(
            'Add-PeerPodCidr', 'ConvertTo-AccelConfiguration', 'Disable-Fastpath', 'Enable-Fastpath', 'Get-AccelConfiguration', 'Get-AccelTable', 'Get-Fastpath', 'Get-FastpathCounter',
            'Get-FlowtableCounter', 'Get-OffloadedFlow', 'Get-PeerPodCidr', 'New-AccelConfiguration', 'New-AccelTable',
            'Remove-AccelTable', 'Remove-PeerPodCidr', 'Reset-FlowtableCounter', 'Sync-AccelConfiguration',
            'Test-AccelConfiguration', 'Test-HostAccelSupport')
    }

    Context '<_.Name>' -ForEach (Get-Command -Module HostAccel -CommandType Cmdlet) {
        It 'uses an approved verb' {
            (Get-Verb).Verb | Should -Contain $_.Verb
        }

        It 'declares its output type' {
            $_.OutputType | Should -Not -BeNullOrEmpty
        }

        It 'supports ShouldProcess exactly when it changes something' {
            $changes = ($_.Verb -notin 'Get', 'Test') -and ($_.Name -notin $KernelFree)
            $_.Parameters.ContainsKey('WhatIf') | Should -Be $changes
            $_.Parameters.ContainsKey('Confirm') | Should -Be $changes
        }

        It 'takes -NetworkNamespace exactly when it reads or changes the kernel' {
            $_.Parameters.ContainsKey('NetworkNamespace') | Should -Be ($_.Name -notin $KernelFree)
        }

        It 'has a help page' {
            # Help.Tests.ps1 checks what Get-Help makes of it, parameter by parameter.
            Join-Path $Docs "$($_.Name).md" | Should -Exist
        }
    }

    It 'formats every output type, live and deserialized' {
        $types = $Commands.OutputType.Type | Where-Object Namespace -EQ 'HostAccel.PowerShell.Model' | Select-Object -Unique
        foreach ($type in $types) {
            Get-FormatData -TypeName $type.FullName | Should -Not -BeNullOrEmpty
            Get-FormatData -TypeName "Deserialized.$($type.FullName)" | Should -Not -BeNullOrEmpty
        }
    }
}
