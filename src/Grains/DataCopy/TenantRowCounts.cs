using System.Data;
using Npgsql;
using OrleansTenants.Abstractions.Moves;
using OrleansTenants.Crm;

namespace OrleansTenants.Grains.DataCopy;

/// <summary>A tenant's rows in one database, table by table (the moved tables), in one statement.</summary>
internal static class TenantRowCounts
{
    // Table names are constants of ours (the moved tables), never input.
    private static readonly string CountSql = string.Join(" UNION ALL ",
        TenantDataCopier.Tables.Select(t => $"SELECT '{t.Name}' AS table_name, count(*) AS rows FROM {ResourceDefinition.Schema}.{t.Name} WHERE tenant_id = $1"));

    public static async Task<IReadOnlyList<TableRows>> CountAsync(NpgsqlConnection connection, string tenantId, CancellationToken cancellationToken)
    {
        await using var count = new NpgsqlCommand(CountSql, connection);
        count.Parameters.AddWithValue(tenantId);
        await using var reader = await count.ExecuteReaderAsync(cancellationToken);
        var rows = new List<TableRows>(TenantDataCopier.Tables.Count);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new TableRows(reader.GetString("table_name"), reader.GetInt64("rows")));
        }

        return rows;
    }
}
