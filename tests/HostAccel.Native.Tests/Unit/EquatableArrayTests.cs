using HostAccel.Native.Nftables;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>Records holding an <see cref="EquatableArray{T}"/> compare, hash and print by the items.</summary>
public class EquatableArrayTests
{
    [Fact]
    public void ArraysWithTheSameItemsAreEqualAndHashAlike()
    {
        EquatableArray<int> a = new[] { 1, 2, 3 };
        EquatableArray<int> b = new EquatableArray<int>(new List<int> { 1, 2, 3 });
        Assert.True(a == b);
        Assert.False(a != b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void ArraysWithOtherItemsAreUnequalAndHashApart()
    {
        EquatableArray<int> a = new[] { 1, 2, 3 };
        EquatableArray<int> b = new[] { 1, 2, 4 };
        Assert.True(a != b);
        Assert.False(a == b);
        Assert.NotEqual(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(new EquatableArray<string>(["x"]).GetHashCode(), new EquatableArray<string>(["y"]).GetHashCode());
    }

    [Fact]
    public void TheDefaultValueIsTheEmptyArray()
    {
        EquatableArray<int> none = default;
        Assert.True(none == Array.Empty<int>());
        Assert.Empty(none);
        Assert.Equal("[]", none.ToString());
    }

    [Fact]
    public void ToStringListsTheItems()
    {
        Assert.Equal("[1, 2, 3]", new EquatableArray<int>([1, 2, 3]).ToString());
        Assert.Equal("[eth0, antrea-gw0]", new EquatableArray<string>(["eth0", "antrea-gw0"]).ToString());
    }
}
