@{
    RootModule           = 'HostAccel.PowerShell.dll'
    # The one place the version is kept: Directory.Build.props gives it to the assemblies too.
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
        'Get-FlowtableCounter', 'Get-FastpathCounter', 'Reset-FlowtableCounter', 'Get-OffloadedFlow',
        'New-AccelConfiguration', 'ConvertTo-AccelConfiguration', 'Get-AccelConfiguration', 'Test-AccelConfiguration', 'Sync-AccelConfiguration',
        'Test-HostAccelSupport'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('PSEdition_Core', 'Linux', 'nftables', 'flowtable', 'netlink', 'networking', 'Kubernetes', 'Antrea')
            ReleaseNotes = @'
0.1.0: the first release. Tables, peer Pod CIDR sets and the fastpath flowtable of Antrea's host network
acceleration over netlink, without nft: New-/Get-/Remove-AccelTable, Add-/Get-/Remove-PeerPodCidr,
Enable-/Disable-/Get-Fastpath, Get-/Reset-FlowtableCounter, Get-OffloadedFlow, Test-HostAccelSupport, and desired
state with New-/Get-/Test-/Sync-AccelConfiguration (one transaction for both families, pinned to the generation it
read). Help: Get-Help <cmdlet> -Full, Get-Help about_HostAccel.
'@
        }
    }
}
