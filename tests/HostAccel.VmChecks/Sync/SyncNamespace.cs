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

    public void Dispose()
    {
        Session.Dispose();
        Sh.Execute("ip", "netns", "del", Name);
    }
}
