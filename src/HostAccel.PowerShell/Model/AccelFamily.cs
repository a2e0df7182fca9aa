namespace HostAccel.PowerShell.Model;

/// <summary>
/// The nftables families HostAccel manages, with the kernel's NFPROTO_* values so that a cast converts to the native
/// layer. PowerShell binds "ip", "ip6" and "inet" to them case-insensitively.
/// </summary>
public enum AccelFamily : byte
{
    Inet = 1,
    Ip = 2,
    Ip6 = 10,
}
