#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests, documents and packages the HostAccel module: a thin script over dotnet.
.EXAMPLE
    ./build.ps1 -Task Build, Test
.EXAMPLE
    ./build.ps1 -Task Build, Package -Configuration Release

    Publishes out/repository/HostAccel.<version>.nupkg; then Register-PSResourceRepository -Name HostAccel
    -Uri ./out/repository -Trusted; Install-PSResource HostAccel -Repository HostAccel.
.NOTES
    Test runs the xunit projects, then the Pester tests against the staged module; Pester runs only the latter.
    Tests that need flowtables skip themselves on a kernel without them; ./test.sh runs Pester again in tests/vm.
#>
[CmdletBinding()]
param(
    [ValidateSet('Clean', 'Build', 'Test', 'Pester', 'Docs', 'Package')]
    [string[]] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug',

    # Where -Task Package publishes HostAccel.<version>.nupkg: a folder that serves as a PSResourceGet repository.
    [string] $Repository = (Join-Path $PSScriptRoot 'out/repository')
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
        { $_ -in 'Test', 'Pester' } {
            if ($step -eq 'Test') {
                Invoke-Dotnet test (Join-Path $root 'HostAccel.sln') -c $Configuration --nologo
            }
            if (-not (Test-Path $manifest)) {
                Invoke-Dotnet build (Join-Path $root 'src/HostAccel.PowerShell/HostAccel.PowerShell.csproj') -c $Configuration --nologo
            }
            if (-not (Get-Module -ListAvailable Pester | Where-Object { $_.Version -ge '5.0' -and $_.Version -lt '6.0' })) {
                throw 'Pester 5 is needed for tests/Pester: Install-PSResource Pester -Version "[5.0,6.0)" (or, as root, tools/install-powershell.sh)'
            }
            Import-Module Pester -MinimumVersion 5.0 -MaximumVersion 5.99
            $config = New-PesterConfiguration
            $config.Run.Path = Join-Path $root 'tests/Pester'
            $config.Run.PassThru = $true
            $config.Output.Verbosity = 'Detailed'
            $env:HOSTACCEL_MODULE = $manifest
            $result = Invoke-Pester -Configuration $config
            if ($env:HOSTACCEL_PESTER_SKIPPED) {
                # The tests this kernel skipped, one per line: test.sh reports those no kernel ran.
                @($result.Skipped | ForEach-Object ExpandedPath) | Set-Content -Path $env:HOSTACCEL_PESTER_SKIPPED
            }
            # One line for scripts that add up the test counts (test.sh).
            Write-Host ('pester: {0} passed, {1} failed, {2} skipped' -f $result.PassedCount, ($result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount), $result.SkippedCount)
            if ($result.Result -ne 'Passed') { throw "Pester: $($result.FailedCount) tests failed" }
        }
        'Docs' {
            # Every build stages the help (the project's StageHelp target): docs/cmdlets as MAML in
            # out/HostAccel/en-US, converted by Microsoft.PowerShell.PlatyPS when it is installed and by
            # tools/HostAccel.HelpBuilder otherwise, with the about_HostAccel topic beside it.
            Invoke-Dotnet build (Join-Path $root 'src/HostAccel.PowerShell/HostAccel.PowerShell.csproj') -c $Configuration --nologo
            Write-Host "Help staged in $(Join-Path $stage 'en-US')"
        }
        'Package' {
            # HostAccel.<version>.nupkg in a local file repository, for Install-PSResource:
            #   Register-PSResourceRepository -Name HostAccel -Uri <repository> -Trusted; Install-PSResource HostAccel
            if (-not (Test-Path $manifest)) {
                Invoke-Dotnet build (Join-Path $root 'src/HostAccel.PowerShell/HostAccel.PowerShell.csproj') -c $Configuration --nologo
            }
            $version = (Import-PowerShellDataFile $manifest).ModuleVersion
            New-Item -ItemType Directory -Force $Repository | Out-Null
            $repositoryPath = (Resolve-Path $Repository).Path
            $package = Join-Path $repositoryPath "HostAccel.$version.nupkg"
            # A file repository refuses a version it already holds: this build replaces it.
            Remove-Item $package -ErrorAction Ignore
            # Registered for the publish only, under a name of its own, so the caller's repositories stay as they were.
            $name = "HostAccel-build-$PID"
            Register-PSResourceRepository -Name $name -Uri $repositoryPath -Trusted
            try {
                Publish-PSResource -Path $stage -Repository $name
            }
            finally {
                Unregister-PSResourceRepository -Name $name
            }
            if (-not (Test-Path $package)) { throw "Publish-PSResource wrote no $package" }
            Write-Host "Published $package"
        }
    }
}
