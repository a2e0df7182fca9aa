namespace HostAccel.PowerShell.Model;

/// <summary>
/// One prefix of a peer Pod CIDR interval set: <c>element ip antrea peer-pod-cidr { 10.244.0.0/24 }</c>.
/// </summary>
public sealed class PeerPodCidr
{
    public AccelFamily Family { get; internal init; }

    public string TableName { get; internal init; } = "";

    public string SetName { get; internal init; } = "";

    /// <summary>The prefix in canonical form: 10.244.0.0/24, fd00:10:244::/64.</summary>
    public string Cidr { get; internal init; } = "";

    public string Address { get; internal init; } = "";

    public int PrefixLength { get; internal init; }

    public string? NetworkNamespace { get; internal init; }

    public override string ToString() =>
        $"element {Family.ToString().ToLowerInvariant()} {TableName} {SetName} {{ {Cidr} }}";
}
