using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;
using Xunit;

namespace HostAccel.Native.Tests.Unit;

/// <summary>
/// One quoting function for every name and string in printed statements: plain words as nft prints them, anything
/// else double-quoted, with what nft cannot hold inside quotes escaped so that no statement can become two.
/// </summary>
public class NftTextTests
{
    [Theory]
    [InlineData("antrea", "antrea")]
    [InlineData("peer-pod-cidr", "peer-pod-cidr")]
    [InlineData("eth0.100", "eth0.100")]
    [InlineData("_x/y", "_x/y")]
    [InlineData(".hidden", ".hidden")]
    [InlineData("a b", "\"a b\"")]
    [InlineData("9lives", "\"9lives\"")]
    [InlineData("a;b", "\"a;b\"")]
    [InlineData("a{b}", "\"a{b}\"")]
    [InlineData("a#b", "\"a#b\"")]
    [InlineData("a*", "\"a*\"")]
    [InlineData("", "\"\"")]
    [InlineData("é", "\"é\"")]
    [InlineData("x\nflush ruleset\n#", "\"x\\nflush ruleset\\n#\"")]
    [InlineData("a\"; flush ruleset; \"", "\"a\\x22; flush ruleset; \\x22\"")]
    [InlineData("a\0b", "\"a\\x00b\"")]
    [InlineData("a\\b\"", "\"a\\\\b\\x22\"")]
    [InlineData("tab\there\r", "\"tab\\there\\r\"")]
    [InlineData("rtl\u202Eevil", "\"rtl\\u{202e}evil\"")]
    [InlineData("line\u2028sep", "\"line\\u{2028}sep\"")]
    public void NamesArePlainWordsOrQuotedWithEscapes(string name, string expected) => Assert.Equal(expected, NftText.Name(name));

    [Theory]
    [InlineData("Rules for Antrea", "\"Rules for Antrea\"")]
    [InlineData("C:\\path", "\"C:\\path\"")]
    [InlineData("😀 ok", "\"😀 ok\"")]
    public void CommentsAreQuotedExactlyAsNftWritesThemWhenNftCan(string comment, string expected) => Assert.Equal(expected, NftText.Quote(comment));

    [Fact]
    public void HalfASurrogatePairIsEscaped() => Assert.Equal("\"lone \\u{d800} half\"", NftText.Quote("lone \ud800 half"));

    [Fact]
    public void ASurrogatePairStaysWholeWhenAnotherCharacterIsEscaped() =>
        Assert.Equal("\"😀\\n😀\"", NftText.Quote("😀\n😀"));

    [Theory]
    [InlineData("", -1)]
    [InlineData("plain text", -1)]
    [InlineData("😀", -1)]
    [InlineData("a😀b😀", -1)]
    [InlineData("😀\"", 2)]
    [InlineData("a\nb", 1)]
    [InlineData("ab\u202E", 2)]
    [InlineData("back\\slash", -1)]
    public void IndexOfUnwritableSkipsWholeSurrogatePairsAndFindsTheFirstCharacterNftCannotWrite(string text, int index) =>
        Assert.Equal(index, NftText.IndexOfUnwritable(text));

    /// <summary>Lone surrogates in a [Fact]: xunit passes theory strings as UTF-8, which has no lone surrogates.</summary>
    [Fact]
    public void IndexOfUnwritableFindsAHalfSurrogatePair()
    {
        Assert.Equal(2, NftText.IndexOfUnwritable("😀\ud800"));
        Assert.Equal(1, NftText.IndexOfUnwritable("x\udc00😀"));
        Assert.Equal(0, NftText.IndexOfUnwritable("\udc00\ud800"));
    }

    [Fact]
    public void NullTextsAreRefusedNamingTheArgument()
    {
        Assert.Equal("name", Assert.Throws<ArgumentNullException>(() => NftText.Name(null!)).ParamName);
        Assert.Equal("text", Assert.Throws<ArgumentNullException>(() => NftText.Quote(null!)).ParamName);
        Assert.Equal("text", Assert.Throws<ArgumentNullException>(() => NftText.IndexOfUnwritable(null!)).ParamName);
    }

    /// <summary>Whatever the text, the quoted form is one line with exactly two double quotes: the ones around it.</summary>
    [Fact]
    public void QuotedTextIsAlwaysOneLineWithTwoQuotes()
    {
        var random = new Random(19);
        for (int i = 0; i < 2000; i++)
        {
            char[] chars = new char[random.Next(0, 12)];
            for (int j = 0; j < chars.Length; j++)
            {
                const string awkward = "\"\\\n\r\t\0;#{}\u2028\u202E\ud800";
                chars[j] = random.Next(4) == 0 ? awkward[random.Next(awkward.Length)] : (char)random.Next(0, 0x3000);
            }

            string quoted = NftText.Quote(new string(chars));
            Assert.Equal(2, quoted.Count(c => c == '"'));
            Assert.DoesNotContain(quoted, c => char.IsControl(c) || c is '\u2028' or '\u2029');
            Assert.StartsWith("\"", quoted, StringComparison.Ordinal);
            Assert.EndsWith("\"", quoted, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EveryObjectAndRuleRendersItsNamesThroughTheQuotingFunction()
    {
        const string evil = "x\nflush ruleset\n#";
        Assert.Equal("table ip \"x\\nflush ruleset\\n#\" { comment \"a\\x22b\"; }", new NftTable(NftFamily.Ip, evil) { Comment = "a\"b" }.ToString());
        Assert.Equal("chain ip \"x\\nflush ruleset\\n#\" \"c d\"", new NftChain(NftFamily.Ip, evil, "c d").ToString());
        Assert.Equal("set ip t \"s\\nx\" { type ipv4_addr; }", new NftSet(NftFamily.Ip, "t", "s\nx", SetKeyType.Ipv4Address).ToString());
        Assert.Equal("flowtable ip t \"f;\" { hook ingress priority filter; devices = { eth0, \"a b\" }; }",
            new NftFlowtable(NftFamily.Ip, "t", "f;") { Devices = new[] { "eth0", "a b" } }.ToString());
        var rule = new NftRule(NftFamily.Ip, evil, "c\n", new Expression[]
        {
            new MetaExpression(MetaKey.IifName),
            new CmpExpression(Register.R1, CmpOp.Eq, System.Text.Encoding.UTF8.GetBytes("eth\"0\0")),
            new FlowOffloadExpression("ft\n"),
            new ImmediateExpression(VerdictCode.Jump, "j k"),
        }) { Comment = "c\r" };
        Assert.Equal("rule ip \"x\\nflush ruleset\\n#\" \"c\\n\" iifname \"eth\\x220\" flow add @\"ft\\n\" jump \"j k\" comment \"c\\r\"", rule.ToString());

        string[] statements =
        [
            NftStatements.DeleteTable(new NftTable(NftFamily.Ip, evil)),
            NftStatements.DeleteChain(new NftChain(NftFamily.Ip, evil, "c\n")),
            NftStatements.DeleteSet(new NftSet(NftFamily.Ip, evil, "s\n", SetKeyType.Ipv4Address)),
            NftStatements.FlushSet(new NftSet(NftFamily.Ip, evil, "s\n", SetKeyType.Ipv4Address)),
            NftStatements.Elements(add: true, new NftSet(NftFamily.Ip, evil, "s\n", SetKeyType.Ipv4Address) { Flags = SetFlags.Interval }, [IpPrefix.Parse("10.0.0.0/8")]),
            NftStatements.DeleteFlowtable(new NftFlowtable(NftFamily.Ip, evil, "f\n")),
            NftStatements.DeleteFlowtableDevices(new NftFlowtable(NftFamily.Ip, evil, "f\n"), ["a\nb"]),
            NftStatements.DeleteRule(rule with { Handle = 7 }),
            NftStatements.ReplaceRule(rule with { Handle = 7 }, null),
            NftStatements.InsertRule(rule, 7, null),
        ];
        Assert.All(statements, s => Assert.DoesNotContain('\n', s));
        Assert.All(statements, s => Assert.DoesNotContain(evil, s, StringComparison.Ordinal));
    }
}
