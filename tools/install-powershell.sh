#!/usr/bin/env bash
# Installs what the Pester tests need on a machine that has the .NET SDK but no PowerShell: pwsh (the PowerShell
# global tool, from NuGet) as /usr/local/bin/pwsh, and Pester 5 as an all-users module. Both come from the NuGet
# feeds the machine's dotnet is configured with, so this works wherever `dotnet restore` does. Does nothing when
# both are already there. Needs root.
#
# Usage: tools/install-powershell.sh
set -euo pipefail

powershell_version=7.6.10
pester_version=5.7.1
tool_path=/opt/hostaccel/powershell
modules=/usr/local/share/powershell/Modules

if ! command -v pwsh >/dev/null 2>&1; then
  # A tool installed earlier whose link was removed is linked again: `dotnet tool install` refuses to install it twice.
  if [ ! -x "$tool_path/pwsh" ]; then
    dotnet tool install --tool-path "$tool_path" PowerShell --version "$powershell_version" >/dev/null
  fi
  ln -sf "$tool_path/pwsh" /usr/local/bin/pwsh
fi

has_pester() {
  pwsh -NoProfile -NonInteractive -Command \
    "if (Get-Module -ListAvailable Pester | Where-Object { \$_.Version -ge [version]'5.0' -and \$_.Version -lt [version]'6.0' }) { exit 0 } else { exit 1 }"
}

if ! has_pester; then
  # A project that only downloads the package: restore fetches it through the configured feeds into its own folder.
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  cat >"$work/pester.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <RestorePackagesPath>$work/packages</RestorePackagesPath>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="Pester" Version="[$pester_version]" />
  </ItemGroup>
</Project>
EOF
  dotnet restore "$work/pester.csproj" --nologo -v quiet >/dev/null
  mkdir -p "$modules/Pester"
  rm -rf "${modules:?}/Pester/$pester_version"
  cp -r "$work/packages/pester/$pester_version/tools" "$modules/Pester/$pester_version"
  has_pester || { echo "Pester $pester_version was installed to $modules but pwsh does not find it" >&2; exit 1; }
fi

pwsh -NoProfile -NonInteractive -Command \
  '"pwsh {0}, Pester {1}" -f $PSVersionTable.PSVersion, (Get-Module -ListAvailable Pester | Sort-Object Version -Descending | Select-Object -First 1).Version'
