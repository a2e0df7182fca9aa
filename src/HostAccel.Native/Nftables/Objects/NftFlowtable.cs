using HostAccel.Native.Netlink;
using static HostAccel.Native.Nftables.NfTablesConstants;

namespace HostAccel.Native.Nftables.Objects;

/// <summary>enum nft_flowtable_flags.</summary>
[Flags]
public enum FlowtableFlags : uint
{
    None = 0,
    HardwareOffload = 0x1,
    Counter = 0x2,
}

/// <summary>
/// A flowtable: <c>flowtable fastpath { hook ingress priority filter; devices = { antrea-gw0, eth0 }; }</c>.
/// Its hook is always ingress (NF_NETDEV_INGRESS, 0), the only one the kernel accepts.
/// </summary>
public sealed record NftFlowtable(NftFamily Family, string Table, string Name)
{
    public int Priority { get; init; }

    public EquatableArray<string> Devices { get; init; } = Array.Empty<string>();

    public FlowtableFlags Flags { get; init; }

    public ulong Handle { get; init; }

    public override string ToString()
    {
        // nft's syntax: "flags offload;" for hardware offload, and the counter flag as a "counter;" of its own.
        string flags = ((Flags & FlowtableFlags.HardwareOffload) != 0 ? " flags offload;" : "")
            + ((Flags & FlowtableFlags.Counter) != 0 ? " counter;" : "");
        return $"flowtable {Family.ToNftName()} {NftText.Name(Table)} {NftText.Name(Name)} {{ hook ingress priority {NftText.Priority(Priority, null)}; devices = {{ {string.Join(", ", Devices.Select(NftText.Name))} }};{flags} }}";
    }

    internal void Encode(NetlinkWriter writer, bool withHook = true)
    {
        writer.WriteString(NFTA_FLOWTABLE_TABLE, Table);
        writer.WriteString(NFTA_FLOWTABLE_NAME, Name);
        if (withHook)
        {
            using (writer.Nested(NFTA_FLOWTABLE_HOOK))
            {
                writer.WriteU32Be(NFTA_FLOWTABLE_HOOK_NUM, 0);
                writer.WriteU32Be(NFTA_FLOWTABLE_HOOK_PRIORITY, unchecked((uint)Priority));
                if (Devices.Count > 0)
                {
                    using (writer.Nested(NFTA_FLOWTABLE_HOOK_DEVS))
                    {
                        foreach (string device in Devices)
                        {
                            writer.WriteString(NFTA_DEVICE_NAME, device);
                        }
                    }
                }
            }
        }

        writer.WriteU32Be(NFTA_FLOWTABLE_FLAGS, (uint)Flags);
    }

    /// <summary>
    /// DELFLOWTABLE with a hook removes just the hook's devices. The hook number and priority are sent as they
    /// are, which the kernel checks against the flowtable's own.
    /// </summary>
    internal void EncodeDeviceRemoval(NetlinkWriter writer)
    {
        writer.WriteString(NFTA_FLOWTABLE_TABLE, Table);
        if (Handle != 0)
        {
            writer.WriteU64Be(NFTA_FLOWTABLE_HANDLE, Handle);
        }
        else
        {
            writer.WriteString(NFTA_FLOWTABLE_NAME, Name);
        }

        using (writer.Nested(NFTA_FLOWTABLE_HOOK))
        {
            writer.WriteU32Be(NFTA_FLOWTABLE_HOOK_NUM, 0);
            writer.WriteU32Be(NFTA_FLOWTABLE_HOOK_PRIORITY, unchecked((uint)Priority));
            using (writer.Nested(NFTA_FLOWTABLE_HOOK_DEVS))
            {
                foreach (string device in Devices)
                {
                    writer.WriteString(NFTA_DEVICE_NAME, device);
                }
            }
        }
    }

    internal static NftFlowtable Decode(in NetlinkMessage message)
    {
        string table = "", name = "";
        int priority = 0;
        var devices = new List<string>();
        uint flags = 0;
        ulong handle = 0;
        AttributeReader reader = message.Attributes;
        while (reader.Next())
        {
            switch (reader.Type)
            {
                case NFTA_FLOWTABLE_TABLE:
                    table = reader.GetString();
                    break;
                case NFTA_FLOWTABLE_NAME:
                    name = reader.GetString();
                    break;
                case NFTA_FLOWTABLE_HANDLE:
                    handle = reader.GetU64Be();
                    break;
                case NFTA_FLOWTABLE_FLAGS:
                    flags = reader.GetU32Be();
                    break;
                case NFTA_FLOWTABLE_HOOK:
                    AttributeReader hook = reader.Nested();
                    while (hook.Next())
                    {
                        switch (hook.Type)
                        {
                            case NFTA_FLOWTABLE_HOOK_PRIORITY:
                                priority = unchecked((int)hook.GetU32Be());
                                break;
                            case NFTA_FLOWTABLE_HOOK_DEVS:
                                AttributeReader list = hook.Nested();
                                while (list.Next())
                                {
                                    if (list.Type == NFTA_DEVICE_NAME)
                                    {
                                        devices.Add(list.GetString());
                                    }
                                }

                                break;
                        }
                    }

                    break;
            }
        }

        return new NftFlowtable((NftFamily)message.Family, table, name)
        {
            Priority = priority,
            Devices = devices.ToArray(),
            Flags = (FlowtableFlags)flags,
            Handle = handle,
        };
    }
}
