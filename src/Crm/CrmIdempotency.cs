using System.Buffers;
using System.Data;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using OrleansTenants.Abstractions.Crm;

namespace OrleansTenants.Crm;

/// <summary>
/// Idempotency keys of create requests, per tenant, in <c>crm.idempotency_keys</c> (migration 0005). A key is
/// claimed in the caller's transaction before the row is inserted and completed with the response after it,
/// so both commit or neither does; a concurrent request with the same key waits on the claim and then replays.
/// </summary>
internal static class CrmIdempotency
{
    public const string HeaderName = "Idempotency-Key";
    private const int MaxKeyLength = 255;

    private const string ClaimSql =
        "INSERT INTO crm.idempotency_keys (tenant_id, idempotency_key, resource, request_hash) VALUES ($1, $2, $3, $4) " +
        "ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id";

    private const string ReadSql =
        "SELECT resource, request_hash, resource_id, response FROM crm.idempotency_keys WHERE tenant_id = $1 AND idempotency_key = $2";

    private const string CompleteSql =
        "UPDATE crm.idempotency_keys SET resource_id = $3, response = $4 WHERE tenant_id = $1 AND idempotency_key = $2";

    /// <summary>Refuses a key that is empty, too long or not printable ASCII (HTTP header text).</summary>
    public static void ValidateKey(ResourceDefinition resource, string key)
    {
        if (key.Length is 0 or > MaxKeyLength || !key.All(c => c is >= ' ' and <= '~'))
        {
            throw new CrmValidationException(resource.Name,
                [new CrmFieldError(HeaderName, $"must be 1 to {MaxKeyLength} printable ASCII characters")]);
        }
    }

    /// <summary>SHA-256 of the resource name and the validated body in canonical form (field order, normalized values).</summary>
    public static byte[] HashRequest(ResourceDefinition resource, IReadOnlyList<FieldValue> values)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            writer.WriteStringValue(resource.Name);
            foreach (var value in values)
            {
                writer.WriteStringValue(value.Field.Name);
                CrmValues.Write(writer, value.Value is decimal number ? CrmValues.Normalize(number) : value.Value);
            }

            writer.WriteEndArray();
        }

        return SHA256.HashData(buffer.WrittenSpan);
    }

    /// <summary>Claims the key; returns null when claimed, or the stored outcome of the earlier request with this key.</summary>
    public static async Task<(byte[] Json, Guid Id)?> ClaimOrReplayAsync(
        NpgsqlConnection connection, ResourceDefinition resource, string tenantId, string key, byte[] requestHash, CancellationToken cancellationToken)
    {
        await using (var claim = new NpgsqlCommand(ClaimSql, connection))
        {
            claim.Parameters.Add(new NpgsqlParameter { Value = tenantId, NpgsqlDbType = NpgsqlDbType.Text });
            claim.Parameters.Add(new NpgsqlParameter { Value = key, NpgsqlDbType = NpgsqlDbType.Text });
            claim.Parameters.Add(new NpgsqlParameter { Value = resource.Name, NpgsqlDbType = NpgsqlDbType.Text });
            claim.Parameters.Add(new NpgsqlParameter { Value = requestHash, NpgsqlDbType = NpgsqlDbType.Bytea });
            if (await claim.ExecuteScalarAsync(cancellationToken) is not null)
            {
                return null;
            }
        }

        await using var read = new NpgsqlCommand(ReadSql, connection);
        read.Parameters.Add(new NpgsqlParameter { Value = tenantId, NpgsqlDbType = NpgsqlDbType.Text });
        read.Parameters.Add(new NpgsqlParameter { Value = key, NpgsqlDbType = NpgsqlDbType.Text });
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken) || reader.IsDBNull("resource_id") || reader.IsDBNull("response"))
        {
            // Only possible when the first request is still running and invisible to this snapshot.
            throw new CrmIdempotencyConflictException("A request with this Idempotency-Key is still in progress; retry later.") { Resource = resource.Name };
        }

        if (reader.GetString("resource") != resource.Name || !CryptographicOperations.FixedTimeEquals(reader.GetFieldValue<byte[]>("request_hash"), requestHash))
        {
            throw new CrmIdempotencyConflictException("This Idempotency-Key was already used with a different request body or resource.") { Resource = resource.Name };
        }

        return (Encoding.UTF8.GetBytes(reader.GetString("response")), reader.GetGuid("resource_id"));
    }

    public static async Task CompleteAsync(
        NpgsqlConnection connection, string tenantId, string key, Guid id, byte[] json, CancellationToken cancellationToken)
    {
        await using var complete = new NpgsqlCommand(CompleteSql, connection);
        complete.Parameters.Add(new NpgsqlParameter { Value = tenantId, NpgsqlDbType = NpgsqlDbType.Text });
        complete.Parameters.Add(new NpgsqlParameter { Value = key, NpgsqlDbType = NpgsqlDbType.Text });
        complete.Parameters.Add(new NpgsqlParameter { Value = id, NpgsqlDbType = NpgsqlDbType.Uuid });
        complete.Parameters.Add(new NpgsqlParameter { Value = Encoding.UTF8.GetString(json), NpgsqlDbType = NpgsqlDbType.Text });
        await complete.ExecuteNonQueryAsync(cancellationToken);
    }
}
