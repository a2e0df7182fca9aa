# tools/mutation-score.ps1, the mutation profile's scores, over reports shaped as Stryker.NET writes them: which
# mutants count, which triage lines leave out, and which report says what of a file.
BeforeAll {
    $script:Tool = Join-Path $PSScriptRoot '../../tools/mutation-score.ps1'

    function Report([string] $Path, [hashtable] $Files) {
        $json = @{ schemaVersion = '1'; files = @{} }
        foreach ($name in $Files.Keys) {
            $source, $mutants = $Files[$name]
            $json.files["/repo/src/$name"] = @{
                language = 'cs'; source = $source
                mutants = @($mutants | ForEach-Object {
                        $line, $status = $_ -split ':'
                        @{ id = $_; mutatorName = 'Statement mutation'; status = $status; location = @{ start = @{ line = [int]$line; column = 1 }; end = @{ line = [int]$line; column = 2 } } }
                    })
            }
        }
        $json | ConvertTo-Json -Depth 10 | Set-Content $Path
        $Path
    }

    function Score([string[]] $Reports, [string] $Triage) {
        $out = & pwsh -NoProfile -NonInteractive -File $Tool @Reports -Triage $Triage 2>&1
        $LASTEXITCODE | Should -Be 0
        $out -join "`n"
    }

    $script:Source = "a();`nb(); // flowtable only`nc() || x;`nd() | y;"
    $script:Triage = Join-Path $TestDrive 'triage.txt'
    @(
        '# a comment, then a blank line', '',
        'X/File.cs | // flowtable only | needs a flowtable',
        'X/File.cs | d() | y; | equivalent: d is idempotent'
    ) | Set-Content $Triage
}

Describe 'tools/mutation-score.ps1' {
    It 'scores detected over all, and leaves out only the undetected mutants a "needs" line names' {
        # Line 1: killed and timed out; line 2: one survivor needing another kernel, one killed; line 3: survived,
        # uncovered; line 4: an equivalent survivor.
        $report = Report (Join-Path $TestDrive 'one.json') @{
            'X/File.cs' = $Source, @('1:Killed', '1:Timeout', '2:Survived', '2:Killed', '3:Survived', '3:NoCoverage', '4:Survived', '1:Ignored', '1:CompileError')
        }
        $out = Score $report $Triage
        $out | Should -Match 'total: 3 detected; undetected: 1 survived and 1 not covered untriaged, 1 triaged equivalent, 1 needing another kernel'
        # 3 of 7, and 3 of 6 without the one needing a flowtable.
        $out | Should -Match 'score over every mutant: 42\.9%; over the code this host''s kernel can run \(the 1 needing another kernel left out\): 50\.0%'
        $out | Should -Not -Match 'matched nothing'
    }

    It 'takes each file from the latest report that tested it, not from one whose --mutate left it out' {
        $old = Report (Join-Path $TestDrive 'old.json') @{
            'X/File.cs'  = $Source, @('1:Survived', '3:Survived')
            'X/Other.cs' = 'e();', @('1:Killed')
        }
        $new = Report (Join-Path $TestDrive 'new.json') @{
            'X/File.cs'  = $Source, @('1:Killed', '3:Killed')
            'X/Other.cs' = 'e();', @('1:Ignored')
        }
        (Get-Item $new).LastWriteTimeUtc = (Get-Item $old).LastWriteTimeUtc.AddMinutes(1)
        Score @($new, $old) $Triage | Should -Match 'total: 3 detected; undetected: 0 survived and 0 not covered untriaged'
    }

    It 'warns of a triage line that matches no undetected mutant, and refuses one that is not file | fragment | reason' {
        $report = Report (Join-Path $TestDrive 'killed.json') @{ 'X/File.cs' = $Source, @('2:Killed') }
        Score $report $Triage | Should -Match 'triage line matched nothing: X/File.cs \| // flowtable only'
        foreach ($bad in 'X/File.cs | no reason', 'X/File.cs |  | no fragment', 'X/File.cs | || x | ') {
            Set-Content (Join-Path $TestDrive 'bad.txt') $bad
            $out = & pwsh -NoProfile -NonInteractive -File $Tool $report -Triage (Join-Path $TestDrive 'bad.txt') 2>&1
            $LASTEXITCODE | Should -Not -Be 0
            ($out -join "`n") | Should -Match "is not 'file \| source fragment \| reason'"
        }
    }
}
