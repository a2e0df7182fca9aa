using HostAccel.Native.Interop;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;
using HostAccel.PowerShell.Engine;
using HostAccel.PowerShell.Model;
using Xunit;

namespace HostAccel.PowerShell.Tests.Unit;

/// <summary>
/// The checks every cmdlet's names go through, by their exact refusals: object names at the length limit,
/// device names, comments; the wildcard patterns (escapes, ranges, two sets); a prefix of the wrong family; and a
/// table that is not HostAccel's.
/// </summary>
public sealed class NameGlobAndOwnershipEdgeTests
{
    [Fact]
    public void ANameOfExactlyTheLimitIsTaken()
    {
        Names.Object("TableName", new string('a', Names.MaxObjectName));
        HostAccelException failure = Assert.Throws<HostAccelException>(() => Names.Object("TableName", new string('a', Names.MaxObjectName + 1)));
        Assert.Equal("TableName is 256 bytes: nf_tables names have at most 255", failure.Message);
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("eth/0")]
    [InlineData("eth 0")]
    public void ANameNoDeviceCanHaveIsRefused(string name)
    {
        HostAccelException failure = Assert.Throws<HostAccelException>(() => Names.Device("GatewayInterface", name));
        Assert.Equal((ErrorIds.InvalidArgument, FailureKind.InvalidArgument, (object?)name), (failure.ErrorId, failure.Kind, failure.TargetObject));
        Assert.Equal($"GatewayInterface: '{name}' is not a device name: 1 to 15 bytes (IFNAMSIZ less its NUL) without '/', ':' or spaces", failure.Message);
    }

    [Fact]
    public void AnEmptyDeviceNameIsRefused() =>
        Assert.Equal("TransportInterface is empty: a device name has 1 to 15 bytes", Assert.Throws<HostAccelException>(() => Names.Device("TransportInterface", "")).Message);

    [Fact]
    public void AFamilyHostAccelDoesNotManageIsNamed() =>
        Assert.StartsWith("HostAccel does not manage bridge tables", Assert.Throws<ArgumentOutOfRangeException>(() => NftFamily.Bridge.ToModel()).Message);

    [Fact]
    public void ADeviceNameWithADotIsTaken() => Names.Device("GatewayInterface", "eth0.100");

    public static TheoryData<string, string> CommentRefusals() => new()
    {
        { "\u0001starts with a control", "Comment \"\\x01starts with a control\" is not a comment HostAccel writes: character 1 is the control character U+0001, which nft cannot write and would break the printed statement" },
        { new string('c', 129), "Comment is 129 bytes; nft keeps comments of at most 128 bytes" },
    };

    [Theory]
    [MemberData(nameof(CommentRefusals))]
    public void ACommentNftCannotKeepIsRefused(string comment, string message)
    {
        HostAccelException failure = Assert.Throws<HostAccelException>(() => Names.NewTable("t", comment));
        Assert.Equal((ErrorIds.InvalidArgument, (object?)comment), (failure.ErrorId, failure.TargetObject));
        Assert.Equal(message, failure.Message);
    }

    [Fact]
    public void ACommentOfExactlyTheLimitIsTaken() => Names.Comment("Comment", new string('c', 128));

    [Fact]
    public void APeerPodCidrCallsNamesAreCheckedByParameter()
    {
        Assert.Equal("SetName is empty: a name has 1 to 255 bytes", Assert.Throws<HostAccelException>(() => Names.PeerPodCidr("t", " ", null)).Message);
        Assert.Equal("TableName is empty: a name has 1 to 255 bytes", Assert.Throws<HostAccelException>(() => Names.PeerPodCidr("", "s", null)).Message);
        string quoted = Assert.Throws<HostAccelException>(() => Names.PeerPodCidr("t", "s", "a\"b")).Message;
        Assert.StartsWith("SetComment ", quoted);
        Assert.EndsWith(" is not a comment HostAccel writes: character 2 is a double quote, which nft cannot write inside a name or comment", quoted);
    }

    [Fact]
    public void NullArgumentsAreRefusedAsSuch()
    {
        Assert.Throws<ArgumentNullException>(() => Names.Check(null!));
        Assert.Throws<ArgumentNullException>(() => Glob.HasWildcards(null!));
        Assert.Throws<ArgumentNullException>(() => Glob.Unescape(null!));
        Assert.Throws<ArgumentNullException>(() => Glob.IsMatch(null!, "x"));
        Assert.Throws<ArgumentNullException>(() => Ownership.IsOwned(null!));
    }

    [Theory]
    [InlineData("`*", false)]
    [InlineData("a`[b", false)]
    [InlineData("``*", true)]
    [InlineData("a*", true)]
    public void AnEscapedWildcardIsNone(string pattern, bool wildcards) => Assert.Equal(wildcards, Glob.HasWildcards(pattern));

    [Theory]
    [InlineData("``", "`")]
    [InlineData("`a", "`a")]
    [InlineData("`*x", "*x")]
    [InlineData("a`", "a`")]
    public void UnescapeKeepsWhatIsNotAnEscape(string pattern, string name) => Assert.Equal(name, Glob.Unescape(pattern));

    [Theory]
    [InlineData("`a", "`a", true)]
    [InlineData("xa", "*a", true)]
    [InlineData("aa", "[ab][cd]", false)]
    [InlineData("bd", "[ab][cd]", true)]
    [InlineData("ay", "[ab][x-z]", true)]
    [InlineData("a", "[a-a]", true)]
    [InlineData("ab`", "a?`", true)]
    public void APatternMatchesAsPowerShellsWildcards(string value, string pattern, bool matches) =>
        Assert.Equal(matches, Glob.IsMatch(value, pattern));

    public static TheoryData<string, AccelFamily[], string> WrongFamilies() => new()
    {
        { "fd00:10:244:1::/64", [AccelFamily.Ip], "fd00:10:244:1::/64 is an IPv6 prefix and belongs in an ip6 table, not ip" },
        { "10.244.1.0/24", [AccelFamily.Ip6], "10.244.1.0/24 is an IPv4 prefix and belongs in an ip table, not ip6" },
    };

    [Theory]
    [MemberData(nameof(WrongFamilies))]
    public void APrefixOfAFamilyNotAskedForIsRefused(string text, AccelFamily[] requested, string message)
    {
        HostAccelException failure = Assert.Throws<HostAccelException>(() => Families.ForPrefix(IpPrefix.Parse(text), requested, text));
        Assert.Equal((ErrorIds.WrongFamily, FailureKind.InvalidArgument, (object?)text, message), (failure.ErrorId, failure.Kind, failure.TargetObject, failure.Message));
    }

    [Fact]
    public void APrefixGoesInItsOwnFamilyWhenItIsAmongThoseAskedOrNoneIs()
    {
        IpPrefix v4 = IpPrefix.Parse("10.244.1.0/24");
        Assert.Equal(NftFamily.Ip, Families.ForPrefix(v4, [], "10.244.1.0/24"));
        Assert.Equal(NftFamily.Ip, Families.ForPrefix(v4, null, "10.244.1.0/24"));
        Assert.Equal(NftFamily.Ip, Families.ForPrefix(v4, [AccelFamily.Ip6, AccelFamily.Ip], "10.244.1.0/24"));
    }

    [Fact]
    public void ATableNotHostAccelsIsRefusedSayingWhoseItIs()
    {
        HostAccelException other = Assert.Throws<HostAccelException>(() => Ownership.Require(new NftTable(NftFamily.Ip, "antrea") { Manager = "kube-proxy" }, force: false));
        Assert.Equal((ErrorIds.TableNotOwned, FailureKind.InvalidOperation), (other.ErrorId, other.Kind));
        Assert.Equal("table ip antrea was not created by HostAccel (it is marked as managed by \"kube-proxy\"): it is left alone unless -Force is given", other.Message);

        HostAccelException unmarked = Assert.Throws<HostAccelException>(() => Ownership.Require(new NftTable(NftFamily.Ip6, "antrea") { Comment = "HostAccel" }, force: false));
        Assert.Equal("table ip6 antrea was not created by HostAccel (it carries no HostAccel mark; its comment does not make it HostAccel's): it is left alone unless -Force is given", unmarked.Message);
    }
}
