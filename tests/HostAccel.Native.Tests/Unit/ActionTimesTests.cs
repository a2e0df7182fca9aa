using HostAccel.Native.Netlink;
using HostAccel.Native.TrafficControl.Actions;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>
/// struct tcf_t as an action reports it (TCA_GACT_TM and its kin): ages in hundredths of a second, no first use
/// while the action has seen no packet, and an age no TimeSpan holds refused rather than wrapped.
/// </summary>
public class ActionTimesTests
{
    private const ulong LongestAge = 92_233_720_368_547; // long.MaxValue ticks, in hundredths of a second

    private static TcActionTimes? Times(byte[] tm) =>
        ActionBytes.DecodeOne("gact", o =>
        {
            o.WriteBytes(1, tm); // TCA_GACT_TM
            o.WriteBytes(2, ActionBytes.Gen(new TcGen(1, 0, TcControl.Ok, 1, 1)));
        }).State!.Times;

    [Fact]
    public void AgesAreReadInHundredthsOfASecond()
    {
        Assert.Equal(
            new TcActionTimes(TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(3)),
            Times(ActionBytes.Times(150, 250, 0, 300)));
    }

    [Fact]
    public void AnActionThatSawNoPacketHasNoFirstUse()
    {
        Assert.Equal(new TcActionTimes(TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(7), null), Times(ActionBytes.Times(700, 700, 0, 0)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(24)]
    [InlineData(31)]
    public void ATimesAttributeShorterThanATcfTIsIgnored(int length)
    {
        Assert.Null(Times(ActionBytes.Times(150, 250, 0, 300)[..length]));
    }

    [Fact]
    public void ALongerTimesAttributeIsReadFromItsFirstThirtyTwoBytes()
    {
        byte[] tm = [.. ActionBytes.Times(100, 200, 0, 300), 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        Assert.Equal(new TcActionTimes(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3)), Times(tm));
    }

    [Fact]
    public void TheLongestAgeATimeSpanHoldsIsRead()
    {
        TimeSpan longest = TimeSpan.FromTicks((long)LongestAge * 100_000);
        Assert.Equal(new TcActionTimes(longest, longest, longest), Times(ActionBytes.Times(LongestAge, LongestAge, 0, LongestAge)));
    }

    [Theory]
    [InlineData(LongestAge + 1, 0UL, 0UL)]
    [InlineData(0UL, LongestAge + 1, 0UL)]
    [InlineData(0UL, 0UL, LongestAge + 1)]
    [InlineData(0UL, 0UL, ulong.MaxValue)]
    public void AnAgeNoTimeSpanHoldsIsRefused(ulong install, ulong lastUse, ulong firstUse)
    {
        NetlinkDecodeException error = Assert.Throws<NetlinkDecodeException>(() => Times(ActionBytes.Times(install, lastUse, 0, firstUse)));
        Assert.Equal($"malformed netlink reply: an action age of {Math.Max(install, Math.Max(lastUse, firstUse))} hundredths of a second", error.Message);
    }
}
