using Newtonsoft.Json;
using Newtonsoft.Json.Converters;

namespace HostAccel.PowerShell.Model;

/// <summary>How an object in the kernel differs from the desired state (a name in JSON).</summary>
[JsonConverter(typeof(StringEnumConverter))]
public enum AccelDriftKind
{
    /// <summary>Desired, not in the kernel: it will be added.</summary>
    Missing,

    /// <summary>In an owned table, not desired: it will be deleted.</summary>
    Extra,

    /// <summary>In the kernel with other settings: it will be replaced or updated.</summary>
    Different,
}

/// <summary>One difference between the kernel and a desired state, with the nft statements that remove it.</summary>
public sealed class AccelDrift
{
    public AccelFamily Family { get; internal init; }

    public AccelDriftKind Kind { get; internal init; }

    /// <summary>The object in nft's words: "set ip antrea peer-pod-cidr", "rule ip antrea forward handle 4".</summary>
    public string Object { get; internal init; } = "";

    /// <summary>What differs, in words.</summary>
    public string Detail { get; internal init; } = "";

    /// <summary>The nft statements the sync applies for it.</summary>
    public IReadOnlyList<string> Statements { get; internal init; } = [];

    public override string ToString() => $"{Kind} {Object}: {Detail}";
}
