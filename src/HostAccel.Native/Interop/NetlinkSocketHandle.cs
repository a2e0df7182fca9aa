using System.Runtime.InteropServices;

namespace HostAccel.Native.Interop;

/// <summary>Owns a netlink socket descriptor; descriptor 0 is valid, so -1 marks "none".</summary>
internal sealed class NetlinkSocketHandle : SafeHandle
{
    public NetlinkSocketHandle()
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
    }

    internal NetlinkSocketHandle(int fd)
        : this()
    {
        SetHandle(fd);
    }

    public override bool IsInvalid => handle == -1;

    internal int Descriptor => (int)handle;

    protected override bool ReleaseHandle() => LibC.close((int)handle) == 0;
}
