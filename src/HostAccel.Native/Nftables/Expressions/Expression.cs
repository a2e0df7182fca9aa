using HostAccel.Native.Netlink;

namespace HostAccel.Native.Nftables.Expressions;

/// <summary>
/// One nf_tables expression of a rule. Each kind lives in its own file and encodes and decodes its own
/// NFTA_&lt;KIND&gt;_* attributes; <see cref="ExpressionCodec"/> only dispatches on the name.
/// </summary>
public abstract record Expression
{
    /// <summary>The kernel's name of the expression type ("meta", "payload", "flow_offload" …).</summary>
    public abstract string Name { get; }

    /// <summary>Writes the attributes that go inside NFTA_EXPR_DATA.</summary>
    internal abstract void EncodeData(NetlinkWriter writer);
}

/// <summary>The data registers of nf_tables (enum nft_registers): four 16-byte ones, or 32-bit ones from 8.</summary>
public enum Register : uint
{
    Verdict = 0,
    R1 = 1,
    R2 = 2,
    R3 = 3,
    R4 = 4,
}
