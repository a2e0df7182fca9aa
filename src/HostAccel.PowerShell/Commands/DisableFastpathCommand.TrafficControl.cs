using HostAccel.Native.TrafficControl;
using HostAccel.PowerShell.Engine.TrafficControl;

namespace HostAccel.PowerShell.Commands;

/// <summary>Disable-Fastpath -Mode TrafficControl: every filter carrying HostAccel's cookie, and a clsact HostAccel added that nothing else uses.</summary>
public sealed partial class DisableFastpathCommand
{
    private readonly HashSet<string> _trafficControl = new(StringComparer.Ordinal);

    private void QueueTrafficControl() => _trafficControl.Add(NetworkNamespace ?? "");

    private void CommitTrafficControl()
    {
        foreach (string key in _trafficControl)
        {
            string? ns = key.Length == 0 ? null : key;
            string target = $"Traffic Control fastpath{(ns is null ? "" : $" in network namespace {ns}")}";
            Try(() =>
            {
                using TcConnection tc = TcCommit.Open(ns);
                IReadOnlyList<TcPlannedChange> plan = TcFastpaths.PlanDisable(tc);
                if (plan.Count == 0)
                {
                    throw new Engine.HostAccelException(Engine.ErrorIds.FastpathNotFound, Engine.FailureKind.ObjectNotFound,
                        $"no device {(ns is null ? "" : $"of network namespace {ns} ")}holds a filter of HostAccel's: Traffic Control acceleration is not enabled", target);
                }

                Func<int, string?> names = TcFastpaths.Names(tc.ListLinks());
                string statements = string.Join(Environment.NewLine + "  ", plan.Select(c => c.Change.Render(names)));
                if (ShouldProcess($"Disable Traffic Control acceleration on {target}:{Environment.NewLine}  {statements}",
                    $"Disable Traffic Control acceleration on {target}?{Environment.NewLine}  {statements}", "Disable Traffic Control acceleration"))
                {
                    TcCommit.Apply(tc, plan.Select(c => c.Change).ToList(), target);
                }
            }, target);
        }
    }
}
