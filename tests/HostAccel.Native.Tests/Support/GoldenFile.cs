using System.Globalization;
using System.Text;

namespace HostAccel.Native.Tests.Support;

/// <summary>One message of a fixture captured from `nft` (see Golden/README.md): its type, flags and bytes.</summary>
public sealed record GoldenMessage(ushort Type, ushort Flags, byte[] Bytes);

/// <summary>Reads the `.golden` fixtures: '#' comments, then `msg type=0x… flags=0x…` and hex lines.</summary>
public static class GoldenFile
{
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Golden", $"{name}.golden");

    public static IReadOnlyList<GoldenMessage> Read(string name)
    {
        var messages = new List<GoldenMessage>();
        ushort type = 0, flags = 0;
        var bytes = new List<byte>();
        bool open = false;
        foreach (string raw in File.ReadLines(PathOf(name)))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith("msg ", StringComparison.Ordinal))
            {
                if (open)
                {
                    messages.Add(new GoldenMessage(type, flags, bytes.ToArray()));
                }

                bytes.Clear();
                open = true;
                foreach (string field in line[4..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    string[] pair = field.Split('=');
                    ushort value = ushort.Parse(pair[1].AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    if (pair[0] == "type")
                    {
                        type = value;
                    }
                    else if (pair[0] == "flags")
                    {
                        flags = value;
                    }
                }

                continue;
            }

            bytes.AddRange(line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(h => byte.Parse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
        }

        if (open)
        {
            messages.Add(new GoldenMessage(type, flags, bytes.ToArray()));
        }

        return messages;
    }

    /// <summary>Four bytes a line, side by side, marking the lines that differ: what to read when a test fails.</summary>
    public static string Diff(byte[] expected, byte[] actual)
    {
        var text = new StringBuilder($"expected {expected.Length} bytes, got {actual.Length}\n");
        for (int offset = 0; offset < Math.Max(expected.Length, actual.Length); offset += 4)
        {
            string e = Hex(expected, offset), a = Hex(actual, offset);
            text.Append(CultureInfo.InvariantCulture, $"{offset:x4}  {e,-11}  {a,-11}{(e == a ? "" : "  <<")}\n");
        }

        return text.ToString();
    }

    private static string Hex(byte[] bytes, int offset) =>
        offset >= bytes.Length ? "" : string.Join(' ', bytes.Skip(offset).Take(4).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
}
