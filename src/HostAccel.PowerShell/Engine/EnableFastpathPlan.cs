using System.Text;
using HostAccel.Native.Interop;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine.Planning;
using HostAccel.PowerShell.Model;

namespace HostAccel.PowerShell.Engine;

/// <summary>Enable-Fastpath: the design's objects and Pod-to-Pod rules in each family of the local Pod CIDRs.</summary>
internal sealed class EnableFastpathPlan : ChangePlan<Fastpath>
{
    internal EnableFastpathPlan(AccelSession session)
        : base(session)
    {
    }

    /// <summary>
    /// Per family of the local Pod CIDRs: the table (when missing), the peer Pod CIDR set, the flowtable on the
    /// gateway and transport devices, the forward base chain and the two rules of the design document. What already exists as
    /// asked is kept; what exists otherwise is a conflict unless <see cref="EnableFastpathRequest.Force"/>. Every
    /// input is checked before anything is planned: CIDRs (a /0 is refused), device names, comments (nft's 128 bytes).
    /// </summary>
    public IReadOnlyList<PlannedChange<Fastpath>> Prepare(EnableFastpathRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Names.Check(request);
        if (request.LocalPodCidr.Count == 0)
        {
            throw new HostAccelException(ErrorIds.InvalidArgument, FailureKind.InvalidArgument, "at least one local Pod CIDR is needed", null);
        }

        var locals = new Dictionary<NftFamily, IpPrefix>();
        foreach (string text in request.LocalPodCidr)
        {
            IpPrefix prefix = Families.ParsePodCidr(text, "local Pod CIDR");
            NftFamily family = Families.Of(prefix);
            if (request.Family is { Count: > 0 } wanted && !wanted.Contains(family.ToModel()))
            {
                throw new HostAccelException(ErrorIds.WrongFamily, FailureKind.InvalidArgument,
                    $"{prefix} is an {(prefix.IsIPv6 ? "IPv6" : "IPv4")} prefix, but only {string.Join(", ", wanted.Select(f => f.ToNft().ToNftName()))} was asked for", text);
            }

            if (!locals.TryAdd(family, prefix))
            {
                throw new HostAccelException(ErrorIds.InvalidArgument, FailureKind.InvalidArgument,
                    $"one local Pod CIDR per family: both {locals[family]} and {prefix} are {(prefix.IsIPv6 ? "IPv6" : "IPv4")}", text);
            }
        }

        CheckDevice(nameof(request.GatewayInterface), request.GatewayInterface);
        CheckDevice(nameof(request.TransportInterface), request.TransportInterface);
        Failures.CheckComment(request.TableComment, nameof(request.TableComment));
        Failures.CheckComment(request.ChainComment, nameof(request.ChainComment));
        Failures.CheckComment(request.SetComment, nameof(request.SetComment));
        Failures.CheckComment(request.OutboundRuleComment, nameof(request.OutboundRuleComment));
        Failures.CheckComment(request.InboundRuleComment, nameof(request.InboundRuleComment));
        if (string.Equals(request.GatewayInterface, request.TransportInterface, StringComparison.Ordinal))
        {
            throw new HostAccelException(ErrorIds.InvalidArgument, FailureKind.InvalidArgument,
                $"the gateway and transport interfaces must differ, both are '{request.GatewayInterface}'", request.TransportInterface);
        }

        uint gateway, transport;
        try
        {
            gateway = Session.ResolveInterface(request.GatewayInterface);
            transport = Session.ResolveInterface(request.TransportInterface);
        }
        catch (Exception ex) when (ex is not HostAccelException)
        {
            throw Failures.From(ex, request.GatewayInterface);
        }

        var changes = new List<PlannedChange<Fastpath>>();
        foreach ((NftFamily family, IpPrefix local) in locals.OrderBy(l => l.Key == NftFamily.Ip6))
        {
            try
            {
                changes.Add(PrepareFamily(request, family, local, gateway, transport));
            }
            catch (Exception ex) when (ex is not HostAccelException)
            {
                throw Failures.From(ex, $"table {family.ToNftName()} {request.TableName}");
            }
        }

        return changes;
    }

    private PlannedChange<Fastpath> PrepareFamily(EnableFastpathRequest r, NftFamily family, IpPrefix local, uint gateway, uint transport)
    {
        NftConnection nft = Session.Nft;
        string target = $"table {family.ToNftName()} {r.TableName}";
        NftTable? table = Session.Table(family, r.TableName);
        if (table is not null)
        {
            Ownership.Require(table, r.Force, r.TableComment);
        }

        NftSet? set = table is null ? null : nft.ListSets(family, r.TableName).FirstOrDefault(s => s.Name == r.SetName);
        if (set is not null)
        {
            PeerPodCidrs.CheckSet(set);
        }

        NftFlowtable? flowtable = table is null ? null : nft.ListFlowtables(family, r.TableName).FirstOrDefault(f => f.Name == r.FlowtableName);
        NftChain? chain = table is null ? null : nft.ListChains(family, r.TableName).FirstOrDefault(c => c.Name == r.ChainName);
        IReadOnlyList<NftRule> existingRules = chain is null ? [] : nft.ListRules(family, r.TableName, r.ChainName);

        FlowtableFlags flags = (r.HardwareOffload ? FlowtableFlags.HardwareOffload : 0) | (r.Counter ? FlowtableFlags.Counter : 0);
        var wantedFlowtable = new NftFlowtable(family, r.TableName, r.FlowtableName)
        {
            Priority = r.Priority,
            Devices = new[] { r.GatewayInterface, r.TransportInterface },
            Flags = flags,
        };
        NftChain wantedChain = Design.ForwardChain(family, r.TableName, r.ChainName, r.ChainComment);
        NftRule[] wantedRules = Fastpaths.Rules(family, r, gateway, transport, local);

        if (chain is not null && chain.Base != wantedChain.Base)
        {
            throw Conflict(target, $"chain {family.ToNftName()} {r.TableName} {r.ChainName} exists but is not a filter chain on the forward hook with policy accept ({chain})");
        }

        bool flowtableDiffers = flowtable is not null && (flowtable.Priority != r.Priority || flowtable.Flags != flags
            || !flowtable.Devices.Order(StringComparer.Ordinal).SequenceEqual(wantedFlowtable.Devices.Order(StringComparer.Ordinal)));
        bool rulesDiffer = existingRules.Count > 0 && !existingRules.Select(Fastpaths.Normalize).SequenceEqual(wantedRules);
        if (!r.Force && flowtableDiffers)
        {
            throw Conflict(target, $"{flowtable} exists with other settings than {wantedFlowtable}: Disable-Fastpath first, or use -Force to replace it");
        }

        if (!r.Force && rulesDiffer)
        {
            throw Conflict(target, $"chain {family.ToNftName()} {r.TableName} {r.ChainName} already holds {existingRules.Count} other rules: Disable-Fastpath first, or use -Force to replace them");
        }

        bool replaceRules = rulesDiffer || flowtableDiffers;
        bool addRules = existingRules.Count == 0 || replaceRules;
        NftSet wantedSet = set ?? Design.AddressSet(family, r.TableName, r.SetName, r.SetComment);
        Fastpath result = Fastpaths.ToModel(Session, family, r.TableName, r.FlowtableName, r.ChainName, wantedFlowtable, addRules ? wantedRules : existingRules);
        var changes = new List<Change>();
        if (table is null)
        {
            changes.Add(new TableChange(ChangeAction.Add, Design.Table(family, r.TableName, r.TableComment)) { Subject = target });
        }

        if (set is null)
        {
            changes.Add(new SetChange(ChangeAction.Add, wantedSet) { Subject = target });
        }

        if (replaceRules)
        {
            changes.AddRange(existingRules.Select(old => new RuleChange(ChangeAction.Delete, old) { Subject = target }));
        }

        // Rules replaced by others: the flows the old ones offloaded are evicted with the flowtable (FlowEviction).
        bool replaceFlowtable = flowtable is not null && (flowtableDiffers || rulesDiffer);
        if (replaceFlowtable)
        {
            changes.Add(new FlowtableChange(ChangeAction.Delete, flowtable!) { Subject = target });
        }

        if (flowtable is null || replaceFlowtable)
        {
            changes.Add(new FlowtableChange(ChangeAction.Add, wantedFlowtable) { Subject = target });
        }

        if (chain is null)
        {
            changes.Add(new ChainChange(ChangeAction.Add, wantedChain) { Subject = target });
        }

        if (addRules)
        {
            changes.AddRange(wantedRules.Select(rule => new RuleChange(ChangeAction.Add, rule) { Subject = target }));
        }

        return new PlannedChange<Fastpath>(target, "Enable flowtable acceleration", result, changes, Session.InterfaceName);
    }

    /// <summary>
    /// A name the kernel could give a device (dev_valid_name: 1 to IFNAMSIZ - 1 bytes, no '/', ':' or white space, not
    /// "." or ".."), so that a typo is an invalid argument rather than a device that is merely not there.
    /// </summary>
    private static void CheckDevice(string parameter, string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new HostAccelException(ErrorIds.InvalidArgument, FailureKind.InvalidArgument,
                $"{parameter} is empty: the flowtable needs both the gateway and the transport device", name);
        }

        if (Encoding.UTF8.GetByteCount(name) > NetworkInterface.MaxNameLength || name is "." or ".." || name.Any(c => c is '/' or ':' || char.IsWhiteSpace(c)))
        {
            throw new HostAccelException(ErrorIds.InvalidArgument, FailureKind.InvalidArgument,
                $"{parameter}: '{name}' is not a device name: 1 to {NetworkInterface.MaxNameLength} bytes (IFNAMSIZ less its NUL) without '/', ':' or spaces", name);
        }
    }

    private static HostAccelException Conflict(string target, string message) =>
        new(ErrorIds.FastpathConflict, FailureKind.ResourceExists, message, target);
}
