using System.Text.Json;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Tests.Support;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>What `nft -j` says about a namespace, in forms the kernel tests compare with the library's answers.</summary>
internal static class NftOracle
{
    /// <summary>The whole ruleset as `nft -j` prints it, handles included: equal text means nothing changed.</summary>
    public static string Ruleset(TestNamespace ns) => ns.Nft("-j", "list", "ruleset");

    /// <summary>
    /// The elements of a set in nft's words, sorted: "10.0.0.1" for a single address, "10.0.1.0/24" for a prefix,
    /// "a-b" for a range that is no prefix (which the library never writes, so it never compares equal).
    /// </summary>
    public static List<string> Elements(TestNamespace ns, NftSet set)
    {
        JsonElement json = ns.NftJson("list", "set", set.Family.ToNftName(), set.Table, set.Name);
        JsonElement body = json.EnumerateArray().Single(e => e.TryGetProperty("set", out _)).GetProperty("set");
        var elements = new List<string>();
        if (body.TryGetProperty("elem", out JsonElement list))
        {
            foreach (JsonElement element in list.EnumerateArray())
            {
                elements.Add(element.ValueKind switch
                {
                    JsonValueKind.String => element.GetString()!,
                    _ when element.TryGetProperty("prefix", out JsonElement p) => $"{p.GetProperty("addr").GetString()}/{p.GetProperty("len").GetInt32()}",
                    _ when element.TryGetProperty("range", out JsonElement r) => $"{r[0].GetString()}-{r[1].GetString()}",
                    _ => element.GetRawText(),
                });
            }
        }

        elements.Sort(StringComparer.Ordinal);
        return elements;
    }

    /// <summary>A prefix as nft lists it: a whole-length prefix is a bare address.</summary>
    public static string Text(IpPrefix prefix) => prefix.Length == prefix.AddressBits ? prefix.Address.ToString() : prefix.ToString();

    /// <summary>The library's prefixes in the form of <see cref="Elements"/>.</summary>
    public static List<string> Texts(IEnumerable<IpPrefix> prefixes)
    {
        List<string> texts = prefixes.Select(Text).ToList();
        texts.Sort(StringComparer.Ordinal);
        return texts;
    }

    /// <summary>Every object of one kind in the ruleset ("table", "chain", "set", "rule", "flowtable").</summary>
    public static List<JsonElement> Objects(TestNamespace ns, string kind) =>
        ns.NftJson("list", "ruleset").EnumerateArray()
            .Where(e => e.TryGetProperty(kind, out _))
            .Select(e => e.GetProperty(kind))
            .ToList();

    /// <summary>The network namespace of the calling thread, as /proc names it ("net:[4026531840]").</summary>
    public static string ThreadNamespace() => new FileInfo("/proc/thread-self/ns/net").LinkTarget
        ?? throw new InvalidOperationException("/proc/thread-self/ns/net is not a link");
}
