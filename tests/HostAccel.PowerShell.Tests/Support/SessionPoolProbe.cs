using System.Reflection;
using HostAccel.PowerShell.Engine;

namespace HostAccel.PowerShell.Tests.Support;

/// <summary>What the session pool's tests read of it: the sessions it keeps for a namespace, and whether one is closed.</summary>
internal static class SessionPoolProbe
{
    /// <summary>How many sessions the pool keeps for <paramref name="networkNamespace"/> (its own queue, read by reflection).</summary>
    public static int Kept(string networkNamespace)
    {
        object pool = typeof(SessionPool).GetField("Pool", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;
        object?[] args = [networkNamespace, null];
        bool found = (bool)pool.GetType().GetMethod("TryGetValue")!.Invoke(pool, args)!;
        return found ? (int)args[1]!.GetType().GetProperty("Count")!.GetValue(args[1])! : 0;
    }

    public static bool IsClosed(AccelSession session)
    {
        try
        {
            session.Nft.ListTables();
            return false;
        }
        catch (ObjectDisposedException)
        {
            return true;
        }
    }
}
