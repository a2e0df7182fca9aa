namespace HostAccel.Native.Netlink;

/// <summary>A reply from the kernel did not have the shape netlink promises: the only exception decoding raises.</summary>
public sealed class NetlinkDecodeException : Exception
{
    public NetlinkDecodeException(string message)
        : base($"malformed netlink reply: {message}")
    {
    }

    public NetlinkDecodeException(string message, Exception inner)
        : base($"malformed netlink reply: {message}", inner)
    {
    }
}
