using HostAccel.Native.Interop;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>
/// What a name of /run/netns stands for, and how entering it fails: a missing name, a file that is no namespace or a
/// namespace of another kind, a thread without CAP_SYS_ADMIN.
/// </summary>
public sealed class NetworkNamespaceTests : IDisposable
{
    private readonly TestNamespace _ns = new();

    public void Dispose() => _ns.Dispose();

    /// <summary>The identity is the inode of the namespace, as /proc/self/ns/net inside it shows ("net:[INODE]").</summary>
    [Fact]
    public void TheIdentityOfANamespaceIsItsInode()
    {
        string link = _ns.Exec("readlink", "/proc/self/ns/net").Trim();
        Assert.Equal(link, $"net:[{NetworkNamespace.Identity(_ns.Name)}]");
        Assert.Null(NetworkNamespace.Identity($"ha-missing-{Guid.NewGuid():N}"[..22]));
    }

    [Fact]
    public void AMissingNamespaceIsENOENTWithTheAdviceToListThem()
    {
        string name = $"ha-missing-{Guid.NewGuid():N}"[..22];
        SystemCallException failure = Assert.Throws<SystemCallException>(() => NetworkNamespace.Run(name, () => 0));
        Assert.Equal(KernelReason.NamespaceNotFound, failure.Reason);
        Assert.Equal(
            $"open (network namespace '{name}' at /run/netns/{name}) failed: {ErrnoText.Message(Errno.ENOENT)} (ENOENT). ip netns list shows the named network namespaces",
            failure.Message);
    }

    /// <summary>Another failure of open (here a symbolic link to itself) is no missing namespace and carries no advice.</summary>
    [Fact]
    public void ANameThatCannotBeOpenedForAnotherReasonCarriesNoReason()
    {
        string name = $"ha-loop-{Guid.NewGuid():N}"[..20];
        string path = Path.Combine(NetworkNamespace.RunDirectory, name);
        File.CreateSymbolicLink(path, path);
        try
        {
            SystemCallException failure = Assert.Throws<SystemCallException>(() => NetworkNamespace.Run(name, () => 0));
            Assert.Equal(Errno.ELOOP, failure.Errno);
            Assert.Equal(KernelReason.None, failure.Reason);
            Assert.Equal($"open (network namespace '{name}' at {path}) failed: {ErrnoText.Message(Errno.ELOOP)} (ELOOP)", failure.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void APlainFileIsRefusedAsNotMadeByIpNetnsAdd()
    {
        string name = $"ha-plain-{Guid.NewGuid():N}"[..20];
        string path = Path.Combine(NetworkNamespace.RunDirectory, name);
        File.WriteAllText(path, "");
        try
        {
            ArgumentException failure = Assert.Throws<ArgumentException>(() => NetworkNamespace.Run(name, () => 0));
            Assert.Equal("name", failure.ParamName);
            Assert.Equal($"'{name}' is not a network namespace: {path} is a plain file, not one that ip netns add made (Parameter 'name')", failure.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A link to this process's UTS namespace opens as a namespace, of type CLONE_NEWUTS (0x04000000).</summary>
    [Fact]
    public void ANamespaceOfAnotherKindIsRefusedWithItsType()
    {
        string name = $"ha-uts-{Guid.NewGuid():N}"[..20];
        string path = Path.Combine(NetworkNamespace.RunDirectory, name);
        File.CreateSymbolicLink(path, "/proc/self/ns/uts");
        try
        {
            ArgumentException failure = Assert.Throws<ArgumentException>(() => NetworkNamespace.Run(name, () => 0));
            Assert.Equal("name", failure.ParamName);
            Assert.Equal($"'{name}' is not a network namespace: {path} is a namespace of another kind (CLONE_NEW* 0x4000000) (Parameter 'name')", failure.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Opening the namespace needs no capability; entering it (setns) needs CAP_SYS_ADMIN, and the error says so.</summary>
    [Fact]
    public void EnteringANamespaceWithoutCapSysAdminIsEPERMWithTheAdvice()
    {
        bool ran = false;
        Exception? failure = ThreadCapabilities.RunWithout(ThreadCapabilities.CAP_SYS_ADMIN, () => Record.Exception(() => NetworkNamespace.Run(_ns.Name, () => ran = true)));

        Assert.False(ran);
        SystemCallException error = Assert.IsType<SystemCallException>(failure);
        Assert.Equal("setns", error.Call);
        Assert.Equal(Errno.EPERM, error.Errno);
        Assert.Equal(KernelReason.SysAdminRequired, error.Reason);
        Assert.Equal(
            $"setns (network namespace '{_ns.Name}') failed: {ErrnoText.Message(Errno.EPERM)} (EPERM). Entering a named network namespace requires CAP_SYS_ADMIN",
            error.Message);
    }
}
