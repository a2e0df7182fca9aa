@{
    RootModule           = 'HostAccel.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b7f0d5e-3c59-4e0b-9a51-8f0a3c7f3e21'
    Author               = 'HostAccel'
    CompanyName          = 'HostAccel'
    Copyright            = '(c) HostAccel. All rights reserved.'
    Description          = 'nftables flowtable acceleration of traffic forwarded through a Linux host, managed over netlink.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('HostAccel.Format.ps1xml')
    CmdletsToExport      = @(
        'New-AccelTable', 'Get-AccelTable', 'Remove-AccelTable',
        'Add-PeerPodCidr', 'Get-PeerPodCidr', 'Remove-PeerPodCidr',
        'Enable-Fastpath', 'Disable-Fastpath', 'Get-Fastpath',
        'Get-FlowtableCounter', 'Reset-FlowtableCounter', 'Get-OffloadedFlow',
        'New-AccelConfiguration', 'Get-AccelConfiguration', 'Test-AccelConfiguration', 'Sync-AccelConfiguration',
        'Test-HostAccelSupport'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('Linux', 'nftables', 'flowtable', 'netlink', 'networking', 'Kubernetes')
            ProjectUri = ''
        }
    }
}
