using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine;

namespace HostAccel.VmChecks.Sync;

/// <summary>A throwaway namespace with a Node's devices (antrea-gw0, eth0, eth1, eth2) and an engine session in it.</summary>
internal sealed class SyncNamespace : IDisposable
{
    private static int _count;

    public SyncNamespace()
    {
        Name = $"vmc-sync-{Environment.ProcessId}-{Interlocked.Increment(ref _count)}";
        Sh.Run("ip", "netns", "add", Name);
        foreach (string device in new[] { "antrea-gw0", "eth0", "eth1", "eth2" })
        {
            Sh.In(Name, "ip", "link", "add", device, "type", "veth", "peer", "name", $"{device[..3]}-{device[^1]}-peer");
            Sh.In(Name, "ip", "link", "set", device, "up");
        }

        Session = AccelSession.Open(Name);
    }

    public string Name { get; }

    public AccelSession Session { get; }

    public AccelSession Open() => AccelSession.Open(Name);

    /// <summary>Loads a ruleset with `nft -f`; its tables are someone else's, whatever their comment.</summary>
    public void NftLoad(string ruleset)
    {
        string file = Path.Combine(Path.GetTempPath(), $"{Name}.nft");
        File.WriteAllText(file, ruleset);
        try
        {
            Sh.In(Name, "nft", "-f", file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// Loads a ruleset with `nft -f` as HostAccel's own: the tables it adds are made again with HostAccel's manager
    /// mark (which nft cannot write), with their comments, and the ruleset fills them.
    /// </summary>
    public void NftLoadOwned(string ruleset)
    {
        var before = Session.Nft.ListTables().Select(t => (t.Family, t.Name)).ToHashSet();
        NftLoad(ruleset);
        List<NftTable> added = Session.Nft.ListTables().Where(t => !before.Contains((t.Family, t.Name))).ToList();
        var unmarked = new NftTransaction();
        var marked = new NftTransaction();
        foreach (NftTable table in added)
        {
            unmarked.DeleteTable(table);
            marked.AddTable(new NftTable(table.Family, table.Name) { Comment = table.Comment, Flags = table.Flags, Manager = Design.Manager });
        }

        Session.Nft.Commit(unmarked);
        Session.Nft.Commit(marked);
        NftLoad(ruleset);
    }

    public void Dispose()
    {
        Session.Dispose();
        Sh.Execute("ip", "netns", "del", Name);
    }
}
