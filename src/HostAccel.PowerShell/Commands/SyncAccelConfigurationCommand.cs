using System.Management.Automation;
using HostAccel.Native.Nftables;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
using HostAccel.PowerShell.Engine.Planning;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands;

/// <summary>
/// Makes the kernel hold a desired state: one transaction for both families, pinned to the generation it was
/// planned against, planned again when another writer got in between. ShouldProcess is asked once per
/// configuration, with every statement of the transaction, so -WhatIf prints them all.
/// </summary>
[Cmdlet(VerbsData.Sync, "AccelConfiguration", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ConfigurationInput.PathSet)]
[OutputType(typeof(AccelSyncResult))]
public sealed class SyncAccelConfigurationCommand : AccelConfigurationCmdlet
{
    private const string Action = "Apply the desired state";

    /// <summary>From this many element changes on, a sync says what it is doing with Write-Progress.</summary>
    private const int ProgressThreshold = 2000;

    /// <summary>Where a statement is cut in the ShouldProcess text: an element list can run to megabytes.</summary>
    private const int MaxStatementLength = 500;

    /// <summary>Takes over a table of that name that HostAccel did not create.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>How many times the ruleset is read and the transaction sent while other writers keep changing it.</summary>
    [Parameter]
    [ValidateRange(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>
    /// Keeps the desired state until stopped (Ctrl+C, or SIGTERM: a clean exit): re-syncs when HostAccel's tables are
    /// changed or deleted by another process, a configured device appears or goes, or the configuration file changes.
    /// </summary>
    [Parameter]
    public SwitchParameter Watch { get; set; }

    protected override void ProcessRecord()
    {
        if (BindConfiguration() is not (AccelConfiguration configuration, AccelSession session))
        {
            return;
        }

        if (Watch)
        {
            RunWatch(configuration, session);
            return;
        }

        string target = $"table {configuration.TableName}{(session.NetworkNamespace is null ? "" : $" in network namespace {session.NetworkNamespace}")}";
        AccelSyncResult? result = null;
        var options = new SyncOptions
        {
            Force = Force,
            MaxAttempts = MaxAttempts,
            ShouldApply = plan =>
            {
                WarnAboutDeletions(plan.Plan, target);
                string statements = string.Join(Environment.NewLine + "  ", plan.Plan.Changes.Select(c => PlanText.Statement(c, session.InterfaceName, MaxStatementLength)));
                bool apply = ShouldProcess($"{Action} on {target}:{Environment.NewLine}  {statements}", $"{Action} on {target}?{Environment.NewLine}  {statements}", Action);
                int elements = plan.Plan.Changes.OfType<ElementsChange>().Sum(c => c.Prefixes.Count);
                if (apply && elements >= ProgressThreshold)
                {
                    // One transaction has no steps to count; what a long sync is doing is still worth a line.
                    WriteProgress(new ProgressRecord(2, Action, $"{target}: committing {elements} element changes in one transaction"));
                }

                return apply;
            },
            Log = WriteVerbose,
        };

        // PowerShell's own exceptions from the callbacks (Ctrl+C at a -Confirm prompt, a Stop preference) pass through.
        if (!Try(() => result = Synchronizer.Sync(session, configuration, options, Cancellation), target))
        {
            return;
        }

        // After the sync, so that a call that could not read the kernel says only why.
        if (configuration.Counter && configuration.Traffic != AccelTraffic.None && (configuration.Family.Count > 0 || configuration.LocalPodCidr.Count > 0)
            && Support.CounterWarning(session) is string warning)
        {
            WriteWarning(warning);
        }

        foreach (string pending in result!.Pending)
        {
            WriteWarning($"{target}: {pending}");
        }

        WriteProgress(new ProgressRecord(2, Action, "done") { RecordType = ProgressRecordType.Completed });
        if (result!.Attempts > 1)
        {
            WriteWarning($"{target}: the ruleset changed while the sync was planned, so it was read and planned again; {(result.Applied ? "applied" : "planned")} at attempt {result.Attempts} of {MaxAttempts}");
        }

        WriteObject(result);
    }

    private void RunWatch(AccelConfiguration configuration, AccelSession session)
    {
        string? file = ParameterSetName switch
        {
            ConfigurationInput.PathSet => SessionState.Path.GetResolvedProviderPathFromPSPath(Path, out _).FirstOrDefault(),
            ConfigurationInput.LiteralPathSet => SessionState.Path.GetUnresolvedProviderPathFromPSPath(LiteralPath),
            _ => null,
        };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);

        // Under systemd, SIGTERM is the way to stop: ended like Ctrl+C, so that the process exits 0.
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        string where = session.NetworkNamespace is null ? "" : $" in network namespace {session.NetworkNamespace}";
        var options = new WatchOptions
        {
            Load = () => ConfigurationInput.Read(this, Configuration, Path, LiteralPath, stop.Token),
            File = file,
            Force = Force,
            MaxAttempts = MaxAttempts,
            Report = line => WriteInformation($"{DateTime.Now:HH:mm:ss.fff} table {configuration.TableName}{where}: {line}", ["HostAccel", "Watch"]),
            // Warnings, not errors: the watch recovers from them (the last good state stays); an error would make the
            // process's exit status say it failed when systemd stops it.
            Error = failure => WriteWarning($"{failure.ErrorId}: {failure.Message}"),
        };
        Try(() => Watcher.Run(session, configuration, options, stop.Token), session.NetworkNamespace);
    }

    /// <summary>
    /// Says which whole tables and sets a sync is about to delete (a configuration without a family, a set renamed):
    /// a templating slip in a runbook should not empty a Node without a word.
    /// </summary>
    private void WarnAboutDeletions(Plan plan, string target)
    {
        var added = plan.Changes.OfType<SetChange>().Where(c => c.Action == ChangeAction.Add).Select(c => (c.Set.Family, c.Set.Name)).ToHashSet();
        List<string> deleted = plan.Changes.OfType<TableChange>().Where(c => c.Action == ChangeAction.Delete).Select(c => $"table {c.Table.Family.ToNftName()} {c.Table.Name}")
            .Concat(plan.Changes.OfType<SetChange>().Where(c => c.Action == ChangeAction.Delete && !added.Contains((c.Set.Family, c.Set.Name))).Select(c => $"set {c.Set.Family.ToNftName()} {c.Set.Table} {c.Set.Name}"))
            .ToList();
        if (deleted.Count > 0)
        {
            WriteWarning($"{target}: the sync deletes {string.Join(", ", deleted)} and everything in {(deleted.Count == 1 ? "it" : "them")}");
        }
    }
}
