using Npgsql;
using OrleansTenants.Grains.Crm;

namespace OrleansTenants.Grains.Moves;

/// <summary>
/// Compares one tenant's rows on two databases, table by table: row count and the sum of a 64-bit hash of each row's
/// copied columns rendered as text. Both connections must be inside the transactions of the move (the source's
/// snapshot, the target's uncommitted copy); the rendering settings are pinned there, so equal values print alike.
/// </summary>
internal static class TenantDataVerifier
{
    private const string PinRendering =
        "SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; "
        + "SET LOCAL extra_float_digits = 3; SET LOCAL bytea_output = 'hex'";

    public static async Task<IReadOnlyList<TableVerification>> CompareAsync(
        NpgsqlConnection source, NpgsqlConnection target, string tenantId, CancellationToken cancellationToken)
    {
        await PinAsync(source, cancellationToken);
        await PinAsync(target, cancellationToken);
        var results = new List<TableVerification>(TenantDataCopier.Tables.Count);
        foreach (var table in TenantDataCopier.Tables)
        {
            var (sourceRows, sourceChecksum) = await SummariseAsync(source, table, tenantId, cancellationToken);
            var (targetRows, targetChecksum) = await SummariseAsync(target, table, tenantId, cancellationToken);
            results.Add(new TableVerification(table.Name, sourceRows, targetRows, sourceChecksum, targetChecksum));
        }

        return results;
    }

    private static async Task PinAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var pin = new NpgsqlCommand(PinRendering, connection);
        await pin.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<(long Rows, string Checksum)> SummariseAsync(
        NpgsqlConnection connection, MovedTable table, string tenantId, CancellationToken cancellationToken)
    {
        // ROW(...)::text renders NULLs and quoting unambiguously; sum(bigint) is numeric, so it cannot overflow.
        await using var summary = new NpgsqlCommand(
            $"SELECT count(*), coalesce(sum(hashtextextended(ROW({string.Join(", ", table.Columns)})::text, 0)), 0)::text "
            + $"FROM {ResourceDefinition.Schema}.{table.Name} WHERE tenant_id = $1",
            connection);
        summary.Parameters.AddWithValue(tenantId);
        await using var reader = await summary.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetString(1));
    }
}
