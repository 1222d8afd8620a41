using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace OrleansTenants.Crm;

/// <summary>
/// A statement under construction: SQL text made only of fixed keywords and registry identifiers, and a
/// positional bind parameter ($1, $2, ...) for every value.
/// </summary>
internal sealed class CrmStatement
{
    private readonly StringBuilder _sql = new(256);
    private readonly List<NpgsqlParameter> _parameters = [];

    public CrmStatement Append(string sql)
    {
        _sql.Append(sql);
        return this;
    }

    /// <summary>Adds a bind parameter and returns its placeholder.</summary>
    public string Parameter(object? value, NpgsqlDbType type)
    {
        _parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value, NpgsqlDbType = type });
        return "$" + _parameters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public string Parameter(FieldDefinition field, object? value) => Parameter(value, field.DbType);

    public NpgsqlCommand CreateCommand(NpgsqlConnection connection)
    {
        var command = new NpgsqlCommand(_sql.ToString(), connection);
        command.Parameters.AddRange(_parameters.ToArray());
        return command;
    }

    public override string ToString() => _sql.ToString();
}

/// <summary>The statements of <see cref="CrmRepository"/>. Every one filters on tenant_id (row-level security is the backstop).</summary>
internal static class CrmSql
{
    private const string TenantColumn = "\"tenant_id\"";
    private const string IdColumn = "\"id\"";

    public static CrmStatement SelectOne(ResourceDefinition resource, string tenantId, Guid id, bool forUpdate = false)
    {
        var statement = new CrmStatement();
        statement.Append($"SELECT {resource.SelectList} FROM {resource.QualifiedTable} WHERE ");
        AppendKey(statement, tenantId, id);
        if (forUpdate)
        {
            statement.Append(" FOR UPDATE");
        }

        return statement;
    }

    public static CrmStatement Insert(ResourceDefinition resource, string tenantId, IReadOnlyList<FieldValue> values)
    {
        var statement = new CrmStatement();
        statement.Append($"INSERT INTO {resource.QualifiedTable} ({TenantColumn}");
        foreach (var value in values)
        {
            statement.Append(", ").Append(value.Field.QuotedColumn);
        }

        statement.Append(") VALUES (").Append(statement.Parameter(tenantId, NpgsqlDbType.Text));
        foreach (var value in values)
        {
            statement.Append(", ").Append(statement.Parameter(value.Field, value.Value));
        }

        return statement.Append($") RETURNING {resource.SelectList}");
    }

    public static CrmStatement Update(ResourceDefinition resource, string tenantId, Guid id, IReadOnlyList<FieldValue> values)
    {
        var statement = new CrmStatement();
        statement.Append($"UPDATE {resource.QualifiedTable} SET ");
        for (var i = 0; i < values.Count; i++)
        {
            statement.Append(i == 0 ? string.Empty : ", ")
                .Append(values[i].Field.QuotedColumn).Append(" = ").Append(statement.Parameter(values[i].Field, values[i].Value));
        }

        statement.Append(" WHERE ");
        AppendKey(statement, tenantId, id);
        return statement.Append($" RETURNING {resource.SelectList}");
    }

    public static CrmStatement Delete(ResourceDefinition resource, string tenantId, Guid id)
    {
        var statement = new CrmStatement();
        statement.Append($"DELETE FROM {resource.QualifiedTable} WHERE ");
        AppendKey(statement, tenantId, id);
        return statement;
    }

    /// <summary>
    /// A page in keyset order: (sort column, id), ascending with NULLs last or descending with NULLs first (the
    /// orders a (tenant_id, column, id) index serves forwards and backwards), one row more than the limit to tell
    /// whether there is a next page.
    /// </summary>
    public static CrmStatement List(ResourceDefinition resource, string tenantId, ListQuery query)
    {
        var statement = new CrmStatement();
        statement.Append($"SELECT {resource.SelectList} FROM ");
        AppendMatching(statement, resource, tenantId, query);

        var sort = query.SortField;
        var column = sort.QuotedColumn;
        if (query.Cursor is { } cursor)
        {
            var id = statement.Parameter(cursor.Id, NpgsqlDbType.Uuid);
            statement.Append(" AND ");
            if (cursor.Value is null)
            {
                // The last row had no value: the rest of the NULL group, then (descending only) every non-NULL row.
                statement.Append(query.Descending
                    ? $"(({column} IS NULL AND {IdColumn} < {id}) OR {column} IS NOT NULL)"
                    : $"({column} IS NULL AND {IdColumn} > {id})");
            }
            else
            {
                var value = statement.Parameter(sort, cursor.Value);
                var comparison = query.Descending
                    ? $"({column}, {IdColumn}) < ({value}, {id})"
                    : $"({column}, {IdColumn}) > ({value}, {id})";

                // Ascending puts NULLs last, after every value; descending puts them first, so they are behind us.
                statement.Append(!query.Descending && sort.Nullable ? $"({comparison} OR {column} IS NULL)" : comparison);
            }
        }

        var direction = query.Descending ? "DESC NULLS FIRST" : "ASC NULLS LAST";
        var idDirection = query.Descending ? "DESC" : "ASC";
        statement.Append($" ORDER BY {column} {direction}, {IdColumn} {idDirection} LIMIT ")
            .Append(statement.Parameter((long)query.Limit + 1, NpgsqlDbType.Bigint));
        return statement;
    }

    /// <summary>
    /// How many rows the query's filters match, counting no further than <paramref name="cap"/> + 1 rows: a count
    /// never reads a tenant's whole table. The cursor is left out: the total is the whole list's.
    /// </summary>
    public static CrmStatement CappedCount(ResourceDefinition resource, string tenantId, ListQuery query, int cap)
    {
        var statement = new CrmStatement();
        statement.Append("SELECT count(*) FROM (SELECT 1 FROM ");
        AppendMatching(statement, resource, tenantId, query);
        return statement.Append(" LIMIT ").Append(statement.Parameter((long)cap + 1, NpgsqlDbType.Bigint)).Append(") capped");
    }

    /// <summary>The planner's estimate of the rows the query's filters match (its plan as JSON; nothing is read).</summary>
    public static CrmStatement EstimatedCount(ResourceDefinition resource, string tenantId, ListQuery query)
    {
        var statement = new CrmStatement();
        statement.Append("EXPLAIN (FORMAT JSON) SELECT 1 FROM ");
        AppendMatching(statement, resource, tenantId, query);
        return statement;
    }

    private static void AppendMatching(CrmStatement statement, ResourceDefinition resource, string tenantId, ListQuery query)
    {
        statement.Append($"{resource.QualifiedTable} WHERE {TenantColumn} = ").Append(statement.Parameter(tenantId, NpgsqlDbType.Text));
        foreach (var filter in query.Filters)
        {
            statement.Append(" AND ").Append(filter.Field.QuotedColumn).Append(" = ").Append(statement.Parameter(filter.Field, filter.Value));
        }
    }

    private static void AppendKey(CrmStatement statement, string tenantId, Guid id) =>
        statement.Append($"{TenantColumn} = ").Append(statement.Parameter(tenantId, NpgsqlDbType.Text))
            .Append($" AND {IdColumn} = ").Append(statement.Parameter(id, NpgsqlDbType.Uuid));
}
