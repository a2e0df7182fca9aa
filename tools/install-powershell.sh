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

# The tool's own `pwsh` is a shim that runs PowerShell as a child process: a signal sent to it (systemd's SIGTERM to
# a Sync-AccelConfiguration -Watch agent) kills the shim, status 143, and never reaches PowerShell's handlers. So the
# shim is replaced by a launcher that execs dotnet on PowerShell itself: one process, which gets the signals. (The
# shim's own path, not only /usr/local/bin/pwsh: PowerShell puts the tool's folder first on its children's PATH.)
launcher_mark='# HostAccel: pwsh launcher'
install_launcher() {
  local dll
  dll=$(find "$tool_path/.store" -path "*/$powershell_version/tools/*/any/unix/pwsh.dll" -print -quit)
  [ -n "$dll" ] || { echo "pwsh.dll of PowerShell $powershell_version not found under $tool_path/.store" >&2; exit 1; }
  rm -f "$tool_path/pwsh"
  printf '#!/bin/sh\n%s (tools/install-powershell.sh): PowerShell %s as this very process, so signals reach it.\nexec %s %s "$@"\n' \
    "$launcher_mark" "$powershell_version" "$(readlink -f "$(command -v dotnet)")" "$dll" >"$tool_path/pwsh"
  chmod 0755 "$tool_path/pwsh"
}

# A pwsh from elsewhere (Microsoft's packages) is used as it is.
if ! command -v pwsh >/dev/null 2>&1 || [ "$(readlink -f "$(command -v pwsh)")" = "$tool_path/pwsh" ]; then
  # A tool installed earlier whose link was removed is linked again: `dotnet tool install` refuses to install twice.
  if [ ! -e "$tool_path/pwsh" ]; then
    dotnet tool install --tool-path "$tool_path" PowerShell --version "$powershell_version" >/dev/null
  fi
  # A fresh install, or an earlier one that kept the shim.
  grep -q "$launcher_mark" "$tool_path/pwsh" 2>/dev/null || install_launcher
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
