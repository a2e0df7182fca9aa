using System.Globalization;
using System.Text.Json;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>
/// A separate process (tests/HostAccel.PrivilegeProbe) started by util-linux's setpriv with CAP_NET_ADMIN gone from
/// its bounding, inheritable and ambient sets, so that neither it nor anything it runs can have it: every request the
/// library makes (generation, each dump, a single GET, a commit, the conntrack dump) fails with EPERM and says what is
/// needed, and the namespace is left as it was. The same probe with the capability is the control: it succeeds and
/// its commit shows in `nft list ruleset`, which is what makes "nothing changed" mean something.
/// </summary>
public sealed class PrivilegeProbeTests
{
    private const int CAP_NET_ADMIN = 12;

    private static readonly string[] Operations =
        ["GetGeneration", "ListTables", "GetTable", "ListChains", "ListSets", "ListSetElements", "ListFlowtables", "ListRules", "Commit", "ListFlows"];

    private static readonly string[] DropNetAdmin =
        ["setpriv", "--inh-caps=-net_admin", "--ambient-caps=-net_admin", "--bounding-set=-net_admin", "--"];

    private const string Ruleset = """
        table ip antrea {
            comment "Rules for Antrea"
            set peer-pod-cidr {
                type ipv4_addr
                flags interval
                elements = { 10.244.0.0/24 }
            }
            chain forward {
                type filter hook forward priority filter; policy accept;
                ip daddr @peer-pod-cidr counter accept
            }
        }
        """;

    [Fact]
    public void WithoutCapNetAdminEveryRequestFailsWithEpermSayingWhatIsNeededAndChangesNothing()
    {
        using var ns = new TestNamespace();
        ns.NftLoad(Ruleset);
        string before = ns.Nft("list", "ruleset");

        (Dictionary<string, JsonElement> results, string capabilities) = RunProbe(ns.Name, DropNetAdmin);

        Assert.Equal(0UL, ulong.Parse(capabilities, NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << CAP_NET_ADMIN));
        Assert.Equal(Operations, results.Keys);
        Assert.All(results, pair =>
        {
            JsonElement result = pair.Value;
            Assert.True(result.GetProperty("outcome").GetString() == "NetlinkException", $"{pair.Key}: {result}");
            Assert.True(result.GetProperty("errno").GetString() == "EPERM", $"{pair.Key}: {result}");
            Assert.Contains("requires root or CAP_NET_ADMIN", result.GetProperty("message").GetString(), StringComparison.Ordinal);
        });
        Assert.Equal(before, ns.Nft("list", "ruleset"));
    }

    [Fact]
    public void WithCapNetAdminTheSameProbeSucceedsAndItsCommitShows()
    {
        using var ns = new TestNamespace();
        ns.NftLoad(Ruleset);

        (Dictionary<string, JsonElement> results, string capabilities) = RunProbe(ns.Name, []);

        Assert.NotEqual(0UL, ulong.Parse(capabilities, NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << CAP_NET_ADMIN));
        Assert.Equal(Operations, results.Keys);
        Assert.All(results, pair => Assert.True(pair.Value.GetProperty("outcome").GetString() == "ok", $"{pair.Key}: {pair.Value}"));
        Assert.Contains("table ip hostaccel-probe", ns.Nft("list", "ruleset"), StringComparison.Ordinal);
    }

    private static (Dictionary<string, JsonElement> Results, string Capabilities) RunProbe(string ns, string[] prefix)
    {
        string probe = ProbePath();
        string dotnet = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
        string[] command = [.. prefix, dotnet, probe, ns];
        (int code, string output, string error) = Shell.Execute(command[0], command[1..]);
        Assert.True(code == 0, $"{string.Join(' ', command)} exited {code}: {error}{output}");

        var results = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        string? capabilities = null;
        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            JsonElement item = JsonDocument.Parse(line).RootElement.Clone();
            if (item.TryGetProperty("capabilities", out JsonElement caps))
            {
                capabilities = caps.GetString();
            }
            else
            {
                results.Add(item.GetProperty("operation").GetString()!, item);
            }
        }

        return (results, capabilities ?? throw new InvalidOperationException($"the probe printed no capabilities: {output}"));
    }

    /// <summary>The probe's build output next to this project's: same configuration, same framework.</summary>
    private static string ProbePath()
    {
        string here = AppContext.BaseDirectory;
        string path = Path.Combine(here.Replace("HostAccel.Native.Tests", "HostAccel.PrivilegeProbe", StringComparison.Ordinal), "HostAccel.PrivilegeProbe.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"build tests/HostAccel.PrivilegeProbe first (looked for {path})");
    }
}
