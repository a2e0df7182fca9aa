using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Expressions;
using HostAccel.Native.Nftables.Objects;
using HostAccel.Native.Tests.Support;
using Xunit;

namespace HostAccel.Native.Tests.Kernel;

/// <summary>
/// Issue 19: `New-AccelTable -Name "x`nflush ruleset`n#" -WhatIf` printed a statement that nft ran, `flush ruleset`
/// included. Objects whose names nft cannot write are made here through netlink (as any other writer could), and every
/// statement HostAccel would print about them is pasted into nft — whole with `nft -f` and line by line with
/// `nft -i` — next to a marker table: nft refuses each, and the ruleset stays byte-identical.
/// </summary>
public sealed class StatementSafetyTests : NamespaceTest
{
    public static TheoryData<string> HostileNames => new(
        "x\nflush ruleset\n#",
        "a\"; flush ruleset; \"",
        "a;flush ruleset",
        "b\rflush ruleset",
        "c } ; flush ruleset ; table ip d {");

    [Theory]
    [MemberData(nameof(HostileNames))]
    public void EveryStatementAboutAnObjectWithAHostileNameIsRefusedWholeWhenPasted(string name)
    {
        Ns.NftLoad("table ip marker { chain keep { type filter hook input priority 0; policy accept; counter; }; }");
        var create = new NftTransaction();
        var table = new NftTable(NftFamily.Ip, name) { Comment = name };
        var set = new NftSet(NftFamily.Ip, name, name, SetKeyType.Ipv4Address) { Flags = SetFlags.Interval, Comment = name };
        var chain = new NftChain(NftFamily.Ip, name, name) { Comment = name };
        create.AddTable(table);
        create.AddSet(set);
        create.AddChain(chain);
        create.AddRule(new NftRule(NftFamily.Ip, name, name, new Expression[] { new CounterExpression() }) { Comment = name });
        Nft.Commit(create);
        string before = Ns.Nft("-j", "list", "ruleset");

        NftTable read = Assert.Single(Nft.ListTables(), t => t.Name == name);
        NftSet readSet = Assert.Single(Nft.ListSets(NftFamily.Ip, name));
        NftChain readChain = Assert.Single(Nft.ListChains(NftFamily.Ip, name));
        NftRule readRule = Assert.Single(Nft.ListRules(NftFamily.Ip, name, name));
        string[] statements =
        [
            NftStatements.AddTable(read),
            NftStatements.AddSet(readSet),
            NftStatements.AddChain(readChain),
            NftStatements.AddRule(readRule, null),
            NftStatements.InsertRule(readRule, readRule.Handle, null),
            NftStatements.ReplaceRule(readRule, null),
            NftStatements.Elements(add: true, readSet, [IpPrefix.Parse("10.0.0.0/8")]),
            NftStatements.Elements(add: false, readSet, [IpPrefix.Parse("10.0.0.0/8")]),
            NftStatements.FlushSet(readSet),
            NftStatements.DeleteRule(readRule),
            NftStatements.DeleteSet(readSet),
            NftStatements.DeleteChain(readChain),
            NftStatements.DeleteTable(read),
        ];

        foreach (string statement in statements)
        {
            Assert.DoesNotContain('\n', statement);
            Assert.DoesNotContain('\r', statement);
            Assert.False(Paste(statement, "-f"), $"nft -f ran: {statement}");
            Paste(statement, "-i");
            Assert.Equal(before, Ns.Nft("-j", "list", "ruleset"));
        }
    }

    /// <summary>Writes the statement to a file and feeds it to nft in the namespace; whether nft succeeded.</summary>
    private bool Paste(string statement, string mode)
    {
        string file = Path.Combine(Path.GetTempPath(), $"{Ns.Name}.paste");
        File.WriteAllText(file, statement + "\n");
        try
        {
            return mode == "-f"
                ? Shell.Execute("ip", "netns", "exec", Ns.Name, "nft", "-f", file).Code == 0
                : Shell.Execute("ip", "netns", "exec", Ns.Name, "sh", "-c", $"nft -i < {file}").Code == 0;
        }
        finally
        {
            File.Delete(file);
        }
    }
}
