using Newtonsoft.Json;
using Newtonsoft.Json.Converters;
using Newtonsoft.Json.Serialization;

namespace HostAccel.PowerShell.Model;

/// <summary>
/// The nftables families HostAccel manages, with the kernel's NFPROTO_* values so that a cast converts to the native
/// layer. PowerShell binds "ip", "ip6" and "inet" to them case-insensitively; ConvertTo-Json writes them as nft names
/// ("ip6", not 10), which ConvertFrom-Json and the configuration reader read back.
/// </summary>
[JsonConverter(typeof(StringEnumConverter), typeof(CamelCaseNamingStrategy))]
public enum AccelFamily : byte
{
    Inet = 1,
    Ip = 2,
    Ip6 = 10,
}
