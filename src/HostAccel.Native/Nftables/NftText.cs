using System.Globalization;

namespace HostAccel.Native.Nftables;

/// <summary>Small pieces of nft's syntax shared by the objects' ToString().</summary>
public static class NftText
{
    /// <summary>A double-quoted nft string. nft has no escapes: a quote inside cannot be written at all.</summary>
    public static string Quote(string text) => $"\"{text}\"";

    /// <summary>
    /// A priority as nft prints it: a standard name, or a name with an offset of at most 10, where nft allows that
    /// name on the hook (dstnat only on prerouting, srcnat only on postrouting; a flowtable's netdev ingress hook
    /// knows only filter); a plain number otherwise.
    /// </summary>
    public static string Priority(int priority, Objects.ChainHook? hook)
    {
        (string Name, int Value)[] names = hook switch
        {
            null => [("filter", 0)],
            Objects.ChainHook.Prerouting => [("raw", -300), ("mangle", -150), ("dstnat", -100), ("filter", 0), ("security", 50)],
            Objects.ChainHook.Postrouting => [("raw", -300), ("mangle", -150), ("filter", 0), ("security", 50), ("srcnat", 100)],
            _ => [("raw", -300), ("mangle", -150), ("filter", 0), ("security", 50)],
        };
        foreach ((string name, int value) in names)
        {
            if (priority == value)
            {
                return name;
            }
        }

        foreach ((string name, int value) in names)
        {
            long delta = (long)priority - value;
            if (Math.Abs(delta) <= 10)
            {
                return delta > 0 ? $"{name} + {delta}" : $"{name} - {-delta}";
            }
        }

        return priority.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Parses a priority as nft accepts it: a number, or a standard name with an optional offset.</summary>
    public static bool TryParsePriority(string? text, out int priority)
    {
        priority = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        string[] parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 1 && int.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out priority))
        {
            return true;
        }

        int? baseValue = parts[0].ToLowerInvariant() switch
        {
            "raw" => -300,
            "mangle" => -150,
            "dstnat" => -100,
            "filter" => 0,
            "security" => 50,
            "srcnat" => 100,
            _ => null,
        };
        if (baseValue is null)
        {
            return false;
        }

        if (parts.Length == 1)
        {
            priority = baseValue.Value;
            return true;
        }

        if (parts.Length == 3 && parts[1] is "+" or "-" && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out int offset))
        {
            priority = baseValue.Value + (parts[1] == "+" ? offset : -offset);
            return true;
        }

        return false;
    }
}
