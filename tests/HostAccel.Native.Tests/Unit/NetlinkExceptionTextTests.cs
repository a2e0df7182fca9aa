using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>The text of a kernel error: operation, errno, the kernel's extended ACK and the modules it lacks.</summary>
public class NetlinkExceptionTextTests
{
    [Fact]
    public void WithoutMissingModulesTheListIsEmptyAndUnmentioned()
    {
        var error = new NetlinkException(Errno.ENOENT, "deleting table ip t");
        Assert.Empty(error.MissingModules);
        Assert.Equal("deleting table ip t: No such file or directory (ENOENT)", error.Message);

        var empty = new NetlinkException(Errno.ENOENT, "deleting table ip t", missingModules: []);
        Assert.Equal("deleting table ip t: No such file or directory (ENOENT)", empty.Message);
    }

    [Fact]
    public void MissingModulesAreNamedWithTheCommandThatLoadsThem()
    {
        var error = new NetlinkException(Errno.ENOENT, "adding filter", "unknown", missingModules: ["cls_flower", "act_pedit"]);
        Assert.Equal(["cls_flower", "act_pedit"], error.MissingModules);
        Assert.Equal("adding filter: No such file or directory (ENOENT): unknown; this kernel has no cls_flower, act_pedit (modprobe cls_flower act_pedit)", error.Message);
    }
}
