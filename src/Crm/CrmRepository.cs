using System.Buffers;
using System.Text.Json;
using Npgsql;

namespace OrleansTenants.Crm;

/// <summary>
/// The CRM operations, driven by a <see cref="ResourceDefinition"/> from <see cref="CrmResources"/>. The caller
/// (the TenantGrain) passes an open connection on which it has begun a transaction and run
/// <c>SELECT set_config('app.tenant_id', @tenant, true)</c>; every statement here also filters on
/// <c>tenant_id</c> and binds every value. Responses are UTF-8 JSON written straight from the data reader.
/// Client errors are <see cref="CrmValidationException"/> (400), <see cref="CrmConflictException"/> (409) and
/// <see cref="CrmIdempotencyConflictException"/> (422); after any exception the caller rolls the transaction back.
/// </summary>
public static class CrmRepository
{
    /// <summary>
    /// A page: <c>{"items":[...],"nextCursor":string|null}</c>, with <c>"total"</c> and <c>"totalIsEstimate"</c> when
    /// the query asks to count: exact up to <paramref name="exactCountCap"/> rows, past it the planner's estimate.
    /// </summary>
    public static async Task<byte[]> ListAsync(
        NpgsqlConnection connection, ResourceDefinition resource, string tenantId, ListQuery query, int exactCountCap, CancellationToken cancellationToken)
    {
        CheckArguments(connection, resource, tenantId);
        ArgumentNullException.ThrowIfNull(query);
        if (query.Resource != resource)
        {
            throw new ArgumentException($"The query was parsed for {query.Resource.Name}, not {resource.Name}.", nameof(query));
        }

        var total = query.Count ? await CountAsync(connection, resource, tenantId, query, exactCountCap, cancellationToken) : default;
        var sortOrdinal = resource.OrdinalOf(query.SortField);
        await using var command = CrmSql.List(resource, tenantId, query).CreateCommand(connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);

        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        using var writer = new Utf8JsonWriter(buffer, CrmRowWriter.WriterOptions);
        writer.WriteStartObject();
        writer.WriteStartArray("items");
        var count = 0;
        object? lastValue = null;
        var lastId = Guid.Empty;
        string? nextCursor = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            if (count == query.Limit)
            {
                nextCursor = ListCursor.Encode(resource, query.Sort, lastValue, lastId);
                break;
            }

            CrmRowWriter.WriteRow(writer, reader, resource);
            if (++count == query.Limit)
            {
                lastValue = CrmRowWriter.ReadValue(reader, sortOrdinal, query.SortField);
                lastId = reader.GetGuid(ResourceDefinition.IdOrdinal);
            }
        }

        writer.WriteEndArray();
        writer.WriteString("nextCursor", nextCursor);
        if (query.Count)
        {
            writer.WriteNumber("total", total.Rows);
            writer.WriteBoolean("totalIsEstimate", total.IsEstimate);
        }

        writer.WriteEndObject();
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static async Task<(long Rows, bool IsEstimate)> CountAsync(
        NpgsqlConnection connection, ResourceDefinition resource, string tenantId, ListQuery query, int cap, CancellationToken cancellationToken)
    {
        await using (var capped = CrmSql.CappedCount(resource, tenantId, query, cap).CreateCommand(connection))
        {
            var rows = (long)(await capped.ExecuteScalarAsync(cancellationToken))!;
            if (rows <= cap)
            {
                return (rows, false);
            }
        }

        // More than the cap are known to match, whatever the statistics say.
        await using var explain = CrmSql.EstimatedCount(resource, tenantId, query).CreateCommand(connection);
        using var plan = JsonDocument.Parse((string)(await explain.ExecuteScalarAsync(cancellationToken))!);
        var estimate = plan.RootElement[0].GetProperty("Plan").GetProperty("Plan Rows").GetDouble();
        return (Math.Max((long)estimate, cap + 1L), true);
    }

    /// <summary>The row as JSON, or null when this tenant has no such row.</summary>
    public static async Task<byte[]?> GetAsync(NpgsqlConnection connection, ResourceDefinition resource, string tenantId, Guid id, CancellationToken cancellationToken)
    {
        CheckArguments(connection, resource, tenantId);
        await using var command = CrmSql.SelectOne(resource, tenantId, id).CreateCommand(connection);
        return (await ReadOneAsync(command, resource, cancellationToken))?.Json;
    }

    /// <summary>
    /// Validates and inserts a row. With an idempotency key: the same key with the same body (same resource,
    /// same canonical values) returns the first response with <c>Replayed</c> true and inserts nothing; the same
    /// key with another body throws <see cref="CrmIdempotencyConflictException"/>.
    /// </summary>
    public static Task<(bool Replayed, byte[] Json, Guid Id)> CreateAsync(
        NpgsqlConnection connection, ResourceDefinition resource, string tenantId, JsonElement body, string? idempotencyKey, CancellationToken cancellationToken) =>
        CreateAsync(connection, resource, tenantId, ValidateCreate(resource, body, idempotencyKey), idempotencyKey, cancellationToken);

    /// <summary>
    /// The checks of a create that need no database: the body and the idempotency key. Callers run them before they
    /// open a connection, so invalid input is a 400 whatever the database's state.
    /// </summary>
    public static IReadOnlyList<FieldValue> ValidateCreate(ResourceDefinition resource, JsonElement body, string? idempotencyKey)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var values = CrmBodyValidator.ValidateCreate(resource, body);
        if (idempotencyKey is not null)
        {
            CrmIdempotency.ValidateKey(resource, idempotencyKey);
        }

        return values;
    }

    /// <summary>Inserts a row from values <see cref="ValidateCreate"/> returned.</summary>
    public static async Task<(bool Replayed, byte[] Json, Guid Id)> CreateAsync(
        NpgsqlConnection connection, ResourceDefinition resource, string tenantId, IReadOnlyList<FieldValue> values, string? idempotencyKey, CancellationToken cancellationToken)
    {
        CheckArguments(connection, resource, tenantId);
        if (idempotencyKey is not null)
        {
            var hash = CrmIdempotency.HashRequest(resource, values);
            if (await CrmIdempotency.ClaimOrReplayAsync(connection, resource, tenantId, idempotencyKey, hash, cancellationToken) is { } stored)
            {
                return (true, stored.Json, stored.Id);
            }
        }

        await using var command = CrmSql.Insert(resource, tenantId, values).CreateCommand(connection);
        var (json, id) = await ReadOneAsync(command, resource, cancellationToken)
            ?? throw new InvalidOperationException($"INSERT into {resource.Table} returned no row.");
        if (idempotencyKey is not null)
        {
            await CrmIdempotency.CompleteAsync(connection, tenantId, idempotencyKey, id, json, cancellationToken);
        }

        return (false, json, id);
    }

    /// <summary>
    /// Applies an RFC 7386 merge patch: fields present are set (null clears a nullable field), absent fields stay.
    /// Cross-field rules are checked against the stored row merged with the patch. Null when there is no such row.
    /// </summary>
    public static Task<byte[]?> PatchAsync(
        NpgsqlConnection connection, ResourceDefinition resource, string tenantId, Guid id, JsonElement mergePatch, CancellationToken cancellationToken) =>
        PatchAsync(connection, resource, tenantId, id, CrmBodyValidator.ValidatePatch(resource, mergePatch), cancellationToken);

    /// <summary>Applies patch values that <see cref="CrmBodyValidator.ValidatePatch"/> returned.</summary>
    public static async Task<byte[]?> PatchAsync(
        NpgsqlConnection connection, ResourceDefinition resource, string tenantId, Guid id, IReadOnlyList<FieldValue> values, CancellationToken cancellationToken)
    {
        CheckArguments(connection, resource, tenantId);
        if (values.Count == 0)
        {
            return await GetAsync(connection, resource, tenantId, id, cancellationToken);
        }

        var touched = values.Select(v => v.Field.Name).ToHashSet(StringComparer.Ordinal);
        if (resource.Rules.Any(rule => rule.Fields.Any(touched.Contains)))
        {
            var stored = await ReadStoredRowAsync(connection, resource, tenantId, id, cancellationToken);
            if (stored is null)
            {
                return null;
            }

            foreach (var value in values)
            {
                stored[value.Field.Name] = value.Value;
            }

            CrmBodyValidator.CheckRules(resource, stored);
        }

        await using var command = CrmSql.Update(resource, tenantId, id, values).CreateCommand(connection);
        return (await ReadOneAsync(command, resource, cancellationToken))?.Json;
    }

    /// <summary>
    /// Forgets this tenant's idempotency keys older than <paramref name="olderThan"/>, oldest first and at most
    /// <paramref name="limit"/> per call, so one call stays short; a retry after that long creates anew.
    /// </summary>
    public static async Task<int> PurgeIdempotencyKeysAsync(
        NpgsqlConnection connection, string tenantId, TimeSpan olderThan, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        await using var command = new NpgsqlCommand(
            """
            DELETE FROM crm.idempotency_keys WHERE tenant_id = $1 AND id IN (
                SELECT id FROM crm.idempotency_keys WHERE tenant_id = $1 AND created_at < now() - $2 ORDER BY created_at LIMIT $3)
            """,
            connection);
        command.Parameters.AddWithValue(tenantId);
        command.Parameters.AddWithValue(olderThan);
        command.Parameters.AddWithValue(limit);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Deletes the row; false when this tenant has no such row.</summary>
    public static async Task<bool> DeleteAsync(NpgsqlConnection connection, ResourceDefinition resource, string tenantId, Guid id, CancellationToken cancellationToken)
    {
        CheckArguments(connection, resource, tenantId);
        await using var command = CrmSql.Delete(resource, tenantId, id).CreateCommand(connection);
        try
        {
            return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
        }
        catch (PostgresException ex) when (CrmDatabaseErrors.Map(resource, ex) is { } mapped)
        {
            throw mapped;
        }
    }

    private static async Task<(byte[] Json, Guid Id)?> ReadOneAsync(NpgsqlCommand command, ResourceDefinition resource, CancellationToken cancellationToken)
    {
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            var buffer = new ArrayBufferWriter<byte>(1024);
            using (var writer = new Utf8JsonWriter(buffer, CrmRowWriter.WriterOptions))
            {
                CrmRowWriter.WriteRow(writer, reader, resource);
            }

            return (buffer.WrittenSpan.ToArray(), reader.GetGuid(ResourceDefinition.IdOrdinal));
        }
        catch (PostgresException ex) when (CrmDatabaseErrors.Map(resource, ex) is { } mapped)
        {
            throw mapped;
        }
    }

    private static async Task<Dictionary<string, object?>?> ReadStoredRowAsync(
        NpgsqlConnection connection, ResourceDefinition resource, string tenantId, Guid id, CancellationToken cancellationToken)
    {
        await using var command = CrmSql.SelectOne(resource, tenantId, id, forUpdate: true).CreateCommand(connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var row = new Dictionary<string, object?>(StringComparer.Ordinal);
        for (var i = 0; i < resource.Fields.Count; i++)
        {
            row[resource.Fields[i].Name] = CrmRowWriter.ReadValue(reader, i, resource.Fields[i]);
        }

        return row;
    }

    private static void CheckArguments(NpgsqlConnection connection, ResourceDefinition resource, string tenantId)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
    }
}
