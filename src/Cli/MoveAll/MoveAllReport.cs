using OrleansTenants.Abstractions.Administration;
using OrleansTenants.Abstractions.Moves;

namespace OrleansTenants.Cli.MoveAll;

/// <summary>The end of a run: each tenant's move and what was verified before its switch, table by table.</summary>
internal sealed record MoveAllReport(
    string Run,
    DateTimeOffset StartedAt,
    DateTimeOffset WrittenAt,
    string Selector,
    TenantPlacementRequest Target,
    MoveAllTotals Totals,
    IReadOnlyList<MoveAllTenantReport> Tenants);

/// <param name="AllVerified">Every moved tenant's tables had equal row counts and checksums on both sides.</param>
internal sealed record MoveAllTotals(int Tenants, int Moved, int Skipped, int Failed, int Unfinished, long Rows, bool AllVerified);

internal sealed record MoveAllTenantReport(
    string Id,
    string Status,
    string From,
    string? To,
    Guid? MoveId,
    string? Mode,
    long? Rows,
    double? WritePauseMs,
    double? Seconds,
    IReadOnlyList<TableVerification>? Verification,
    string? Error)
{
    public static MoveAllTenantReport Of(MoveAllEntry entry, TenantMove? move) => new(
        entry.Id,
        entry.Status,
        entry.FromDatabase,
        move?.ToDatabase ?? entry.ToDatabase,
        entry.MoveId,
        move?.Mode,
        move?.RowsCopied,
        move?.WritePauseMs,
        move is { StartedAt: { } started, FinishedAt: { } finished } ? (finished - started).TotalSeconds : null,
        move?.Verification,
        entry.Error);

    public bool Verified => Verification is { Count: > 0 } tables && tables.All(t => t.Matches);

    public static MoveAllTotals Total(IReadOnlyList<MoveAllTenantReport> tenants)
    {
        var moved = tenants.Where(t => t.Status == MoveAllStatuses.Moved).ToList();
        return new MoveAllTotals(
            tenants.Count,
            moved.Count,
            tenants.Count(t => t.Status == MoveAllStatuses.Skipped),
            tenants.Count(t => t.Status == MoveAllStatuses.Failed),
            tenants.Count(t => t.Status is MoveAllStatuses.Planned or MoveAllStatuses.Moving),
            moved.Sum(t => t.Rows ?? 0),
            moved.All(t => t.Verified));
    }
}
