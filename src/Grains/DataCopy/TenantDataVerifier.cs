using System.Data;
using Npgsql;
using OrleansTenants.Abstractions.Moves;
using OrleansTenants.Crm;

namespace OrleansTenants.Grains.DataCopy;

/// <summary>
/// Compares one tenant's rows on two databases, table by table: row count and the sum of a 64-bit hash of each row's
/// copied columns (<c>hash_record_extended</c>: each value hashed by its type, which for equal values of equal types is
/// equal, with no rendering to text, the costly part; both sides run the same migrations). Both connections must be
/// inside the transactions of the move (the source's snapshot, the target's uncommitted copy).
/// </summary>
internal static class TenantDataVerifier
{
    public static async Task<IReadOnlyList<TableVerification>> CompareAsync(
        NpgsqlConnection source, NpgsqlConnection target, string tenantId, CancellationToken cancellationToken)
    {
        // Both sides at once: in a cut-over the tenant's writes wait for this.
        var sourceSummaries = SummariseAllAsync(source, tenantId, cancellationToken);
        var targetSummaries = SummariseAllAsync(target, tenantId, cancellationToken);
        var (from, to) = (await sourceSummaries, await targetSummaries);
        return [.. TenantDataCopier.Tables.Select((table, i) => new TableVerification(table.Name, from[i].Rows, to[i].Rows, from[i].Checksum, to[i].Checksum))];
    }

    private static async Task<List<(long Rows, string Checksum)>> SummariseAllAsync(NpgsqlConnection connection, string tenantId, CancellationToken cancellationToken)
    {
        var summaries = new List<(long Rows, string Checksum)>(TenantDataCopier.Tables.Count);
        foreach (var table in TenantDataCopier.Tables)
        {
            summaries.Add(await SummariseAsync(connection, table, tenantId, cancellationToken));
        }

        return summaries;
    }

    private static async Task<(long Rows, string Checksum)> SummariseAsync(
        NpgsqlConnection connection, MovedTable table, string tenantId, CancellationToken cancellationToken)
    {
        // Each value counts in its column's place (a NULL as 0), so values swapped between columns change the hash; sum(bigint) is numeric, so it cannot overflow.
        await using var summary = new NpgsqlCommand(
            $"SELECT count(*) AS rows, coalesce(sum(hash_record_extended(ROW({string.Join(", ", table.Columns)}), 0)), 0)::text AS checksum "
            + $"FROM {ResourceDefinition.Schema}.{table.Name} WHERE tenant_id = $1",
            connection);
        summary.Parameters.AddWithValue(tenantId);
        await using var reader = await summary.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64("rows"), reader.GetString("checksum"));
    }
}
