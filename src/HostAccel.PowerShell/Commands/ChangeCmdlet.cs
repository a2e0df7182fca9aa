using System.Management.Automation;

namespace HostAccel.PowerShell.Commands;

/// <summary>
/// The cmdlets that change the kernel: their inputs are queued per namespace as they arrive, planned together in
/// EndProcessing into one plan (data), shown to ShouldProcess once per object they touch — with counts, the
/// statements on -Verbose — and committed as one transaction, planned and committed again while another writer
/// gets in between (-MaxAttempts). See <see cref="ChangeQueue{TPlan, TRequest, TResult}"/>.
/// </summary>
public abstract class ChangeCmdlet : HostAccelCmdlet
{
    /// <summary>How many times the ruleset is read and the transaction sent while other writers keep changing it.</summary>
    [Parameter]
    [ValidateRange(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Whether -WhatIf is in effect, from the parameter or $WhatIfPreference.</summary>
    internal bool IsWhatIf =>
        MyInvocation.BoundParameters.TryGetValue("WhatIf", out object? whatIf)
            ? whatIf is SwitchParameter { IsPresent: true } || whatIf is true
            : LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference", false));

    internal new CancellationToken Cancellation => base.Cancellation;

    /// <summary>Whether verbose output is shown, so that megabytes of statements are not rendered for nobody.</summary>
    internal bool IsVerbose =>
        MyInvocation.BoundParameters.TryGetValue("Verbose", out object? verbose)
            ? verbose is SwitchParameter { IsPresent: true } || verbose is true
            : GetVariableValue("VerbosePreference", ActionPreference.SilentlyContinue) is ActionPreference preference && preference != ActionPreference.SilentlyContinue;
}
