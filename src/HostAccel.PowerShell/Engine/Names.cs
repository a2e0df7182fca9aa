using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using HostAccel.Native.Interop;
using HostAccel.Native.Nftables;

namespace HostAccel.PowerShell.Engine;

/// <summary>
/// The names and comments a caller gives, checked before anything is planned. nf_tables keeps a name as a C string,
/// so a NUL inside would be cut there by the kernel (two tables "a\0b" and "a\0c" would both be "a", and a set whose
/// name holds one would never be found again); a surrogate without its pair cannot be written as UTF-8 at all and
/// would be bent into U+FFFD. What nft cannot write inside a name or comment — a double quote, a line break, another
/// control character or invisible formatting — is refused too, so that every statement HostAccel prints (-WhatIf,
/// errors) is the one it applies. Names are also held to the kernel's lengths: 255 bytes for tables, chains, sets
/// and flowtables (NFT_NAME_MAXLEN less its NUL), 15 for devices (IFNAMSIZ less its NUL), and 128 bytes for comments
/// (nft's NFTNL_UDATA_COMMENT_MAXLEN).
/// </summary>
internal static class Names
{
    /// <summary>NFT_NAME_MAXLEN (256) less the terminating NUL.</summary>
    public const int MaxObjectName = 255;

    /// <summary>A table, chain, set or flowtable name: 1 to 255 bytes, nothing the kernel would cut or nft could not write.</summary>
    public static void Object(string parameter, [NotNull] string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw Refused($"{parameter} is empty: a name has 1 to {MaxObjectName} bytes", name);
        }

        Unwritable(parameter, name, "a name");
        int bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes > MaxObjectName)
        {
            throw Refused($"{parameter} is {bytes} bytes: nf_tables names have at most {MaxObjectName}", name);
        }
    }

    /// <summary>Several names at once, each (parameter, value).</summary>
    public static void Objects(params (string Parameter, string? Name)[] names)
    {
        foreach ((string parameter, string? name) in names)
        {
            Object(parameter, name);
        }
    }

    /// <summary>
    /// A device name the kernel could give (dev_valid_name: 1 to IFNAMSIZ - 1 bytes, no '/', ':' or white space, not
    /// "." or ".."), and no NUL or other control character, which the kernel would cut or refuse.
    /// </summary>
    public static void Device(string parameter, [NotNull] string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw Refused($"{parameter} is empty: a device name has 1 to {NetworkInterface.MaxNameLength} bytes", name);
        }

        Unwritable(parameter, name, "a device name");
        if (Encoding.UTF8.GetByteCount(name) > NetworkInterface.MaxNameLength || name is "." or ".." || name.Any(c => c is '/' or ':' || char.IsWhiteSpace(c)))
        {
            throw Refused($"{parameter}: '{name}' is not a device name: 1 to {NetworkInterface.MaxNameLength} bytes (IFNAMSIZ less its NUL) without '/', ':' or spaces", name);
        }
    }

    /// <summary>A comment: at most 128 bytes of UTF-8 (nft's limit), nothing nft could not write between quotes.</summary>
    public static void Comment(string parameter, string? comment)
    {
        if (comment is null)
        {
            return;
        }

        Unwritable(parameter, comment, "a comment");
        int bytes = Encoding.UTF8.GetByteCount(comment);
        if (bytes > UserData.MaxCommentLength)
        {
            throw Refused($"{parameter} is {bytes} bytes; nft keeps comments of at most {UserData.MaxCommentLength} bytes", comment);
        }
    }

    /// <summary>Several comments at once, each (parameter, value); null ones are the defaults and pass.</summary>
    public static void Comments(params (string Parameter, string? Comment)[] comments)
    {
        foreach ((string parameter, string? comment) in comments)
        {
            Comment(parameter, comment);
        }
    }

    /// <summary>
    /// New-AccelTable's -Name and -Comment. A New- cmdlet names the one object it creates, so -Name is never a
    /// pattern: '*', '?', '[' and ']' are refused rather than created into a table that every later -Name '*' matches.
    /// </summary>
    public static void NewTable(string? name, string? comment)
    {
        Object("Name", name);
        int wildcard = name.AsSpan().IndexOfAny("*?[]");
        if (wildcard >= 0)
        {
            throw Refused($"Name '{name}' holds the wildcard character '{name[wildcard]}': New-AccelTable creates the one table it names and takes no wildcards", name);
        }

        Comment("Comment", comment);
    }

    /// <summary>Add-PeerPodCidr's table, set and the comment of a set it creates.</summary>
    public static void PeerPodCidr(string? table, string? set, string? setComment)
    {
        Objects(("TableName", table), ("SetName", set));
        Comment("SetComment", setComment);
    }

    /// <summary>Everything Enable-Fastpath names: the table's objects, the two devices, the comments.</summary>
    public static void Check(EnableFastpathRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Objects((nameof(request.TableName), request.TableName), (nameof(request.SetName), request.SetName),
            (nameof(request.FlowtableName), request.FlowtableName), (nameof(request.ChainName), request.ChainName));
        foreach ((string parameter, string device) in new[] { (nameof(request.GatewayInterface), request.GatewayInterface), (nameof(request.TransportInterface), request.TransportInterface) })
        {
            if (!string.IsNullOrEmpty(device))
            {
                Device(parameter, device);
            }
        }

        Comments((nameof(request.TableComment), request.TableComment), (nameof(request.ChainComment), request.ChainComment),
            (nameof(request.SetComment), request.SetComment), (nameof(request.OutboundRuleComment), request.OutboundRuleComment),
            (nameof(request.InboundRuleComment), request.InboundRuleComment));
    }

    private static void Unwritable(string parameter, string value, string what)
    {
        int at = NftText.IndexOfUnwritable(value);
        if (at < 0)
        {
            return;
        }

        char c = value[at];
        string reason = c switch
        {
            '\0' => "a NUL, where the kernel would cut it short",
            '"' => "a double quote, which nft cannot write inside a name or comment",
            _ when char.IsSurrogate(c) => $"half of a surrogate pair (U+{(int)c:X4}), which UTF-8 cannot encode",
            _ when char.IsControl(c) => $"the control character U+{(int)c:X4}, which nft cannot write and would break the printed statement",
            _ => $"the invisible character U+{(int)c:X4} ({CharUnicodeInfo.GetUnicodeCategory(c)}), which would hide part of the printed statement",
        };
        throw Refused($"{parameter} {NftText.Quote(value)} is not {what} HostAccel writes: character {at + 1} is {reason}", value);
    }

    private static HostAccelException Refused(string message, string? value) =>
        new(ErrorIds.InvalidArgument, FailureKind.InvalidArgument, message, value);
}
