using HostAccel.Native.Interop;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>How an errno is named in messages.</summary>
public class ErrnoTextTests
{
    [Fact]
    public void AListedErrnoIsNamedByItsCName()
    {
        Assert.Equal("ENOENT", ErrnoText.Name(Errno.ENOENT));
        Assert.Equal("EHOSTUNREACH", ErrnoText.Name(Errno.EHOSTUNREACH));
    }

    [Fact]
    public void AnErrnoTheEnumDoesNotListIsNamedByItsNumber()
    {
        Assert.Equal("errno 8", ErrnoText.Name((Errno)8)); // ENOEXEC, not listed
        Assert.Equal("errno 1234", ErrnoText.Name((Errno)1234));
    }
}
