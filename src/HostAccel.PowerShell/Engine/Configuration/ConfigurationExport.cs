using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native;
using HostAccel.PowerShell.Engine.Planning;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine.Configuration;

/// <summary>
/// Get-AccelConfiguration: the configuration the kernel's tables express, read from the objects themselves — the
/// rules' expressions say the traffic types, the Pod CIDR, the interfaces and the sets; the flowtable says the
/// devices and flags; the sets hold the prefixes. Synced back, it leaves a HostAccel-written state unchanged; what
/// it cannot express (a foreign rule, a stray chain) is what Test-AccelConfiguration reports as drift.
/// </summary>
internal static class ConfigurationExport
{
    /// <summary>How often the tables are read again when another writer commits while they are being read.</summary>
    private const int MaxReadAttempts = 5;

    /// <summary>
    /// The configuration the tables express, read from one generation. It is checked the way Sync would use it:
    /// planned against the very tables it was read from, it must add, change and delete nothing. Tables that one
    /// configuration cannot describe (families that accelerate different traffic, flowtables with other devices
    /// or flags, sets with other comments, a chain or rule added by hand) are refused as
    /// <see cref="ErrorIds.StateNotExpressible"/>, naming what a sync of the answer would change, instead of flattened
    /// into a configuration whose sync would change or delete them. A table named by the caller
    /// (<paramref name="named"/>) must exist. A table HostAccel does not own (read with
    /// <paramref name="includeForeign"/>) is not held to this: it is read as the closest configuration, to be adopted
    /// with Sync-AccelConfiguration -Force, which rewrites what differs (its own comments, say).
    /// </summary>
    public static AccelConfiguration Read(AccelSession session, string tableName, bool includeForeign, bool named = false)
    {
        ArgumentNullException.ThrowIfNull(session);
        try
        {
            AccelConfiguration fromTables = Attempts.Run(MaxReadAttempts, _ => ReadOnce(session, tableName, includeForeign, named), PlanCommit.IsTransient);
            using Native.TrafficControl.TcConnection tc = TrafficControl.TcCommit.Open(session.NetworkNamespace);
            return TrafficControlConfiguration.ReadBack(tc, fromTables);
        }
        catch (StaleReadException ex)
        {
            throw new HostAccelException(ErrorIds.RulesetChanged, FailureKind.ResourceBusy,
                $"the ruleset changed while each of {MaxReadAttempts} reads of table {tableName} was under way (another writer is busy)", session.NetworkNamespace, ex)
            {
                RecommendedAction = "Run the command again.",
            };
        }
        catch (Exception ex) when (ex is not HostAccelException)
        {
            throw Failures.From(ex, $"table {tableName}");
        }
    }

    /// <summary>One read of both families at one generation; a read that another writer's commit overtook is stale.</summary>
    private static AccelConfiguration ReadOnce(AccelSession session, string tableName, bool includeForeign, bool named)
    {
        uint generation = session.Nft.GetGeneration();
        var tables = new List<KernelTable>();
        foreach (NftFamily family in new[] { NftFamily.Ip, NftFamily.Ip6 })
        {
            KernelTable? table = KernelTable.Read(session.Nft, family, tableName);
            if (table is not null && (includeForeign || Ownership.IsOwned(table.Table)))
            {
                tables.Add(table);
            }
        }

        if (tables.Count == 0 && named)
        {
            throw new HostAccelException(ErrorIds.TableNotFound, FailureKind.ObjectNotFound,
                $"there is no table ip {tableName} or ip6 {tableName}{(includeForeign ? "" : " that HostAccel owns (-IncludeForeign reads one it does not)")}", tableName);
        }

        // Each set is dumped once per read: Express takes the prefixes, and the check plans against the same ones.
        var dumped = new Dictionary<NftSet, IReadOnlyList<IpPrefix>>();
        IReadOnlyList<IpPrefix> Prefixes(NftSet set) => dumped.TryGetValue(set, out IReadOnlyList<IpPrefix>? p) ? p : dumped[set] = session.Nft.ListPrefixes(set);
        AccelConfiguration configuration = Express(tableName, tables, session.InterfaceName, Prefixes, session.NetworkNamespace);
        if (session.Nft.GetGeneration() != generation)
        {
            throw new StaleReadException(new InvalidOperationException($"generation {generation} moved on while table {tableName} was read"));
        }

        if (tables.All(t => Ownership.IsOwned(t.Table)))
        {
            RequireExpressible(session, configuration, tables, generation, Prefixes);
        }

        return configuration;
    }

    /// <summary>
    /// The configuration <paramref name="tables"/> (the ip and ip6 tables named <paramref name="tableName"/>, as read)
    /// express, without a kernel: the rules' shapes, the flowtable, and the sets' prefixes from
    /// <paramref name="prefixes"/>; devices named by <paramref name="interfaceName"/>.
    /// </summary>
    internal static AccelConfiguration Express(string tableName, IReadOnlyList<KernelTable> tables, Func<uint, string?> interfaceName,
        Func<NftSet, IReadOnlyList<IpPrefix>> prefixes, string? networkNamespace)
    {
        List<(KernelTable Table, Found What)> found = tables.Select(t => (t, Recognise(t))).ToList();
        return Merge(tableName, found, interfaceName, prefixes, networkNamespace);
    }

    private static void RequireExpressible(AccelSession session, AccelConfiguration configuration, List<KernelTable> found, uint generation,
        Func<NftSet, IReadOnlyList<IpPrefix>> prefixes)
    {
        if (found.Count == 0)
        {
            return;
        }

        var current = new Dictionary<NftFamily, KernelTable?> { [NftFamily.Ip] = null, [NftFamily.Ip6] = null };
        foreach (KernelTable table in found)
        {
            current[table.Table.Family] = table;
        }

        SyncPlan plan = SyncPlanner.Plan(new SyncPlan(generation, session.InterfaceName),
            DesiredState.Build(configuration, session.ResolveInterface), current, prefixes, configuration.TableName, force: true);
        // Anything a sync of the answer would add, change or delete: objects no configuration has words for (a chain
        // or rule added by hand) included, since Get | Sync would otherwise delete them without a word.
        IReadOnlyList<AccelDrift> changes = plan.Drift();
        if (changes.Count > 0)
        {
            throw new HostAccelException(ErrorIds.StateNotExpressible, FailureKind.InvalidOperation,
                $"table {configuration.TableName} holds a state that no one configuration describes: synced back, the closest one would change " +
                $"{string.Join("; ", changes.Take(4).Select(d => $"{d.Object} ({d.Kind}: {d.Detail})"))}{(changes.Count > 4 ? $" and {changes.Count - 4} more" : "")}. " +
                "Test-AccelConfiguration against the configuration you mean shows the differences; Sync-AccelConfiguration makes the tables agree with it",
                $"table {configuration.TableName}");
        }
    }

    private sealed class Found
    {
        public AccelTraffic Traffic;
        public IpPrefix? Local;
        public uint? Gateway;
        public uint? Transport;
        public string? PeerSet;
        public string? ExternalSet;
        public string? NodeSet;
        public string? Flowtable;
        public string? Chain;
        public IpPrefix? Snat;
        public IpPrefix? Dnat;
        public int? Threshold;
    }

    private static Found Recognise(KernelTable table)
    {
        var found = new Found();
        NftChain? chain = table.Chains.FirstOrDefault(c => c.Base?.Hook == ChainHook.Forward);
        found.Chain = chain?.Name;
        List<RuleShape> shapes = chain is null ? [] : table.RulesOf(chain.Name).Select(RuleShape.Of).OfType<RuleShape>().ToList();
        RuleShape? inbound = shapes.FirstOrDefault(s => s is { Iif: not null, Oif: not null, Source.Set: not null, Destination.Prefix: not null });
        RuleShape? fullPath = shapes.FirstOrDefault(s => s is { Iif: null, Oif: null, Source.Set: not null, Destination.Prefix: not null });
        found.Local = inbound?.Destination?.Prefix ?? fullPath?.Destination?.Prefix;
        foreach (RuleShape s in shapes)
        {
            found.Flowtable ??= s.Flowtable;
            found.Threshold ??= s.OffloadThreshold;
            switch (s)
            {
                case { Iif: not null, Oif: not null, Source.Prefix: IpPrefix from, Destination.Set: string peers }:
                    bool podToPod = found.Local is IpPrefix local ? from == local : from.Length != from.AddressBits;
                    if (podToPod)
                    {
                        found.Traffic |= AccelTraffic.PodToPod;
                        found.Local ??= from;
                    }
                    else
                    {
                        found.Traffic |= AccelTraffic.ExternalToPod;
                        found.Snat = from;
                    }

                    found.Gateway ??= s.Iif;
                    found.Transport ??= s.Oif;
                    found.PeerSet ??= peers;
                    break;
                case { Iif: not null, Oif: not null, Source.Set: string peers, Destination.Prefix: not null }:
                    found.Traffic |= AccelTraffic.PodToPod;
                    found.Gateway ??= s.Oif;
                    found.Transport ??= s.Iif;
                    found.PeerSet ??= peers;
                    break;
                case { Iif: null, Oif: not null, Source: null, Destination.Prefix: IpPrefix to }:
                    found.Traffic |= AccelTraffic.ExternalToNodePort;
                    found.Dnat = to;
                    found.Gateway ??= s.Oif;
                    break;
                case { Iif: null, Oif: not null, Source: null, Destination.Set: string externals }:
                    found.Traffic |= AccelTraffic.ExternalIP;
                    found.ExternalSet = externals;
                    found.Gateway ??= s.Oif;
                    break;
                case { Iif: null, Oif: null, Source.Set: string nodes, Destination.Prefix: not null }:
                    found.Traffic |= AccelTraffic.FullPath;
                    found.NodeSet = nodes;
                    break;
            }
        }

        return found;
    }

    private static AccelConfiguration Merge(string tableName, List<(KernelTable Table, Found What)> found, Func<uint, string?> interfaceName,
        Func<NftSet, IReadOnlyList<IpPrefix>> prefixes, string? networkNamespace)
    {
        var defaults = new AccelConfiguration();
        string? Name(uint? index) => index is uint i ? interfaceName(i) : null;
        string externalSet = found.Select(f => f.What.ExternalSet).OfType<string>().FirstOrDefault() ?? defaults.ExternalIPSetName;
        string nodeSet = found.Select(f => f.What.NodeSet).OfType<string>().FirstOrDefault() ?? defaults.PeerNodeSetName;
        // No rule names the peer set when nothing is accelerated (prepared tables): then it is the one interval set
        // the tables hold besides the external and peer Node ones, whatever its name.
        List<string> others = found.SelectMany(f => f.Table.Sets).Where(s => s.IsInterval && s.Name != externalSet && s.Name != nodeSet)
            .Select(s => s.Name).Distinct(StringComparer.Ordinal).ToList();
        string peerSet = found.Select(f => f.What.PeerSet).OfType<string>().FirstOrDefault()
            ?? (others.Count == 1 ? others[0] : defaults.SetName);
        string flowtableName = found.Select(f => f.What.Flowtable).OfType<string>().FirstOrDefault() ?? defaults.FlowtableName;
        NftFlowtable? flowtable = found.SelectMany(f => f.Table.Flowtables).FirstOrDefault(f => f.Name == flowtableName);
        // No rule names the gateway when the full path is all that is accelerated: it is then one of the flowtable's
        // devices like any other, and the normal form counts it among them.
        string gateway = Name(found.Select(f => f.What.Gateway).OfType<uint>().FirstOrDefault())
            ?? (flowtable is { Devices.Count: > 0 } ? flowtable.Devices[0] : defaults.GatewayInterface);
        string? transport = Name(found.Select(f => f.What.Transport).OfType<uint>().FirstOrDefault());
        List<string> Elements(string set) => found
            .SelectMany(f => f.Table.Sets.Where(s => s.Name == set && s.IsInterval).SelectMany(prefixes))
            .Select(p => p.Length == p.AddressBits ? p.Address.ToString() : p.ToString()).ToList();
        AccelTraffic traffic = found.Aggregate(AccelTraffic.None, (t, f) => t | f.What.Traffic);
        List<string> Addresses(Func<Found, IpPrefix?> read) => found.Select(f => read(f.What)).OfType<IpPrefix>().Select(p => p.Address.ToString()).ToList();

        var configuration = new AccelConfiguration
        {
            TableName = tableName,
            SetName = peerSet,
            ExternalIPSetName = externalSet,
            PeerNodeSetName = nodeSet,
            FlowtableName = flowtableName,
            ChainName = found.Select(f => f.What.Chain).OfType<string>().FirstOrDefault() ?? defaults.ChainName,
            GatewayInterface = gateway,
            TransportInterface = transport,
            Devices = flowtable?.Devices.Where(d => d != gateway && d != transport).ToList() ?? [],
            Family = found.Select(f => f.Table.Table.Family.ToModel()).ToList(),
            LocalPodCidr = found.Select(f => f.What.Local).OfType<IpPrefix>().Select(p => p.ToString()).ToList(),
            PeerPodCidr = Elements(peerSet),
            Traffic = traffic,
            ExternalIP = (traffic & AccelTraffic.ExternalIP) != 0 ? Elements(externalSet) : [],
            PeerNodeIP = (traffic & AccelTraffic.FullPath) != 0 ? Elements(nodeSet) : [],
            ServiceSnatAddress = Addresses(f => f.Snat),
            NodePortDnatAddress = Addresses(f => f.Dnat),
            Priority = flowtable?.Priority ?? 0,
            Counter = flowtable is not null && (flowtable.Flags & FlowtableFlags.Counter) != 0,
            HardwareOffload = flowtable is not null && (flowtable.Flags & FlowtableFlags.HardwareOffload) != 0,
            // Rules with different thresholds are no one configuration: the check of the answer then finds them.
            OffloadThreshold = found.Select(f => f.What.Threshold).OfType<int>().FirstOrDefault(),
        };
        try
        {
            return ConfigurationValidator.Validate(configuration) with { NetworkNamespace = networkNamespace };
        }
        catch (HostAccelException ex) when (found.Count > 1)
        {
            // The families accelerate different traffic in a way one configuration cannot say (the IPv4 table has the
            // Pod-to-Pod rules, the IPv6 one only NodePort's, say). Returning what both have in common would make
            // Get | Sync strip acceleration from a family; saying so is the safe answer.
            throw new HostAccelException(ErrorIds.StateNotExpressible, FailureKind.InvalidOperation,
                $"tables ip {tableName} and ip6 {tableName} accelerate different traffic ({string.Join("; ", found.Select(f => $"{f.Table.Table.Family.ToNftName()}: {f.What.Traffic}"))}), " +
                $"which one configuration cannot express ({ex.Message}); Sync-AccelConfiguration makes them agree", $"table {tableName}", ex);
        }
    }
}
