BeforeDiscovery {
    # One context per exported cmdlet: the module must be loaded before discovery.
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
    $script:Cmdlets = Get-Command -Module HostAccel -CommandType Cmdlet
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
    $script:Docs = Join-Path $PSScriptRoot '../../docs/cmdlets'
    $script:Common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters

    # The help of a cmdlet parameter: by its name, or — while a parameter is being renamed — by a documented alias.
    function Find-HelpParameter($Help, [System.Management.Automation.ParameterMetadata] $Parameter) {
        $documented = @($Help.parameters.parameter)
        $byName = $documented | Where-Object name -EQ $Parameter.Name
        if ($byName) { return $byName }
        $documented | Where-Object { $Parameter.Name -in (Get-HelpAlias $_) }
    }

    function Get-HelpAlias($HelpParameter) {
        if ($HelpParameter.aliases -in $null, '', 'none') { return @() }
        @($HelpParameter.aliases -split ',\s*')
    }

    function Get-HelpText($Description) {
        (@($Description) | ForEach-Object Text) -join "`n"
    }
}

Describe 'Help' {
    It 'is staged with the module as MAML and an about topic' {
        $culture = Join-Path (Split-Path $ModulePath) 'en-US'
        Join-Path $culture 'HostAccel.PowerShell.dll-Help.xml' | Should -Exist
        Join-Path $culture 'about_HostAccel.help.txt' | Should -Exist
    }

    It 'answers Get-Help about_HostAccel with the concepts' {
        $text = Get-Help about_HostAccel | Out-String
        $text | Should -Match 'about_HostAccel'
        foreach ($heading in 'TRAFFIC TYPES', 'KERNEL VERSIONS', 'WHERE THE RULES COME FROM', 'HOW A SYNC WORKS') {
            $text | Should -Match $heading
        }
        $text | Should -Match 'Host Network\s+Traffic Acceleration'
        $text | Should -Match 'nf_flowtable'
    }

    It 'names public sources, never the project''s private seed files' {
        $pages = @(Get-ChildItem $Docs -Filter *.md) + @(Get-Item (Join-Path (Split-Path $ModulePath) 'en-US/about_HostAccel.help.txt'))
        $pages | Select-String -Pattern 'seed 00\d' | ForEach-Object { "$($_.Filename):$($_.LineNumber)" } | Should -BeNullOrEmpty
    }

    Context '<_.Name>' -ForEach $Cmdlets {
        BeforeAll {
            $command = $_
            $help = Get-Help $command.Name -Full
            $page = Get-Content -Raw (Join-Path $Docs "$($command.Name).md")
        }

        It 'has the synopsis of its page (help from MAML, not generated from the syntax)' {
            $synopsis = [regex]::Match($page, '(?ms)^## SYNOPSIS\s*$\s*(.+?)\s*^## ').Groups[1].Value.Trim()
            $synopsis | Should -Not -BeNullOrEmpty
            $help.Synopsis | Should -Be $synopsis
        }

        It 'has a description' {
            Get-HelpText $help.description | Should -Not -BeNullOrEmpty
        }

        It 'has at least two examples, each with code' {
            $examples = @($help.examples.example)
            $examples.Count | Should -BeGreaterOrEqual 2
            foreach ($example in $examples) {
                $example.code | Should -Not -BeNullOrEmpty -Because $example.title
            }
        }

        It 'describes every parameter the cmdlet has' {
            foreach ($parameter in $command.Parameters.Values | Where-Object Name -NotIn $Common) {
                $documented = Find-HelpParameter $help $parameter
                $documented | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) must be documented"
                Get-HelpText $documented.description | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) needs a description"
            }
        }

        It 'documents no parameter the cmdlet lacks, and only aliases it has' {
            foreach ($documented in $help.parameters.parameter) {
                $parameter = $command.Parameters[$documented.name]
                if (-not $parameter) {
                    # A parameter being renamed: documented under its new name, with the old one as an alias.
                    $parameter = $command.Parameters.Values | Where-Object Name -In (Get-HelpAlias $documented) | Select-Object -First 1
                }
                $parameter | Should -Not -BeNullOrEmpty -Because "-$($documented.name) is documented"
                foreach ($alias in Get-HelpAlias $documented) {
                    $alias | Should -BeIn (@($parameter.Name) + $parameter.Aliases) -Because "-$($documented.name) documents the alias $alias"
                }
            }
        }

        It 'gives each parameter set''s syntax with the cmdlet''s required, position and pipeline attributes' {
            $items = @($help.syntax.syntaxItem)
            $items.Count | Should -Be $command.ParameterSets.Count
            foreach ($set in $command.ParameterSets) {
                $names = @($set.Parameters | Where-Object Name -NotIn $Common | ForEach-Object Name | Sort-Object)
                $item = $items | Where-Object {
                    $documented = @($_.parameter | Where-Object name -NotIn $Common | ForEach-Object { $p = $_; $real = $set.Parameters | Where-Object { $_.Name -eq $p.name -or $_.Name -in (Get-HelpAlias $p) } | Select-Object -First 1; if ($real) { $real.Name } else { $p.name } } | Sort-Object)
                    -not (Compare-Object $documented $names)
                }
                $item | Should -Not -BeNullOrEmpty -Because "parameter set $($set.Name) ($($names -join ', ')) needs its syntax"
                foreach ($parameter in $set.Parameters | Where-Object Name -NotIn $Common) {
                    $documented = $item.parameter | Where-Object { $_.name -eq $parameter.Name -or $parameter.Name -in (Get-HelpAlias $_) } | Select-Object -First 1
                    $because = "-$($parameter.Name) in set $($set.Name)"
                    $documented.required | Should -Be ([string]$parameter.IsMandatory).ToLowerInvariant() -Because $because
                    $position = if ($parameter.Position -lt 0) { 'named' } else { [string]$parameter.Position }
                    $documented.position | Should -Be $position -Because $because
                    $pipeline = @(if ($parameter.ValueFromPipeline) { 'ByValue' }; if ($parameter.ValueFromPipelineByPropertyName) { 'ByPropertyName' })
                    $expected = if ($pipeline) { "True ($($pipeline -join ', '))" } else { 'False' }
                    $documented.pipelineInput | Should -Be $expected -Because $because
                }
            }
        }

        It 'has inputs, outputs, notes and related links' {
            @($help.inputTypes.inputType).Count | Should -BeGreaterThan 0
            @($help.returnValues.returnValue).Count | Should -BeGreaterThan 0
            Get-HelpText $help.alertSet.alert | Should -Not -BeNullOrEmpty
            @($help.relatedLinks.navigationLink | Where-Object uri).Count | Should -BeGreaterThan 0
        }
    }
}
