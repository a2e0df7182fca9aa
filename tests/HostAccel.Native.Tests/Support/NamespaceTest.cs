using HostAccel.Native.Nftables;

namespace HostAccel.Native.Tests.Support;

/// <summary>A test class with its own throwaway namespace and a connection to nf_tables inside it.</summary>
public abstract class NamespaceTest : IDisposable
{
    protected NamespaceTest()
    {
        Ns = new TestNamespace();
        Nft = NftConnection.Open(Ns.Name);
    }

    protected TestNamespace Ns { get; }

    protected NftConnection Nft { get; }

    public void Dispose()
    {
        Nft.Dispose();
        Ns.Dispose();
        GC.SuppressFinalize(this);
    }
}
