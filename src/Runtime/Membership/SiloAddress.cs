using System.Globalization;

namespace OrleansTenants.Runtime.Membership;

/// <summary>
/// A silo incarnation: the internal endpoint it listens on plus a generation (its start time in ticks),
/// so a silo restarted on the same port is a different member than the one that died there.
/// </summary>
public sealed record SiloAddress(string Endpoint, long Generation)
{
    public override string ToString() => $"{Endpoint}@{Generation.ToString(CultureInfo.InvariantCulture)}";

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
