using HostAccel.Native;
using HostAccel.Native.Interop;
using HostAccel.Native.Netlink;
using HostAccel.Native.Nftables;
using HostAccel.Native.Nftables.Objects;

namespace HostAccel.VmChecks;

/// <summary>The flowtable half of the native layer's real-kernel tests, which this host's kernel cannot run.</summary>
internal static class FlowtableChecks
{
    public static void Run(Report report)
    {
        string ns = $"vmc-ft-{Environment.ProcessId}";
        Sh.Run("ip", "netns", "add", ns);
        try
        {
            foreach ((string dev, string peer) in new[] { ("antrea-gw0", "gw-peer"), ("eth0", "eth0-peer"), ("eth1", "eth1-peer"), ("eth2", "eth2-peer"), ("eth3", "eth3-peer") })
            {
                Sh.In(ns, "ip", "link", "add", dev, "type", "veth", "peer", "name", peer);
                Sh.In(ns, "ip", "link", "set", dev, "up");
                Sh.In(ns, "ip", "link", "set", peer, "up");
            }

            KernelSupportReport support = KernelSupport.Probe(ns);
            report.Check(support.Flowtable, "probe: flowtables supported", string.Join("; ", support.Reasons));
            report.Check(support.FlowtableCounter, "probe: flowtable counter flag supported", string.Join("; ", support.Reasons));
            report.Check(Sh.In(ns, "nft", "list", "ruleset").Trim().Length == 0, "probe: left nothing behind");

            using NftConnection nft = NftConnection.Open(ns);
            var tx = new NftTransaction();
            tx.AddTable(SeedObjects.Table);
            tx.AddFlowtable(SeedObjects.Fastpath);
            tx.AddFlowtable(new NftFlowtable(NftFamily.Ip, "antrea", "counted") { Devices = new[] { "eth1" }, Flags = FlowtableFlags.Counter });
            nft.Commit(tx);
            IReadOnlyList<NftFlowtable> flowtables = nft.ListFlowtables(NftFamily.Ip, "antrea");
            NftFlowtable? fastpath = flowtables.SingleOrDefault(f => f.Name == "fastpath");
            report.Check(fastpath is not null && fastpath.Devices.Order().SequenceEqual(new[] { "antrea-gw0", "eth0" }) && fastpath.Priority == 0 && fastpath.Flags == FlowtableFlags.None,
                "flowtable with two devices reads back", fastpath?.ToString());
            report.Check(flowtables.Any(f => f.Name == "counted" && f.Flags == FlowtableFlags.Counter), "counter flag reads back");
            string json = Sh.In(ns, "nft", "-j", "list", "flowtables");
            report.Check(json.Contains("\"fastpath\"", StringComparison.Ordinal) && json.Contains("antrea-gw0", StringComparison.Ordinal), "nft -j lists the flowtable");

            var addDevice = new NftTransaction();
            addDevice.AddFlowtable(SeedObjects.Fastpath with { Devices = new[] { "eth2" } });
            try
            {
                nft.Commit(addDevice);
                NftFlowtable grown = nft.ListFlowtables(NftFamily.Ip, "antrea").Single(f => f.Name == "fastpath");
                report.Check(grown.Devices.Count == 3, "a device added to an existing flowtable", grown.ToString());
            }
            catch (NetlinkException ex)
            {
                report.Check(false, "a device added to an existing flowtable", ex.Message);
            }

            var shared = new NftTransaction();
            shared.AddFlowtable(new NftFlowtable(NftFamily.Ip, "antrea", "second") { Devices = new[] { "eth0" } });
            report.Throws<NetlinkException>(() => nft.Commit(shared),
                ex => ex.Errno == Errno.EEXIST && ex.Message.Contains("only one flowtable", StringComparison.Ordinal),
                "a device already in a flowtable of the table is refused with a clear error");

            string before = Sh.In(ns, "nft", "list", "ruleset");
            var hardware = new NftTransaction();
            hardware.AddFlowtable(new NftFlowtable(NftFamily.Ip, "antrea", "hw") { Devices = new[] { "eth3" }, Flags = FlowtableFlags.HardwareOffload });
            report.Throws<NetlinkException>(() => nft.Commit(hardware),
                ex => ex.Errno == Errno.EOPNOTSUPP && ex.Message.Contains("Hardware offload", StringComparison.Ordinal),
                "flags offload on veth fails with a clear error");
            report.Check(Sh.In(ns, "nft", "list", "ruleset") == before, "the failed offload flowtable changed nothing");

            var rules = new NftTransaction();
            rules.AddSet(SeedObjects.PeerSet);
            rules.AddChain(SeedObjects.Forward);
            NftRule[] expected = SeedObjects.Rules(nft, "10.244.2.0/24", flowAdd: true);
            foreach (NftRule rule in expected)
            {
                rules.AddRule(rule);
            }

            nft.Commit(rules);
            IReadOnlyList<NftRule> listed = nft.ListRules(NftFamily.Ip, "antrea", "forward");
            report.Check(listed.Select(r => r with { Handle = 0 }).SequenceEqual(expected), "flow add @fastpath rules read back as written");
            report.Check(Sh.In(ns, "nft", "list", "chain", "ip", "antrea", "forward").Contains("flow add @fastpath counter packets 0 bytes 0 comment", StringComparison.Ordinal),
                "nft lists flow add @fastpath");

            var busy = new NftTransaction();
            busy.DeleteFlowtable(SeedObjects.Fastpath);
            report.Throws<NetlinkException>(() => nft.Commit(busy), ex => ex.Errno == Errno.EBUSY, "a flowtable in use by rules cannot be deleted");

            var delete = new NftTransaction();
            foreach (NftRule rule in listed)
            {
                delete.DeleteRule(rule);
            }

            delete.DeleteFlowtable(SeedObjects.Fastpath);
            nft.Commit(delete);
            report.Check(nft.ListFlowtables(NftFamily.Ip, "antrea").All(f => f.Name != "fastpath"), "rules and flowtable deleted in one transaction");

            Sh.In(ns, "nft", "delete", "table", "ip", "antrea");
            string file = Path.Combine(Path.GetTempPath(), $"{ns}.nft");
            File.WriteAllText(file, """
                table ip antrea {
                    flowtable fastpath {
                        hook ingress priority filter
                        devices = { antrea-gw0, eth0 }
                    }
                }
                """);
            Sh.In(ns, "nft", "-f", file);
            NftFlowtable decoded = nft.ListFlowtables(NftFamily.Ip).Single();
            report.Check(decoded with { Handle = 0, Devices = decoded.Devices.Order().ToArray() } == SeedObjects.Fastpath, "what nft -f writes decodes into the seed's flowtable", decoded.ToString());
        }
        finally
        {
            Sh.Execute("ip", "netns", "del", ns);
        }
    }
}
