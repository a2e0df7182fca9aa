# The module as a PowerShell user gets it: build.ps1 -Task Package publishes HostAccel.<version>.nupkg into a file
# repository, and a fresh pwsh with a home of its own (so its module path and its registered repositories are
# empty) registers that repository, runs Install-PSResource HostAccel, and uses the installed module, not out/.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    $script:Root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:Version = (Import-PowerShellDataFile $ModulePath).ModuleVersion
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('hostaccel-install-' + [guid]::NewGuid().ToString('N').Substring(0, 10))
    $script:CleanHome = Join-Path $Work 'home'
    $script:Repository = Join-Path $Work 'repository'
    New-Item -ItemType Directory -Force $CleanHome, $Repository | Out-Null

    # Runs a script in a new pwsh whose HOME is the clean one: CurrentUser scope installs under it, PSResourceGet
    # keeps its repository list under it, and no module path of this session is passed on. Returns its JSON output.
    function Invoke-CleanPwsh([string] $Script) {
        $saved = @{}
        foreach ($name in 'HOME', 'PSModulePath', 'XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME') {
            $saved[$name] = [Environment]::GetEnvironmentVariable($name)
            [Environment]::SetEnvironmentVariable($name, $null)
        }
        $env:HOME = $CleanHome
        try {
            $output = & pwsh -NoProfile -NonInteractive -Command $Script 2>&1
            $code = $LASTEXITCODE
        }
        finally {
            foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }
        $text = ($output | ForEach-Object ToString) -join "`n"
        if ($code -ne 0) { throw "pwsh exited with $code`: $text" }
        $text | ConvertFrom-Json
    }
}

AfterAll {
    if ($Work) { Remove-Item -Recurse -Force $Work -ErrorAction Ignore }
}

# In the VM the work tree is read-only and packaging is not kernel business: this runs on the host only.
Describe 'Install-PSResource HostAccel' -Skip:([bool]$env:HOSTACCEL_IN_VM) {
    It 'is published by build.ps1 -Task Package as HostAccel.<version>.nupkg in a file repository' {
        & pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'build.ps1') -Task Package -Repository $Repository *>&1 | Out-Null
        $LASTEXITCODE | Should -Be 0
        Join-Path $Repository "HostAccel.$Version.nupkg" | Should -Exist
    }

    It 'installs with Install-PSResource into a clean module path' {
        $installed = Invoke-CleanPwsh @"
`$ErrorActionPreference = 'Stop'
if (Get-Module -ListAvailable HostAccel) { throw 'HostAccel is already on the clean module path' }
Register-PSResourceRepository -Name HostAccelTest -Uri '$Repository' -Trusted
Install-PSResource -Name HostAccel -Repository HostAccelTest -Scope CurrentUser -TrustRepository -Quiet
Get-InstalledPSResource -Name HostAccel | Select-Object Name, @{ n = 'Version'; e = { `$_.Version.ToString() } }, InstalledLocation, Repository | ConvertTo-Json -Compress
"@
        $installed.Name | Should -Be 'HostAccel'
        $installed.Version | Should -Be $Version
        $installed.Repository | Should -Be 'HostAccelTest'
        $installed.InstalledLocation | Should -BeLike "$CleanHome/*"
    }

    Context 'imported in a fresh pwsh' {
        BeforeAll {
            $ns = New-TestNamespace
            $result = Invoke-CleanPwsh @"
`$ErrorActionPreference = 'Stop'
Import-Module HostAccel
`$module = Get-Module HostAccel
`$support = Test-HostAccelSupport -NetworkNamespace '$ns'
`$table = New-AccelTable -NetworkNamespace '$ns' -Family ip -PassThru
[pscustomobject]@{
    ModuleBase = `$module.ModuleBase
    Version    = `$module.Version.ToString()
    Cmdlets    = `$module.ExportedCmdlets.Count
    NfTables   = `$support.NfTables
    Verdict    = `$support.Verdict
    Table      = `$table.ToString()
    Synopsis   = (Get-Help Enable-Fastpath).Synopsis
} | ConvertTo-Json -Compress
"@
        }
        AfterAll { Remove-TestNamespace $ns }

        It 'loads the installed copy, not out/' {
            $result.ModuleBase | Should -BeLike "$CleanHome/*"
            $result.Version | Should -Be $Version
            $result.Cmdlets | Should -Be 19
        }

        It 'runs Test-HostAccelSupport' {
            $result.NfTables | Should -BeTrue
            $result.Verdict | Should -Match '^(Supported|Not supported: )'
        }

        It 'runs New-AccelTable in a throwaway namespace' {
            $result.Table | Should -Be 'table ip antrea { comment "Rules for Antrea"; }'
            Get-Ruleset $ns | Should -Match 'table ip antrea'
        }

        It 'brings its help along' {
            $result.Synopsis | Should -Match 'acceleration of Pod-to-Pod traffic'
        }
    }
}
