namespace OrleansTenants.Abstractions.Moves;

/// <summary>
/// What a move would do, worked out without doing it (<c>POST /admin/tenants/{id}/moves/plan</c>): where the tenant
/// would go, how (online or offline, and what keeps it from online), its rows per table now, and how long it should take.
/// </summary>
/// <param name="ToDatabaseExists">False for a dedicated database the move would set up.</param>
/// <param name="OnlineBlockers">Why the move cannot run online here; empty when it can.</param>
/// <param name="EstimateBasis">Where <paramref name="EstimatedSeconds"/> comes from, in words.</param>
public sealed record TenantMovePlan(
    string TenantId,
    string FromMode,
    string FromDatabase,
    string ToMode,
    string ToDatabase,
    bool ToDatabaseExists,
    string Mode,
    IReadOnlyList<string> OnlineBlockers,
    IReadOnlyList<TableRows> RowsByTable,
    long Rows,
    double EstimatedSeconds,
    string EstimateBasis);
