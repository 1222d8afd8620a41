namespace OrleansTenants.Abstractions.Moves;

/// <summary>A tenant's move between databases, as the catalog records it. Never holds connection settings.</summary>
[GenerateSerializer]
[Immutable]
[Alias("OrleansTenants.TenantMove")]
public sealed record TenantMove(
    Guid Id,
    string TenantId,
    string FromMode,
    string FromDatabase,
    string ToMode,
    string ToDatabase,
    string Status,
    long RowsCopied,
    string? Error,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    IReadOnlyList<TableVerification>? Verification,
    string Mode,
    string? Phase,
    long? LagBytes,
    double? WritePauseMs,
    double? LagSeconds,
    IReadOnlyList<TableRows>? RowsByTable);

