namespace HostAccel.Native.Netlink;

/// <summary>
/// A fixed-layout struct of the kernel's uapi (a family header such as struct tcmsg, or an attribute payload such as
/// struct tc_mirred): it lays itself out, in the host's byte order where the kernel reads host order, into the span
/// <see cref="NetlinkWriter"/> reserves, which arrives zeroed.
/// </summary>
public interface INetlinkStruct
{
    /// <summary>sizeof() of the C struct, padding included.</summary>
    int Size { get; }

    void WriteTo(Span<byte> destination);
}
