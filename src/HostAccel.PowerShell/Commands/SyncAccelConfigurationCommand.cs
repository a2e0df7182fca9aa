using System.Management.Automation;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.Configuration;
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

    /// <summary>Where a statement is cut in the ShouldProcess text: an element list can run to megabytes.</summary>
    private const int MaxStatementLength = 500;

    /// <summary>Takes over a table of that name that HostAccel did not create.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>How many times the ruleset is read and the transaction sent while other writers keep changing it.</summary>
    [Parameter]
    [ValidateRange(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    protected override void ProcessRecord()
    {
        if (BindConfiguration() is not (AccelConfiguration configuration, AccelSession session))
        {
            return;
        }

        string target = $"table {configuration.TableName}{(session.NetworkNamespace is null ? "" : $" in network namespace {session.NetworkNamespace}")}";
        AccelSyncResult result;
        try
        {
            result = Synchronizer.Sync(session, configuration, new SyncOptions
            {
                Force = Force,
                MaxAttempts = MaxAttempts,
                ShouldApply = plan =>
                {
                    string statements = string.Join(Environment.NewLine + "  ", plan.Statements.Select(Shorten));
                    return ShouldProcess($"{Action} on {target}:{Environment.NewLine}  {statements}", $"{Action} on {target}?{Environment.NewLine}  {statements}", Action);
                },
                Log = WriteVerbose,
            }, Cancellation);
        }
        catch (Exception ex) when (ex is not RuntimeException)
        {
            // RuntimeExceptions come from PowerShell through the callbacks (Ctrl+C at a -Confirm prompt, a Stop
            // preference) and end the pipeline as PowerShell means them to; the engine's own failures are reported.
            WriteFailure(ex, target);
            return;
        }

        // After the sync, so that a call that could not read the kernel says only why.
        if (configuration.Counter && configuration.Traffic != AccelTraffic.None && (configuration.Family.Count > 0 || configuration.LocalPodCidr.Count > 0)
            && Support.CounterWarning(session) is string warning)
        {
            WriteWarning(warning);
        }

        if (result.Attempts > 1)
        {
            WriteWarning($"{target}: the ruleset changed while the sync was planned, so it was read and planned again; {(result.Applied ? "applied" : "planned")} at attempt {result.Attempts} of {MaxAttempts}");
        }

        WriteObject(result);
    }

    private static string Shorten(string statement)
    {
        if (statement.Length <= MaxStatementLength)
        {
            return statement;
        }

        int list = statement.IndexOf('{', StringComparison.Ordinal);
        int elements = list < 0 ? 0 : statement.AsSpan(list).Count(", ") + 1;
        return $"{statement[..MaxStatementLength]}… ({elements} elements)";
    }
}
