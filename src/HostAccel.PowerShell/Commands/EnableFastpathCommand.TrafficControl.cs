using System.Management.Automation;
using HostAccel.Native.Nftables;
using HostAccel.Native.TrafficControl;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.TrafficControl;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Commands;

/// <summary>
/// Enable-Fastpath -Mode TrafficControl: clsact and flower filters on the gateway and transport devices, planned from
/// the kernel's routes and neighbours, shown to ShouldProcess as tc commands and applied in one all-or-nothing list.
/// </summary>
public sealed partial class EnableFastpathCommand
{
    /// <summary>The flowtable settings, which mean nothing to the Traffic Control mode: refused there rather than ignored.</summary>
    private static readonly string[] FlowtableOnly =
    [
        nameof(HardwareOffload), nameof(Counter), nameof(Priority), nameof(TableName), nameof(SetName), nameof(FlowtableName), nameof(ChainName),
        nameof(TableComment), nameof(ChainComment), nameof(SetComment), nameof(OutboundRuleComment), nameof(InboundRuleComment), nameof(Force),
    ];

    private readonly List<(string? Namespace, TcFastpathSpec Spec)> _trafficControl = [];
    private bool _trafficControlRefused;

    /// <summary>Flowtable (the default) or TrafficControl.</summary>
    [Parameter]
    public AccelMode Mode { get; set; } = AccelMode.Flowtable;

    /// <summary>The traffic to accelerate; the Traffic Control mode carries PodToPod (Pod-to-Pod and Pod-to-Service) only.</summary>
    [Parameter]
    public AccelTraffic Traffic { get; set; } = AccelTraffic.PodToPod;

    /// <summary>The other Nodes' Pod CIDRs the Traffic Control mode redirects to and from (the flowtable mode keeps them in its set: Add-PeerPodCidr).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? PeerPodCidr { get; set; }

    /// <summary>Queues the record in the Traffic Control mode, or refuses what the flowtable mode does not take; true when handled here.</summary>
    private bool QueueTrafficControl()
    {
        if (Mode != AccelMode.TrafficControl)
        {
            if (IsBound(nameof(PeerPodCidr)))
            {
                _queue.Refuse(new HostAccelException(ErrorIds.InvalidArgument, FailureKind.InvalidArgument,
                    "-PeerPodCidr is for -Mode TrafficControl: in the flowtable mode the peer Pod CIDRs are the set's elements (Add-PeerPodCidr)", string.Join(", ", PeerPodCidr ?? [])), PeerPodCidr);
                return true;
            }

            if (Traffic != AccelTraffic.PodToPod)
            {
                _queue.Refuse(new HostAccelException(ErrorIds.InvalidArgument, FailureKind.InvalidArgument,
                    $"Enable-Fastpath writes the Pod-to-Pod rules; {Traffic} traffic is configured with New-AccelConfiguration -Traffic and Sync-AccelConfiguration", Traffic), Traffic);
                return true;
            }

            return false;
        }

        if (!Try(() => _trafficControl.Add((NetworkNamespace, Spec())), NetworkNamespace))
        {
            _trafficControlRefused = true;
        }

        return true;
    }

    private TcFastpathSpec Spec()
    {
        if (TcDesign.WhyNotCarried(Traffic) is string why)
        {
            throw new HostAccelException(ErrorIds.TrafficNotCarried, FailureKind.InvalidArgument, why, Traffic & ~TcDesign.Carried);
        }

        if (Traffic == AccelTraffic.None)
        {
            throw new HostAccelException(ErrorIds.InvalidArgument, FailureKind.InvalidArgument, "-Traffic None accelerates nothing: Disable-Fastpath -Mode TrafficControl removes the filters", Traffic);
        }

        foreach (string name in FlowtableOnly.Where(IsBound))
        {
            throw new HostAccelException(ErrorIds.InvalidArgument, FailureKind.InvalidArgument,
                $"-{name} is a setting of the flowtable mode; the Traffic Control mode has no table, flowtable or rules", name);
        }

        if (_trafficControl.Any(t => t.Namespace == NetworkNamespace))
        {
            throw new HostAccelException(ErrorIds.InvalidArgument, FailureKind.InvalidArgument, "each network namespace can be enabled once per call", NetworkNamespace);
        }

        var locals = new List<IpPrefix>();
        foreach (string text in LocalPodCidr)
        {
            IpPrefix prefix = Families.ParsePodCidr(text, "local Pod CIDR");
            if (Family is { Length: > 0 } && !Family.Contains(prefix.IsIPv6 ? AccelFamily.Ip6 : AccelFamily.Ip))
            {
                throw new HostAccelException(ErrorIds.WrongFamily, FailureKind.InvalidArgument,
                    $"{prefix} is an {(prefix.IsIPv6 ? "IPv6" : "IPv4")} prefix, but only {string.Join(", ", Family)} was asked for", text);
            }

            if (locals.Any(l => l.IsIPv6 == prefix.IsIPv6))
            {
                throw new HostAccelException(ErrorIds.InvalidArgument, FailureKind.InvalidArgument,
                    $"one local Pod CIDR per family: both {locals.First(l => l.IsIPv6 == prefix.IsIPv6)} and {prefix} are {(prefix.IsIPv6 ? "IPv6" : "IPv4")}", text);
            }

            locals.Add(prefix);
        }

        if (PeerPodCidr is not { Length: > 0 })
        {
            throw new HostAccelException(ErrorIds.InvalidArgument, FailureKind.InvalidArgument,
                "-Mode TrafficControl redirects between the local and the peer Pod CIDRs: give the peers with -PeerPodCidr", null);
        }

        var peers = new List<IpPrefix>();
        foreach (string text in PeerPodCidr)
        {
            IpPrefix prefix = Families.ParsePodCidr(text, "peer Pod CIDR");
            if (locals.Any(l => l.Overlaps(prefix)))
            {
                throw new HostAccelException(ErrorIds.OverlappingCidr, FailureKind.InvalidArgument,
                    $"peer Pod CIDR {prefix} overlaps the local Pod CIDR {locals.First(l => l.Overlaps(prefix))}", text);
            }

            if (!locals.Any(l => l.IsIPv6 == prefix.IsIPv6))
            {
                throw new HostAccelException(ErrorIds.WrongFamily, FailureKind.InvalidArgument,
                    $"peer Pod CIDR {prefix} is {(prefix.IsIPv6 ? "IPv6" : "IPv4")}, and no local Pod CIDR is", text);
            }

            if (!peers.Contains(prefix))
            {
                peers.Add(prefix);
            }
        }

        return new TcFastpathSpec(GatewayInterface, TransportInterface, locals, peers);
    }

    private void CommitTrafficControl()
    {
        if (_trafficControlRefused)
        {
            return;
        }

        foreach ((string? ns, TcFastpathSpec spec) in _trafficControl)
        {
            string target = $"Traffic Control fastpath on {spec.GatewayInterface} and {spec.TransportInterface}{(ns is null ? "" : $" in network namespace {ns}")}";
            Try(() =>
            {
                using TcConnection tc = TcCommit.Open(ns);
                IReadOnlyList<TcPlannedChange> plan = TcFastpaths.PlanEnable(tc, spec);
                Func<int, string?> names = TcFastpaths.Names(tc.ListLinks());
                if (plan.Count == 0)
                {
                    WriteVerbose($"Enable Traffic Control acceleration on {target}: nothing to do");
                }
                else
                {
                    string statements = string.Join(Environment.NewLine + "  ", plan.Select(c => c.Change.Render(names)));
                    foreach (TcPlannedChange change in plan)
                    {
                        WriteVerbose(change.Change.Render(names));
                    }

                    if (!ShouldProcess($"Enable Traffic Control acceleration on {target}:{Environment.NewLine}  {statements}",
                        $"Enable Traffic Control acceleration on {target}?{Environment.NewLine}  {statements}", "Enable Traffic Control acceleration"))
                    {
                        return;
                    }

                    TcCommit.RequireSupport(target);
                    TcCommit.Apply(tc, plan.Select(c => c.Change).ToList(), target);
                }

                if (PassThru)
                {
                    WriteObject(TcFastpaths.Get(tc, ns), enumerateCollection: true);
                }
            }, target);
        }
    }
}
