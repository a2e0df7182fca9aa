using System.Globalization;

namespace HostAccel.PowerShell.Model;

/// <summary>An nftables table: <c>table ip antrea { comment "Rules for Antrea"; }</c>.</summary>
public sealed class AccelTable
{
    public AccelFamily Family { get; internal init; }

    public string Name { get; internal init; } = "";

    /// <summary>The same as <see cref="Name"/>, under the name every other cmdlet's -TableName binds from.</summary>
    public string TableName => Name;

    public string? Comment { get; internal init; }

    /// <summary>The kernel's handle; 0 for a table that was only planned (-WhatIf).</summary>
    public ulong Handle { get; internal init; }

    /// <summary>Whether HostAccel recognises the table as its own (see about_HostAccel ownership: the table comment).</summary>
    public bool Owned { get; internal init; }

    public IReadOnlyList<string> Sets { get; internal init; } = [];

    public IReadOnlyList<string> Chains { get; internal init; } = [];

    public IReadOnlyList<string> Flowtables { get; internal init; } = [];

    /// <summary>The network namespace the table lives in; null for the caller's own.</summary>
    public string? NetworkNamespace { get; internal init; }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"table {Family.ToString().ToLowerInvariant()} {Name}")
        + (Comment is null ? "" : $" {{ comment \"{Comment}\"; }}");
}
