using System.Data;
using OrleansTenants.Abstractions.Moves;

namespace OrleansTenants.Catalog.Moves;

public sealed partial class TenantMoveCatalog
{
    private const int EstimateSample = 20;
    private const int EstimateMinimumSample = 3;

    // Measured by bench/MoveBench on 2 cores (bench/README.md): a fixed cost (replication set-up and cut-over, or the
    // grain's turn) and a copy rate; used until this catalog has completed moves of its own to fit.
    private static readonly Dictionary<string, (double Seconds, double RowsPerSecond)> MeasuredDefaults = new()
    {
        [TenantMoveModes.Online] = (4.0, 20_000),
        [TenantMoveModes.Offline] = (0.5, 25_000),
    };

    /// <summary>
    /// How long a move of this many rows should take: a line (fixed seconds + seconds per row) fitted to the last
    /// completed moves of the same mode, or bench/MoveBench's figures while there are too few of them to fit.
    /// </summary>
    public async Task<(double Seconds, string Basis)> EstimateAsync(string mode, long rows, CancellationToken cancellationToken)
    {
        await using var db = await catalog.OpenConnectionAsync(cancellationToken);
        await using var fit = Command(db,
            $"""
            SELECT count(*) AS sample, regr_intercept(seconds, rows) AS intercept, regr_slope(seconds, rows) AS slope FROM (
                SELECT extract(epoch FROM finished_at - started_at)::float8 AS seconds, rows_copied::float8 AS rows
                FROM catalog.tenant_moves WHERE status = '{TenantMoveStatuses.Completed}' AND mode = $1 AND started_at IS NOT NULL
                ORDER BY finished_at DESC LIMIT $2) recent
            """,
            [mode, EstimateSample]);
        await using var reader = await fit.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var sample = reader.GetInt64("sample");
        // No slope when the sample's moves all had the same number of rows: nothing to learn the copy rate from.
        if (sample >= EstimateMinimumSample && !reader.IsDBNull("intercept") && !reader.IsDBNull("slope"))
        {
            var seconds = Math.Max(0, reader.GetDouble("intercept")) + Math.Max(0, reader.GetDouble("slope")) * rows;
            return (seconds, $"fitted to the last {sample} completed {mode} moves");
        }

        var (fixedSeconds, rowsPerSecond) = MeasuredDefaults[mode];
        return (fixedSeconds + rows / rowsPerSecond, $"bench/MoveBench's figures ({sample} completed {mode} moves, too few to fit)");
    }
}
