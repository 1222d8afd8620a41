using System.Text;
using Npgsql;
using OrleansTenants.Crm;

namespace OrleansTenants.Grains.DataCopy;

/// <summary>
/// Copies one tenant's rows between two tenant databases, table by table in foreign-key order. Tables and columns
/// come from the resource registry plus the two tables no resource exposes (attachments, idempotency keys), so
/// every identifier is a constant of ours. Both connections must be inside transactions with the tenant's session
/// set (row-level security applies to the copy as to any request); the caller commits.
/// </summary>
internal static class TenantDataCopier
{
    private const int RowsPerInsert = 200;

    /// <summary>Every tenant table of the CRM schema, parents before children.</summary>
    public static IReadOnlyList<MovedTable> Tables { get; } = Build();

    /// <summary>Removes what an earlier, unfinished move may have left for this tenant, then copies; returns the rows copied.</summary>
    public static async Task<long> CopyAsync(NpgsqlConnection source, NpgsqlConnection target, string tenantId, CancellationToken cancellationToken)
    {
        await DeleteAsync(target, tenantId, cancellationToken);
        long copied = 0;
        foreach (var table in Tables)
        {
            copied += await CopyTableAsync(source, target, table, tenantId, cancellationToken);
        }

        return copied;
    }

    /// <summary>Deletes the tenant's rows, children first.</summary>
    public static async Task DeleteAsync(NpgsqlConnection connection, string tenantId, CancellationToken cancellationToken)
    {
        foreach (var table in Tables.Reverse())
        {
            await using var delete = new NpgsqlCommand($"DELETE FROM {ResourceDefinition.Schema}.{table.Name} WHERE tenant_id = $1", connection);
            delete.Parameters.AddWithValue(tenantId);
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static async Task<long> CopyTableAsync(NpgsqlConnection source, NpgsqlConnection target, MovedTable table, string tenantId, CancellationToken cancellationToken)
    {
        var columns = string.Join(", ", table.Columns);
        await using var select = new NpgsqlCommand($"SELECT {columns} FROM {ResourceDefinition.Schema}.{table.Name} WHERE tenant_id = $1 ORDER BY id", source);
        select.Parameters.AddWithValue(tenantId);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var types = Enumerable.Range(0, table.Columns.Count).Select(reader.GetDataTypeName).ToArray();
        var batch = new List<object[]>(RowsPerInsert);
        long copied = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = new object[table.Columns.Count];
            reader.GetValues(row);
            batch.Add(row);
            if (batch.Count == RowsPerInsert)
            {
                copied += await InsertAsync(target, table, tenantId, types, batch, cancellationToken);
                batch.Clear();
            }
        }

        return copied + (batch.Count > 0 ? await InsertAsync(target, table, tenantId, types, batch, cancellationToken) : 0);
    }

    private static async Task<int> InsertAsync(
        NpgsqlConnection target, MovedTable table, string tenantId, string[] types, List<object[]> rows, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder($"INSERT INTO {ResourceDefinition.Schema}.{table.Name} (tenant_id, {string.Join(", ", table.Columns)}) VALUES ");
        await using var insert = new NpgsqlCommand { Connection = target };
        insert.Parameters.AddWithValue(tenantId);
        for (var r = 0; r < rows.Count; r++)
        {
            sql.Append(r == 0 ? "($1" : ", ($1");
            for (var c = 0; c < table.Columns.Count; c++)
            {
                // The column's own type (jsonb, numeric, timestamptz...) travels with the value, so nothing is re-inferred.
                insert.Parameters.Add(new NpgsqlParameter { Value = rows[r][c], DataTypeName = types[c] });
                sql.Append(", $").Append(insert.Parameters.Count);
            }

            sql.Append(')');
        }

        insert.CommandText = sql.ToString();
        return await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    private static List<MovedTable> Build()
    {
        var resources = CrmResources.All.ToDictionary(r => r.Table, r => r, StringComparer.Ordinal);
        var ordered = new List<MovedTable>();
        var placed = new HashSet<string>(StringComparer.Ordinal);
        while (placed.Count < resources.Count)
        {
            // Parents first: a resource goes once every resource it references is in (self-references aside).
            var next = resources.Values.First(r => !placed.Contains(r.Table) && r.Fields
                .Where(f => f.References is not null && f.References != r.Name)
                .All(f => placed.Contains(CrmResources.Get(f.References!).Table)));
            ordered.Add(new MovedTable(next.Table, [.. next.Fields.Select(f => f.Column)]));
            placed.Add(next.Table);
        }

        ordered.Add(new MovedTable("attachments",
            ["id", "created_at", "updated_at", "file_name", "content_type", "size_bytes", "storage_path", "sha256", "account_id"]));
        ordered.Add(new MovedTable("idempotency_keys",
            ["id", "created_at", "updated_at", "idempotency_key", "resource", "request_hash", "resource_id", "response"]));
        return ordered;
    }
}

/// <summary>A tenant table a move carries: its name in the crm schema and its columns other than tenant_id.</summary>
internal sealed record MovedTable(string Name, IReadOnlyList<string> Columns);
