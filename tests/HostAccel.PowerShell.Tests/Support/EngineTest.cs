using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Tests.Support;
using HostAccel.PowerShell.Engine;
using Xunit;

namespace HostAccel.PowerShell.Tests.Support;

/// <summary>
/// A throwaway namespace with seed 000's devices (antrea-gw0, eth0) and an engine session in it: what a cmdlet
/// invocation with -NetworkNamespace gets. The host's own ruleset is never touched.
/// </summary>
public abstract class EngineTest : IDisposable
{
    protected EngineTest()
    {
        Ns = new TestNamespace();
        Ns.AddDevice("antrea-gw0", "gw-peer");
        Ns.AddDevice("eth0", "eth0-peer");
        Session = AccelSession.Open(Ns.Name);
    }

    protected TestNamespace Ns { get; }

    internal AccelSession Session { get; }

    /// <summary>
    /// Loads a ruleset with `nft -f` as HostAccel's own: the tables it adds are created again with HostAccel's manager
    /// mark (and the comment and flags the ruleset gives them), which nft cannot write, then the ruleset fills them.
    /// Without this a table nft wrote is someone else's, whatever its comment. Tables already there stay as they are.
    /// </summary>
    protected void NftLoadOwned(string ruleset)
    {
        var before = Session.Nft.ListTables().Select(t => (t.Family, t.Name)).ToHashSet();
        Ns.NftLoad(ruleset);
        var tables = Session.Nft.ListTables().Where(t => !before.Contains((t.Family, t.Name))).ToList();
        var unmarked = new NftTransaction();
        foreach (NftTable table in tables)
        {
            unmarked.DeleteTable(table);
        }

        Session.Nft.Commit(unmarked);
        var marked = new NftTransaction();
        foreach (NftTable table in tables)
        {
            marked.AddTable(new NftTable(table.Family, table.Name) { Comment = table.Comment, Flags = table.Flags, Manager = Design.Manager });
        }

        Session.Nft.Commit(marked);
        Ns.NftLoad(ruleset);
    }

    /// <summary>The whole ruleset as nft lists it: what "nothing changed" is checked against.</summary>
    protected string Ruleset() => Ns.Nft("list", "ruleset");

    public void Dispose()
    {
        Session.Dispose();
        Ns.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Runs <paramref name="action"/>, which must fail with the given id and category, and checks the ruleset did not change.</summary>
    internal HostAccelException FailsAndChangesNothing(Action action, string errorId, FailureKind kind)
    {
        string before = Ruleset();
        HostAccelException failure = Assert.Throws<HostAccelException>(action);
        Assert.Equal(errorId, failure.ErrorId);
        Assert.Equal(kind, failure.Kind);
        Assert.Equal(before, Ruleset());
        return failure;
    }

    protected static string Fold(string text) =>
        string.Join(' ', text.Split((char[])[' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
}
