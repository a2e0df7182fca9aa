using HostAccel.Native.Interop;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>A connection lives in the namespace it was opened for; the caller stays where it was.</summary>
public sealed class NamespaceTests : IDisposable
{
    private readonly TestNamespace _a = new();
    private readonly TestNamespace _b = new();

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
    }

    [Fact]
    public void AConnectionSeesAndChangesOnlyItsOwnNamespace()
    {
        _a.NftLoad("table ip only-in-a { chain c { }; }");
        _b.NftLoad("table ip6 only-in-b { set s { type ipv6_addr; }; }");
        _a.AddDevice("dev-a", "dev-a-peer");

        using NftConnection a = NftConnection.Open(_a.Name);
        using NftConnection b = NftConnection.Open(_b.Name);
        Assert.Equal(_a.Name, a.NetworkNamespace);
        Assert.Equal(["only-in-a"], a.ListTables().Select(t => t.Name));
        Assert.Equal(["only-in-b"], b.ListTables().Select(t => t.Name));
        Assert.Empty(a.ListSets());
        Assert.Empty(b.ListChains());

        var tx = new NftTransaction();
        tx.AddTable(new NftTable(NftFamily.Inet, "written-through-a"));
        a.Commit(tx);
        Assert.Contains("written-through-a", _a.Nft("list", "tables"), StringComparison.Ordinal);
        Assert.DoesNotContain("written-through-a", _b.Nft("list", "tables"), StringComparison.Ordinal);
        Assert.Null(b.GetTable(NftFamily.Inet, "written-through-a"));

        // Devices are looked up in the connection's namespace too.
        Assert.Equal(_a.IfIndex("dev-a"), a.InterfaceIndex("dev-a"));
        Assert.Null(b.InterfaceIndex("dev-a"));
        Assert.Contains("dev-a-peer", a.Interfaces().Values);
        Assert.Equal(["lo"], b.Interfaces().Values);
    }

    [Fact]
    public void AMissingNamespaceIsASystemCallErrorThatNamesIt()
    {
        string missing = $"ha-missing-{Guid.NewGuid():N}"[..22];
        SystemCallException error = Assert.Throws<SystemCallException>(() => NftConnection.Open(missing));
        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.Equal("open", error.Call);
        Assert.Contains($"'{missing}'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"/run/netns/{missing}", error.Message, StringComparison.Ordinal);

        // A name that would leave /run/netns is refused before any system call.
        Assert.Throws<ArgumentException>(() => NftConnection.Open("../" + _a.Name));
    }

    [Fact]
    public void OpeningAndUsingAConnectionLeavesTheCallingThreadInItsNamespace()
    {
        string thread = NftOracle.ThreadNamespace();
        string process = new FileInfo("/proc/self/ns/net").LinkTarget!;
        Assert.NotEqual(thread, _a.Exec("readlink", "/proc/self/ns/net").Trim());

        using (NftConnection a = NftConnection.Open(_a.Name))
        {
            Assert.Equal(thread, NftOracle.ThreadNamespace());
            var tx = new NftTransaction();
            tx.AddTable(new NftTable(NftFamily.Ip, "t"));
            a.Commit(tx);
            a.ListTables();
            a.Interfaces();
            a.InterfaceIndex("lo");
            Assert.Equal(thread, NftOracle.ThreadNamespace());
        }

        Assert.Throws<SystemCallException>(() => NftConnection.Open("ha-missing-namespace"));
        KernelSupport.Probe(_b.Name);

        Assert.Equal(thread, NftOracle.ThreadNamespace());
        Assert.Equal(process, new FileInfo("/proc/self/ns/net").LinkTarget);

        // Work that ran elsewhere went to the namespace it was meant for, not to this one.
        Assert.Contains("table ip t", _a.Nft("list", "tables"), StringComparison.Ordinal);
    }

    /// <summary>Issue 19: a plain file in /run/netns gave "setns … EINVAL"; it is not a network namespace, and says so.</summary>
    [Fact]
    public void APlainFileInRunNetnsIsNotANetworkNamespace()
    {
        string name = $"ha-plain-{Guid.NewGuid():N}"[..20];
        string path = Path.Combine(NetworkNamespace.RunDirectory, name);
        File.WriteAllText(path, "");
        try
        {
            ArgumentException failure = Assert.Throws<ArgumentException>(() => NftConnection.Open(name));
            Assert.Contains($"'{name}' is not a network namespace: {path} is a plain file", failure.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("EINVAL", failure.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
