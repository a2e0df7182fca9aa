#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests, documents and packages the HostAccel module: a thin script over dotnet.
.EXAMPLE
    ./build.ps1 -Task Build, Test
.EXAMPLE
    ./build.ps1 -Task Docs, Package -Configuration Release
#>
[CmdletBinding()]
param(
    [ValidateSet('Clean', 'Build', 'Test', 'Docs', 'Package')]
    [string[]] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$root = $PSScriptRoot
$stage = Join-Path $root 'out/HostAccel'
$manifest = Join-Path $stage 'HostAccel.psd1'

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

foreach ($step in $Task) {
    Write-Host "== $step ($Configuration)"
    switch ($step) {
        'Clean' {
            Invoke-Dotnet clean (Join-Path $root 'HostAccel.sln') -c $Configuration --nologo
            Remove-Item -Recurse -Force (Join-Path $root 'out') -ErrorAction Ignore
        }
        'Build' {
            # The project's StageModule target copies the manifest, assemblies and format file to out/HostAccel.
            Invoke-Dotnet build (Join-Path $root 'src/HostAccel.PowerShell/HostAccel.PowerShell.csproj') -c $Configuration --nologo
        }
        'Test' {
            Invoke-Dotnet test (Join-Path $root 'HostAccel.sln') -c $Configuration --nologo
            if (-not (Test-Path $manifest)) {
                Invoke-Dotnet build (Join-Path $root 'src/HostAccel.PowerShell/HostAccel.PowerShell.csproj') -c $Configuration --nologo
            }
            if (-not (Get-Module -ListAvailable Pester | Where-Object Version -ge '5.0')) {
                throw 'Pester 5 is needed for tests/Pester: Install-PSResource Pester'
            }
            Import-Module Pester -MinimumVersion 5.0
            $config = New-PesterConfiguration
            $config.Run.Path = Join-Path $root 'tests/Pester'
            $config.Run.Throw = $true
            $config.Output.Verbosity = 'Detailed'
            $env:HOSTACCEL_MODULE = $manifest
            Invoke-Pester -Configuration $config
        }
        'Docs' {
            $target = Join-Path $stage 'en-US'
            if (Get-Module -ListAvailable Microsoft.PowerShell.PlatyPS) {
                Import-Module Microsoft.PowerShell.PlatyPS
                $help = Get-ChildItem (Join-Path $root 'docs/cmdlets/*.md') | Import-MarkdownCommandHelp
                $out = Join-Path ([IO.Path]::GetTempPath()) "hostaccel-maml-$PID"
                Export-MamlCommandHelp -CommandHelp $help -OutputFolder $out -Force | Out-Null
                New-Item -ItemType Directory -Force $target | Out-Null
                Get-ChildItem $out -Recurse -Filter *.xml | Copy-Item -Destination $target -Force
                Remove-Item -Recurse -Force $out
                Write-Host "MAML help written to $target"
            }
            else {
                Write-Warning 'Microsoft.PowerShell.PlatyPS is not installed: docs/cmdlets was not turned into MAML help (Install-PSResource Microsoft.PowerShell.PlatyPS).'
            }
        }
        'Package' {
            if (-not (Test-Path $manifest)) { throw "run -Task Build first: $manifest is missing" }
            $version = (Import-PowerShellDataFile $manifest).ModuleVersion
            $zip = Join-Path $root "out/HostAccel-$version.zip"
            Compress-Archive -Path $stage -DestinationPath $zip -Force
            Write-Host "Packaged $zip"
        }
    }
}
