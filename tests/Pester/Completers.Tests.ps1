# The argument completers of Commands/Completers, called as PowerShell calls them: directly through
# IArgumentCompleter.CompleteArgument, and through TabExpansion2 on a parameter that carries the attribute.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestNamespace.ps1')
    Import-Module $ModulePath -Force
    $script:InterfaceCompleter = [HostAccel.PowerShell.Commands.Completers.InterfaceNameCompleter]::new()
    $script:CidrCompleter = [HostAccel.PowerShell.Commands.Completers.PeerPodCidrCompleter]::new()

    function Complete($Completer, [string] $Word, [hashtable] $Bound = @{}, [string] $Parameter = 'TransportInterface') {
        @($Completer.CompleteArgument('Test', $Parameter, $Word, $null, $Bound) | ForEach-Object CompletionText)
    }

    # A function whose parameters carry the completer attributes the way the cmdlets' parameters will.
    . ([scriptblock]::Create(@'
function Test-HostAccelCompletion {
    param(
        [string] $NetworkNamespace,
        [ArgumentCompleter([HostAccel.PowerShell.Commands.Completers.InterfaceNameCompleter])] [string] $TransportInterface,
        [ArgumentCompleter([HostAccel.PowerShell.Commands.Completers.PeerPodCidrCompleter])] [string[]] $Cidr
    )
}
'@))

    function Invoke-TabCompletion([string] $Line) {
        @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches | ForEach-Object CompletionText)
    }
}

Describe 'InterfaceNameCompleter' {
    BeforeAll {
        $ns = New-TestNamespace
        Add-TestDevice $ns 'eth1'
    }
    AfterAll { Remove-TestNamespace $ns }

    It 'offers the interfaces of the -NetworkNamespace on the command line, sorted, that start with the word' {
        Complete $InterfaceCompleter 'eth' @{ NetworkNamespace = $ns } | Should -Be @('eth0', 'eth0-peer', 'eth1', 'eth1-peer')
        Complete $InterfaceCompleter 'ANTREA' @{ NetworkNamespace = $ns } | Should -Be @('antrea-gw0')
    }

    It 'offers every interface for an empty word' {
        Complete $InterfaceCompleter '' @{ NetworkNamespace = $ns } |
            Should -Be @('antrea-gw0', 'eth0', 'eth0-peer', 'eth1', 'eth1-peer', 'gw-peer', 'lo')
    }

    It 'offers nothing, and throws nothing, for a namespace that does not exist' {
        Complete $InterfaceCompleter 'eth' @{ NetworkNamespace = 'ha-pester-missing' } | Should -BeNullOrEmpty
    }

    It 'completes through TabExpansion2 on a parameter with the attribute' {
        Invoke-TabCompletion "Test-HostAccelCompletion -NetworkNamespace $ns -TransportInterface antrea" | Should -Be @('antrea-gw0')
    }
}

Describe 'PeerPodCidrCompleter' {
    BeforeAll {
        $ns = New-TestNamespace
        New-AccelTable -NetworkNamespace $ns
        Add-PeerPodCidr -NetworkNamespace $ns -ErrorAction Stop -Cidr 10.244.0.0/24, 10.244.1.0/24, 10.245.0.0/16, fd00:10:244:1::/64
        New-AccelTable other -NetworkNamespace $ns -Family ip -ErrorAction Stop
    }
    AfterAll { Remove-TestNamespace $ns }

    It 'offers the prefixes of both families'' sets that start with the word' {
        Complete $CidrCompleter '10.244.' @{ NetworkNamespace = $ns } 'Cidr' | Should -Be @('10.244.0.0/24', '10.244.1.0/24')
        Complete $CidrCompleter '' @{ NetworkNamespace = $ns } 'Cidr' |
            Should -Be @('10.244.0.0/24', '10.244.1.0/24', '10.245.0.0/16', 'fd00:10:244:1::/64')
    }

    It 'reads only the -Family on the command line' {
        Complete $CidrCompleter '' @{ NetworkNamespace = $ns; Family = 'ip6' } 'Cidr' | Should -Be @('fd00:10:244:1::/64')
        Complete $CidrCompleter '' @{ NetworkNamespace = $ns; Family = @('ip', 'ip6') } 'Cidr' | Should -HaveCount 4
    }

    It 'does not offer prefixes -Cidr already holds' {
        Complete $CidrCompleter '10.244' @{ NetworkNamespace = $ns; Cidr = @('10.244.0.0/24') } 'Cidr' | Should -Be @('10.244.1.0/24')
    }

    It 'reads the -TableName and -SetName on the command line, and offers nothing where there is no such set' {
        Complete $CidrCompleter '' @{ NetworkNamespace = $ns; TableName = 'other' } 'Cidr' | Should -BeNullOrEmpty
        Complete $CidrCompleter '' @{ NetworkNamespace = $ns; SetName = 'none' } 'Cidr' | Should -BeNullOrEmpty
        Complete $CidrCompleter '' @{ NetworkNamespace = 'ha-pester-missing' } 'Cidr' | Should -BeNullOrEmpty
    }

    It 'completes through TabExpansion2 on a parameter with the attribute' {
        Invoke-TabCompletion "Test-HostAccelCompletion -NetworkNamespace $ns -Cidr 10.245" | Should -Be @('10.245.0.0/16')
    }
}
