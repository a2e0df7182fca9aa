#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Converts docs/cmdlets into MAML help with Microsoft.PowerShell.PlatyPS. The module's build runs it when PlatyPS is
    installed; without it, the build uses the project's own converter (tools/HostAccel.HelpBuilder) instead.
.EXAMPLE
    tools/Export-PlatyPSHelp.ps1 -Path docs/cmdlets -Destination out/HostAccel/en-US/HostAccel.PowerShell.dll-Help.xml
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Path,
    [Parameter(Mandatory)] [string] $Destination
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

Import-Module Microsoft.PowerShell.PlatyPS
$help = Get-ChildItem (Join-Path $Path '*.md') | Import-MarkdownCommandHelp
$work = Join-Path ([IO.Path]::GetTempPath()) "hostaccel-maml-$PID"
try {
    Export-MamlCommandHelp -CommandHelp $help -OutputFolder $work -Force | Out-Null
    $maml = @(Get-ChildItem $work -Recurse -Filter '*.xml')
    if ($maml.Count -ne 1) { throw "Export-MamlCommandHelp wrote $($maml.Count) files to $work; one was expected" }
    New-Item -ItemType Directory -Force (Split-Path $Destination) | Out-Null
    Move-Item $maml[0].FullName $Destination -Force
    Write-Host "PlatyPS: $($help.Count) commands -> $Destination"
}
finally {
    Remove-Item -Recurse -Force $work -ErrorAction Ignore
}
