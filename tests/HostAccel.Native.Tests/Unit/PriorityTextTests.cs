using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>
/// Chain and flowtable priorities as nft prints them (a standard name the hook allows, a name with a small offset, or
/// a number) and as nft accepts them back.
/// </summary>
public class PriorityTextTests
{
    [Theory]
    [InlineData(-300, ChainHook.Prerouting, "raw")]
    [InlineData(-150, ChainHook.Prerouting, "mangle")]
    [InlineData(-100, ChainHook.Prerouting, "dstnat")]
    [InlineData(0, ChainHook.Prerouting, "filter")]
    [InlineData(50, ChainHook.Prerouting, "security")]
    [InlineData(100, ChainHook.Prerouting, "100")]
    [InlineData(-300, ChainHook.Postrouting, "raw")]
    [InlineData(-150, ChainHook.Postrouting, "mangle")]
    [InlineData(-100, ChainHook.Postrouting, "-100")]
    [InlineData(0, ChainHook.Postrouting, "filter")]
    [InlineData(50, ChainHook.Postrouting, "security")]
    [InlineData(100, ChainHook.Postrouting, "srcnat")]
    [InlineData(-300, ChainHook.Forward, "raw")]
    [InlineData(-150, ChainHook.Forward, "mangle")]
    [InlineData(-100, ChainHook.Forward, "-100")]
    [InlineData(0, ChainHook.Forward, "filter")]
    [InlineData(50, ChainHook.Forward, "security")]
    [InlineData(100, ChainHook.Forward, "100")]
    [InlineData(-300, null, "-300")]
    [InlineData(0, null, "filter")]
    [InlineData(50, null, "50")]
    public void APriorityIsPrintedAsTheStandardNameTheHookAllows(int priority, ChainHook? hook, string expected) =>
        Assert.Equal(expected, NftText.Priority(priority, hook));

    [Theory]
    [InlineData(-305, ChainHook.Prerouting, "raw - 5")]
    [InlineData(-140, ChainHook.Prerouting, "mangle + 10")]
    [InlineData(-101, ChainHook.Prerouting, "dstnat - 1")]
    [InlineData(1, ChainHook.Forward, "filter + 1")]
    [InlineData(-10, ChainHook.Forward, "filter - 10")]
    [InlineData(-11, ChainHook.Forward, "-11")]
    [InlineData(110, ChainHook.Postrouting, "srcnat + 10")]
    [InlineData(int.MinValue, ChainHook.Forward, "-2147483648")]
    public void APriorityNearAStandardOneIsPrintedAsANameAndAnOffsetOfAtMostTen(int priority, ChainHook? hook, string expected) =>
        Assert.Equal(expected, NftText.Priority(priority, hook));

    [Theory]
    [InlineData("0", 0)]
    [InlineData("-5", -5)]
    [InlineData("+7", 7)]
    [InlineData("raw", -300)]
    [InlineData("mangle", -150)]
    [InlineData("dstnat", -100)]
    [InlineData("filter", 0)]
    [InlineData("security", 50)]
    [InlineData("srcnat", 100)]
    [InlineData("FILTER", 0)]
    [InlineData("filter + 5", 5)]
    [InlineData("filter - 5", -5)]
    [InlineData("dstnat - 10", -110)]
    [InlineData("srcnat + 3", 103)]
    [InlineData("  mangle   +  2 ", -148)]
    public void APriorityIsReadAsANumberOrAStandardNameWithAnOffset(string text, int expected)
    {
        Assert.True(NftText.TryParsePriority(text, out int priority));
        Assert.Equal(expected, priority);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("bogus")]
    [InlineData("bogus + 5")]
    [InlineData("filter * 5")]
    [InlineData("filter + x")]
    [InlineData("filter + -5")]
    [InlineData("filter +")]
    [InlineData("filter + 5 6")]
    [InlineData("srcnat -5")]
    [InlineData("5 + 5")]
    public void AnythingElseIsNotAPriority(string? text)
    {
        Assert.False(NftText.TryParsePriority(text, out int priority));
        Assert.Equal(0, priority);
    }

    /// <summary>What is printed reads back as the same number.</summary>
    [Theory]
    [InlineData(ChainHook.Prerouting)]
    [InlineData(ChainHook.Postrouting)]
    [InlineData(ChainHook.Forward)]
    [InlineData(null)]
    public void EveryPrintedPriorityReadsBack(ChainHook? hook)
    {
        for (int priority = -320; priority <= 120; priority++)
        {
            Assert.True(NftText.TryParsePriority(NftText.Priority(priority, hook), out int read));
            Assert.Equal(priority, read);
        }
    }
}
