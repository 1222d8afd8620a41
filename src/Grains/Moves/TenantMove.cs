namespace OrleansTenants.Grains.Moves;

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

/// <summary>A move's status, as stored in <c>catalog.tenant_moves.status</c> (its CHECK constraint lists them).</summary>
public static class TenantMoveStatuses
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    /// <summary>Pending or running: the tenant may have no other move.</summary>
    public static bool IsOpen(string status) => status is Pending or Running;

    /// <summary>Completed, failed or cancelled: its outcome is recorded (an online move may still be cleaning up).</summary>
    public static bool IsFinished(string status) => status is Completed or Failed or Cancelled;
}

/// <summary>How a move copies: <c>online</c> by logical replication while the tenant serves, <c>offline</c> in one exclusive turn.</summary>
public static class TenantMoveModes
{
    public const string Online = "online";
    public const string Offline = "offline";
}

/// <summary>The phases of an online move, as <c>catalog.tenant_moves.phase</c> names them.</summary>
public static class TenantMovePhases
{
    public const string Preparing = "preparing";
    public const string Copying = "copying";
    public const string CatchingUp = "catching-up";
    public const string CuttingOver = "cutting-over";
    public const string CleaningUp = "cleaning-up";
}


