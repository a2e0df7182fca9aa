using System.Text.Json;
using System.Text.Json.Nodes;

namespace HostAccel.VmChecks.Sync;

/// <summary>
/// `nft -j list ruleset` in a form two rulesets can be compared in: one line per object, keys sorted, handles
/// dropped, counters zeroed, device and element lists sorted; every object but rules sorted, rules grouped by
/// chain and kept in chain order. <see cref="ExpectedRuleset"/> writes the same form from a configuration without the engine.
/// </summary>
internal static class RulesetJson
{
    public static List<string> Actual(string ns)
    {
        JsonArray items = JsonNode.Parse(Sh.In(ns, "nft", "-j", "list", "ruleset"))!["nftables"]!.AsArray();
        var objects = new List<JsonObject>();
        foreach (JsonNode? item in items)
        {
            var wrapper = item!.AsObject();
            if (wrapper.ContainsKey("metainfo"))
            {
                continue;
            }

            (string kind, JsonNode? body) = wrapper.Single();
            var copy = (JsonObject)body!.DeepClone();
            copy.Remove("handle");
            if (kind == "flowtable" && copy["dev"] is JsonValue single)
            {
                copy["dev"] = new JsonArray(JsonValue.Create(single.GetValue<string>()));
            }

            if (kind == "rule")
            {
                foreach (JsonNode? e in copy["expr"]!.AsArray())
                {
                    if (e!.AsObject()["counter"] is JsonObject counter)
                    {
                        counter["packets"] = 0;
                        counter["bytes"] = 0;
                    }
                }
            }

            objects.Add(new JsonObject { [kind] = copy });
        }

        return Normalize(objects);
    }

    public static List<string> Normalize(IEnumerable<JsonObject> objects)
    {
        var lines = new List<string>();
        var rules = new List<(string Chain, string Line)>();
        foreach (JsonObject o in objects)
        {
            (string kind, JsonNode? body) = o.Single();
            string line = $"{kind} {Canonical(body!).ToJsonString()}";
            if (kind == "rule")
            {
                rules.Add(($"{body!["family"]} {body["table"]} {body["chain"]}", line));
            }
            else
            {
                lines.Add(line);
            }
        }

        // Tables are listed in the order they were made; only the order of rules within a chain means something.
        lines.Sort(StringComparer.Ordinal);
        lines.AddRange(rules.OrderBy(r => r.Chain, StringComparer.Ordinal).Select(r => r.Line));
        return lines;
    }

    /// <summary>Keys sorted at every level; arrays named dev, elem and flags sorted too (their order means nothing).</summary>
    private static JsonNode Canonical(JsonNode node, string? name = null) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)Canonical(p.Value!, p.Key)))),
        JsonArray a when name is "dev" or "elem" or "flags" => new JsonArray(a.Select(x => Canonical(x!)).OrderBy(x => x.ToJsonString(), StringComparer.Ordinal).ToArray()),
        JsonArray a => new JsonArray(a.Select(x => Canonical(x!)).ToArray()),
        _ => JsonNode.Parse(node.ToJsonString())!,
    };
}
