using System.Globalization;

namespace OrleansTenants.Runtime.Membership;

/// <summary>
/// A silo incarnation: the internal endpoint it listens on plus a generation (its start time in ticks),
/// so a silo restarted on the same port is a different member than the one that died there.
/// </summary>
public sealed record SiloAddress(string Endpoint, long Generation)
{
    // Formatted once: addresses go into every response header and cache key. Get-only properties keep
    // `with` from producing a copy whose text no longer matches.
    private readonly string _text = $"{Endpoint}@{Generation.ToString(CultureInfo.InvariantCulture)}";

    public string Endpoint { get; } = Endpoint;

    public long Generation { get; } = Generation;

    public override string ToString() => _text;

    public static SiloAddress Parse(string value)
    {
        var at = value.LastIndexOf('@');
        if (at <= 0 || !long.TryParse(value.AsSpan(at + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var generation))
        {
            throw new FormatException($"'{value}' is not a silo address (endpoint@generation).");
        }

        return new SiloAddress(value[..at], generation);
    }
}
