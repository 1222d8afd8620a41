namespace OrleansTenants.Runtime.Membership;

/// <summary>The lower-case names <c>cluster.silos.status</c> stores (its CHECK constraint also allows 'joining', which no silo writes).</summary>
internal static class SiloStatusText
{
    public const string Active = "active";

    public static string ToText(SiloStatus status) => status switch
    {
        SiloStatus.Active => Active,
        SiloStatus.ShuttingDown => "shutting_down",
        SiloStatus.Dead => "dead",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown silo status."),
    };

    public static SiloStatus Parse(string text) => text switch
    {
        Active => SiloStatus.Active,
        "shutting_down" => SiloStatus.ShuttingDown,
        "dead" => SiloStatus.Dead,
        _ => throw new FormatException($"'{text}' is not a silo status."),
    };
}
