#!/usr/bin/env pwsh
<#
.SYNOPSIS
    The scores of Stryker.NET reports (tools/mutation.sh): over every mutant, and over the code this host's kernel can
    run.

.DESCRIPTION
    Reads each report's mutants and prints, per file and in total, how many were killed (or timed out), survived or
    ran under no test, and two scores: detected / (detected + undetected) over every mutant, and the same without the
    undetected mutants that tools/mutation-triage.txt lists as reachable only on another kernel (a reason that starts
    with "needs": a flowtable, cls_flower). Survivors it lists as equivalent are counted, and stay undetected in both
    scores. A triage line names a file, a fragment of the mutated source line and a reason; it matches the survivors
    and uncovered mutants of that line only, never a killed one. Several reports (batches) are read together: each
    file from the latest report that tested its mutants.

.EXAMPLE
    ./tools/mutation-score.ps1 out/mutation/engine-*/reports/mutation-report.json
#>
param(
    [Parameter(Mandatory, Position = 0, ValueFromRemainingArguments)] [string[]] $Report,
    [string] $Triage = (Join-Path $PSScriptRoot 'mutation-triage.txt'),
    [switch] $ListUndetected
)

# The file is before the first " | ", the reason after the last: the fragment between them is code, which may hold "|".
$rules = @(Get-Content $Triage | Where-Object { $_ -match '\S' -and $_ -notmatch '^\s*#' } | ForEach-Object {
        $first, $last = $_.IndexOf(' | '), $_.LastIndexOf(' | ')
        $fragment = if ($first -ge 0 -and $last -gt $first) { $_.Substring($first + 3, $last - $first - 3).Trim() }
        if (-not $fragment -or -not $_.Substring($last + 3).Trim()) { throw "$Triage`: '$_' is not 'file | source fragment | reason'" }
        [pscustomobject]@{ File = $_.Substring(0, $first).Trim(); Fragment = $fragment; Reason = $_.Substring($last + 3).Trim(); Used = 0 }
    })

$files = [ordered]@{}
foreach ($path in (Resolve-Path $Report | Sort-Object { (Get-Item $_).LastWriteTimeUtc })) {
    $json = Get-Content -Raw $path | ConvertFrom-Json -AsHashtable
    # A report lists every file, the ones its --mutate left out with their mutants Ignored: those are not its to say.
    foreach ($entry in $json.files.GetEnumerator() | Where-Object { $_.Value.mutants | Where-Object status -NotIn 'Ignored', 'CompileError' }) {
        $files[($entry.Key -replace '^.*?/src/', '')] = $entry.Value
    }
}

$rows = foreach ($entry in $files.GetEnumerator()) {
    $lines = $entry.Value.source -split "`n"
    $row = [ordered]@{ File = $entry.Key; Detected = 0; Survived = 0; NoCoverage = 0; Equivalent = 0; OtherKernel = 0 }
    foreach ($mutant in $entry.Value.mutants) {
        switch ($mutant.status) {
            { $_ -in 'Killed', 'Timeout' } { $row.Detected++ }
            { $_ -in 'Survived', 'NoCoverage' } {
                $line = $lines[$mutant.location.start.line - 1]
                $rule = $rules | Where-Object { $entry.Key.EndsWith($_.File) -and $line.Contains($_.Fragment) } | Select-Object -First 1
                if ($rule) { $rule.Used++ }
                if ($rule.Reason -like 'needs*') { $row.OtherKernel++ }
                elseif ($rule) { $row.Equivalent++ }
                elseif ($_ -eq 'Survived') { $row.Survived++ } else { $row.NoCoverage++ }
                if ($ListUndetected -and -not $rule) { "  {0} {1} L{2} {3}: {4}" -f $_.Substring(0, 4), $entry.Key, $mutant.location.start.line, $mutant.mutatorName, $line.Trim() | Write-Host }
            }
        }
    }
    [pscustomobject]$row
}

function Score($detected, $undetected) { if ($detected + $undetected) { '{0:0.0}%' -f (100 * $detected / ($detected + $undetected)) } else { '-' } }
$rows | Where-Object { $_.Detected + $_.Survived + $_.NoCoverage + $_.Equivalent + $_.OtherKernel } |
    Select-Object File, Detected, Survived, NoCoverage, Equivalent, OtherKernel,
    @{ n = 'All'; e = { Score $_.Detected ($_.Survived + $_.NoCoverage + $_.Equivalent + $_.OtherKernel) } },
    @{ n = 'ThisKernel'; e = { Score $_.Detected ($_.Survived + $_.NoCoverage + $_.Equivalent) } } | Format-Table -AutoSize | Out-String -Width 200
$t = $rows | Measure-Object Detected, Survived, NoCoverage, Equivalent, OtherKernel -Sum
$d, $s, $n, $e, $k = $t.Sum
"total: {0} detected; undetected: {1} survived and {2} not covered untriaged, {3} triaged equivalent, {4} needing another kernel" -f $d, $s, $n, $e, $k
"score over every mutant: {0}; over the code this host's kernel can run (the {1} needing another kernel left out): {2}" -f (Score $d ($s + $n + $e + $k)), $k, (Score $d ($s + $n + $e))
# A line for a file these reports tested that matches nothing is stale (the code moved on, or its mutant is now killed).
$rules | Where-Object { $r = $_; $r.Used -eq 0 -and @($files.Keys).Where({ $_.EndsWith($r.File) }).Count -gt 0 } |
    ForEach-Object { Write-Warning "triage line matched nothing: $($_.File) | $($_.Fragment)" }
