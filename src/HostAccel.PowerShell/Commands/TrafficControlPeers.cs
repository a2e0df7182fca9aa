using HostAccel.Native.Nftables;
using HostAccel.Native.TrafficControl;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Engine.TrafficControl;

namespace HostAccel.PowerShell.Commands;

/// <summary>
/// Add-/Remove-PeerPodCidr in a namespace where the Traffic Control mode is enabled: after the set's change is
/// committed, HostAccel's redirects follow it in the same call, as the flowtable mode's rules follow the set by
/// reading it. Without that, a peer Node added by Antrea's agent would stay on the slow path (or a removed one keep
/// its redirect, sending its Pods' frames to a next hop that no longer serves them) until the next Enable-Fastpath or
/// Sync-AccelConfiguration.
/// </summary>
internal sealed class TrafficControlPeers
{
    private readonly Dictionary<string, List<string>> _cidrs = new(StringComparer.Ordinal);

    /// <summary>Records a prefix of the call in the namespace of the current pipeline record.</summary>
    public void Add(string? networkNamespace, string cidr)
    {
        string key = networkNamespace ?? "";
        if (!_cidrs.TryGetValue(key, out List<string>? list))
        {
            _cidrs[key] = list = [];
        }

        list.Add(cidr);
    }

    /// <summary>
    /// For each namespace whose set change was committed (or, under -WhatIf, would have been): plans the redirects'
    /// change from the filters in the kernel and applies it, the confirmation of the set's change covering it (under
    /// -WhatIf, prints its tc statements). A namespace without HostAccel's redirects is the flowtable mode: nothing to do.
    /// </summary>
    public void Follow(ChangeCmdlet cmdlet, IReadOnlyList<AccelSession> committed, Func<AccelSession, bool> declined, bool removing)
    {
        foreach (AccelSession session in committed)
        {
            if (!_cidrs.TryGetValue(session.NetworkNamespace ?? "", out List<string>? texts))
            {
                continue;
            }

            List<IpPrefix> prefixes = [];
            string where = session.NetworkNamespace is null ? "" : $" in network namespace {session.NetworkNamespace}";
            cmdlet.Try(() =>
            {
                try
                {
                    TcConnection tc = session.Tc;
                    if (!tc.ListQdiscs().Any(q => q.IsClsact))
                    {
                        // No clsact on any device, so no filter of HostAccel's: the flowtable mode, and a call of
                        // 100 000 prefixes is not parsed a second time for nothing.
                        return;
                    }

                    prefixes = texts.Select(t => Families.ParsePodCidr(t, "peer Pod CIDR")).Distinct().ToList();
                    TcPeerChange? change = TcFastpaths.PlanPeers(tc, removing ? [] : prefixes, removing ? prefixes : []);
                    if (change is null)
                    {
                        // No filter of HostAccel's: the flowtable mode. Filters without a readable pair of redirects
                        // (only the TTL guards left, or no address of this host in the local Pod CIDR) cannot be followed.
                        if (TcFastpaths.OwnedEverywhere(tc).Count > 0)
                        {
                            cmdlet.WriteWarning($"HostAccel's Traffic Control filters{where} were not changed: their redirects do not say which device is the gateway and which local Pod CIDRs it serves (only TTL guards are left, or no address of this host is in the local Pod CIDR), so {string.Join(", ", prefixes)} {(removing ? "keeps its redirects" : "takes the Node's stack")}. Enable-Fastpath -Mode TrafficControl (or Sync-AccelConfiguration) with the peer Pod CIDRs writes them");
                        }

                        return;
                    }

                    if (declined(session))
                    {
                        // The user said No to (part of) the set's change: the redirects are left as they are, so
                        // that none follows a change that did not happen.
                        if (change.Changes.Count > 0)
                        {
                            cmdlet.WriteWarning($"HostAccel's Traffic Control filters{where} were not changed, because the change of the set was declined: Test-AccelConfiguration shows whether they differ from the set, and Sync-AccelConfiguration makes them follow it");
                        }

                        return;
                    }

                    foreach (IpPrefix unpaired in change.Unpaired)
                    {
                        cmdlet.WriteWarning($"{unpaired} is in the set, but the Traffic Control filters{where} have no {(unpaired.IsIPv6 ? "IPv6" : "IPv4")} local Pod CIDR to redirect it with, so its traffic takes the Node's stack: Enable-Fastpath -Mode TrafficControl with a local Pod CIDR of that family");
                    }

                    if (change.Changes.Count == 0)
                    {
                        cmdlet.WriteVerbose($"Traffic Control filters{where}: nothing to change");
                        return;
                    }

                    Func<int, string?> names = TcFastpaths.Names(tc.ListLinks());
                    string target = $"Traffic Control fastpath on {change.Spec.GatewayInterface} and {change.Spec.TransportInterface}{where}";
                    string statements = string.Join(Environment.NewLine + "  ", change.Changes.Select(c => c.Change.Render(names)));
                    foreach (TcPlannedChange c in change.Changes)
                    {
                        cmdlet.WriteVerbose(c.Change.Render(names));
                    }

                    if (cmdlet.IsWhatIf)
                    {
                        // Only -WhatIf asks here, to print the statements. Otherwise the set's change was confirmed
                        // already and the redirects are part of it: a second question could only leave the set and
                        // its redirects disagreeing (the statements are on -Verbose).
                        string action = removing ? "Remove the peer Pod CIDRs' redirects" : "Redirect the peer Pod CIDRs";
                        cmdlet.ShouldProcess($"{action} on {target}:{Environment.NewLine}  {statements}", $"{action} on {target}?{Environment.NewLine}  {statements}", action);
                        return;
                    }

                    if (change.Changes.Any(c => c.Change.Kind is not (TcChangeKind.DeleteFilter or TcChangeKind.DeleteQdisc)))
                    {
                        TcCommit.RequireSupport(target);
                    }

                    TcCommit.Apply(tc, change.Changes.Select(c => c.Change).ToList(), target);
                }
                catch (HostAccelException ex) when (!cmdlet.IsWhatIf)
                {
                    // The set's change is committed already: say that it stands and the filters do not follow yet.
                    string changed = $"{string.Join(", ", prefixes)} {(removing ? "removed from" : "added to")} the set{where}";
                    throw new HostAccelException(ex.ErrorId, ex.Kind, $"{changed}, but HostAccel's Traffic Control filters were left as they were: {ex.Message}", ex.TargetObject, ex)
                    {
                        RecommendedAction = "Test-AccelConfiguration shows the difference; once the cause is fixed, Sync-AccelConfiguration (or Enable-Fastpath -Mode TrafficControl) makes the filters follow the set.",
                    };
                }
            }, session.NetworkNamespace);
        }
    }
}
