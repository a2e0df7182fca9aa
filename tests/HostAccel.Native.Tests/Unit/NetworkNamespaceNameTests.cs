using HostAccel.Native.Interop;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>Which names stand for a file of /run/netns, and which are refused before any system call.</summary>
public class NetworkNamespaceNameTests
{
    [Fact]
    public void ANameIsAFileOfRunNetns() =>
        Assert.Equal("/run/netns/blue", NetworkNamespace.PathOf("blue"));

    [Theory]
    [InlineData("a/b")]
    [InlineData("../etc")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a\0b")]
    public void ANameThatCouldLeaveRunNetnsIsRefusedSayingSo(string name)
    {
        ArgumentException failure = Assert.Throws<ArgumentException>(() => NetworkNamespace.PathOf(name));
        Assert.Equal("name", failure.ParamName);
        Assert.Equal($"'{name}' is not a network namespace name. (Parameter 'name')", failure.Message);
    }

    [Fact]
    public void ANullOrEmptyNameIsRefusedNamingTheParameter()
    {
        Assert.Equal("name", Assert.Throws<ArgumentNullException>(() => NetworkNamespace.PathOf(null!)).ParamName);
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => NetworkNamespace.PathOf("")).ParamName);
    }
}
