using System.Net;
using System.Text.Json.Nodes;
using HostAccel.PowerShell.Model;

namespace HostAccel.VmChecks.Sync;

/// <summary>
/// What `nft -j list ruleset` must show for a configuration, written from the seeds' rules in nft's own JSON
/// terms — not through the engine's DesiredState or RuleBuilder — so that a mistake there cannot hide itself.
/// </summary>
internal static class ExpectedRuleset
{
    public static List<string> For(AccelConfiguration c)
    {
        var objects = new List<JsonObject>();
        foreach (AccelFamily accelFamily in c.Family)
        {
            bool v6 = accelFamily == AccelFamily.Ip6;
            (string local, int localLength) = c.LocalPodCidr.Where(l => l.Contains(':', StringComparison.Ordinal) == v6).Select(Split).FirstOrDefault();
            string family = v6 ? "ip6" : "ip";
            string version = v6 ? "IPv6" : "IPv4";
            string type = v6 ? "ipv6_addr" : "ipv4_addr";
            string t = c.TableName;
            objects.Add(Obj("table", new JsonObject { ["family"] = family, ["name"] = t }));
            objects.Add(Set(family, t, c.SetName, type, $"Set for storing {version} peer Pods CIDRs", OfFamily(c.PeerPodCidr, v6)));
            if ((c.Traffic & AccelTraffic.ExternalIP) != 0)
            {
                objects.Add(Set(family, t, c.ExternalIPSetName, type, $"Set for storing {version} LoadBalancer and External IPs", OfFamily(c.ExternalIP, v6)));
            }

            if ((c.Traffic & AccelTraffic.FullPath) != 0)
            {
                objects.Add(Set(family, t, c.PeerNodeSetName, type, $"Set for storing {version} peer Node transport IPs", OfFamily(c.PeerNodeIP, v6)));
            }

            if (c.Traffic == AccelTraffic.None)
            {
                continue;
            }

            // The gateway is in the flowtable through the rules that name it; with the full path alone, through Devices.
            string? gateway = (c.Traffic & ~AccelTraffic.FullPath) != 0 ? c.GatewayInterface : null;
            var devices = new[] { gateway, c.TransportInterface }.Concat(c.Devices).OfType<string>().Distinct().ToArray();
            objects.Add(Obj("flowtable", new JsonObject
            {
                ["family"] = family, ["table"] = t, ["name"] = c.FlowtableName, ["hook"] = "ingress", ["prio"] = c.Priority,
                ["dev"] = new JsonArray(devices.Select(d => (JsonNode)JsonValue.Create(d)!).ToArray()),
            }));
            objects.Add(Obj("chain", new JsonObject
            {
                ["family"] = family, ["table"] = t, ["name"] = c.ChainName, ["type"] = "filter", ["hook"] = "forward", ["prio"] = 0, ["policy"] = "accept",
            }));

            JsonObject Rule(string what, params JsonNode[] matches) => Obj("rule", new JsonObject
            {
                ["family"] = family, ["table"] = t, ["chain"] = c.ChainName, ["comment"] = $"Accelerate {version} connections: {what}",
                ["expr"] = new JsonArray([.. matches, Flow(c.FlowtableName), Counter()]),
            });
            JsonNode LocalPrefix() => Prefix(local, localLength, v6);
            if ((c.Traffic & AccelTraffic.PodToPod) != 0)
            {
                objects.Add(Rule("local Pod CIDR to remote Pod CIDRs",
                    Meta("iif", c.GatewayInterface), Addr(family, "saddr", LocalPrefix()), Meta("oif", c.TransportInterface!), Addr(family, "daddr", $"@{c.SetName}")));
                objects.Add(Rule("remote Pod CIDRs to local Pod CIDR",
                    Meta("iif", c.TransportInterface!), Addr(family, "saddr", $"@{c.SetName}"), Meta("oif", c.GatewayInterface), Addr(family, "daddr", LocalPrefix())));
            }

            if ((c.Traffic & AccelTraffic.ExternalToPod) != 0)
            {
                objects.Add(Rule("External-to-Pod before SNAT",
                    Meta("iif", c.GatewayInterface), Addr(family, "saddr", Address(c.ServiceSnatAddress, v6)), Meta("oif", c.TransportInterface!), Addr(family, "daddr", $"@{c.SetName}")));
            }

            if ((c.Traffic & AccelTraffic.ExternalToNodePort) != 0)
            {
                objects.Add(Rule("External-to-NodePort after DNAT", Meta("oif", c.GatewayInterface), Addr(family, "daddr", Address(c.NodePortDnatAddress, v6))));
            }

            if ((c.Traffic & AccelTraffic.ExternalIP) != 0)
            {
                objects.Add(Rule("External-to-LoadBalancer IP and External IP", Meta("oif", c.GatewayInterface), Addr(family, "daddr", $"@{c.ExternalIPSetName}")));
            }

            if ((c.Traffic & AccelTraffic.FullPath) != 0)
            {
                objects.Add(Rule("remote Node transport IPs to local Pod CIDR (full path)", Addr(family, "saddr", $"@{c.PeerNodeSetName}"), Addr(family, "daddr", LocalPrefix())));
            }
        }

        return RulesetJson.Normalize(objects);
    }

    private static JsonObject Set(string family, string table, string name, string type, string comment, List<string> elements)
    {
        var set = new JsonObject
        {
            ["family"] = family, ["table"] = table, ["name"] = name, ["type"] = type, ["comment"] = comment, ["flags"] = new JsonArray("interval"),
        };
        if (elements.Count > 0)
        {
            set["elem"] = new JsonArray(elements.Select(e =>
            {
                (string address, int length) = Split(e);
                return Prefix(address, length, address.Contains(':', StringComparison.Ordinal));
            }).ToArray());
        }

        return Obj("set", set);
    }

    /// <summary>nft writes a whole-length prefix as the bare address.</summary>
    private static JsonNode Prefix(string address, int length, bool v6) =>
        length == (v6 ? 128 : 32) ? JsonValue.Create(address)! : new JsonObject { ["prefix"] = new JsonObject { ["addr"] = address, ["len"] = length } };

    private static (string Address, int Length) Split(string cidr)
    {
        string[] parts = cidr.Split('/');
        string address = IPAddress.Parse(parts[0]).ToString();
        return (address, parts.Length == 2 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : (address.Contains(':', StringComparison.Ordinal) ? 128 : 32));
    }

    private static List<string> OfFamily(IReadOnlyList<string> prefixes, bool v6) => prefixes.Where(p => p.Contains(':', StringComparison.Ordinal) == v6).ToList();

    private static string Address(IReadOnlyList<string> addresses, bool v6) => addresses.Single(a => a.Contains(':', StringComparison.Ordinal) == v6);

    private static JsonObject Obj(string kind, JsonObject body) => new() { [kind] = body };

    private static JsonNode Meta(string key, string device) => Match(new JsonObject { ["meta"] = new JsonObject { ["key"] = key } }, JsonValue.Create(device)!);

    private static JsonNode Addr(string family, string field, JsonNode right) =>
        Match(new JsonObject { ["payload"] = new JsonObject { ["protocol"] = family, ["field"] = field } }, right);

    private static JsonNode Addr(string family, string field, string right) => Addr(family, field, JsonValue.Create(right)!);

    private static JsonNode Match(JsonNode left, JsonNode right) => new JsonObject { ["match"] = new JsonObject { ["op"] = "==", ["left"] = left, ["right"] = right } };

    private static JsonNode Flow(string flowtable) => new JsonObject { ["flow"] = new JsonObject { ["op"] = "add", ["flowtable"] = $"@{flowtable}" } };

    private static JsonNode Counter() => new JsonObject { ["counter"] = new JsonObject { ["packets"] = 0, ["bytes"] = 0 } };
}
