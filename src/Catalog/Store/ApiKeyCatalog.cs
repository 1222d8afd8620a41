using System.Buffers.Text;
using System.Data;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace OrleansTenants.Catalog.Store;

/// <summary>A key as issued: <see cref="Key"/> is shown once and never stored.</summary>
public sealed record IssuedApiKey(Guid Id, string TenantId, string Key)
{
    public override string ToString() => $"IssuedApiKey {{ Id = {Id}, TenantId = {TenantId} }}";
}

/// <summary>
/// Tenant API keys: <c>otk_&lt;prefix&gt;_&lt;secret&gt;</c>. The prefix finds the row; only the SHA-256 of
/// the whole key is stored, which suffices because the key carries 256 random bits.
/// </summary>
public sealed class ApiKeyCatalog(CatalogDatabase catalog)
{
    private const string Scheme = "otk_";
    private const int PrefixLength = 12;

    public async Task<IssuedApiKey> IssueAsync(string tenantId, string? name, string actor, CancellationToken cancellationToken)
    {
        var prefix = RandomNumberGenerator.GetHexString(PrefixLength, lowercase: true);
        var key = $"{Scheme}{prefix}_{Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32))}";

        await using var db = await catalog.OpenConnectionAsync(cancellationToken);
        await using var transaction = await db.BeginTransactionAsync(cancellationToken);
        Guid id;
        await using (var command = new NpgsqlCommand(
            "INSERT INTO catalog.api_keys (tenant_id, prefix, key_hash, name) VALUES (@tenant, @prefix, @hash, @name) RETURNING id", db))
        {
            command.Parameters.AddWithValue("tenant", tenantId);
            command.Parameters.AddWithValue("prefix", prefix);
            command.Parameters.AddWithValue("hash", Hash(key));
            command.Parameters.AddWithValue("name", (object?)name ?? DBNull.Value);
            id = (Guid)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        await AuditLog.WriteAsync(
            db, actor, "api-key.issue", $"tenant:{tenantId}", new Dictionary<string, object?> { ["keyId"] = id, ["prefix"] = prefix }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new IssuedApiKey(id, tenantId, key);
    }

    /// <summary>Revokes a key at once; false when the tenant has no such live key. The caller deactivates the tenant's grain.</summary>
    public async Task<bool> RevokeAsync(string tenantId, Guid keyId, string actor, CancellationToken cancellationToken)
    {
        await using var db = await catalog.OpenConnectionAsync(cancellationToken);
        await using var transaction = await db.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand(
            "UPDATE catalog.api_keys SET revoked_at = now() WHERE id = @id AND tenant_id = @tenant AND revoked_at IS NULL", db))
        {
            command.Parameters.AddWithValue("id", keyId);
            command.Parameters.AddWithValue("tenant", tenantId);
            if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return false;
            }
        }

        await AuditLog.WriteAsync(db, actor, "api-key.revoke", $"tenant:{tenantId}", new Dictionary<string, object?> { ["keyId"] = keyId }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>The tenant a presented key belongs to, or null when it is unknown, malformed or revoked.</summary>
    public async Task<string?> FindTenantAsync(string presentedKey, CancellationToken cancellationToken)
    {
        if (!TryGetPrefix(presentedKey, out var prefix))
        {
            return null;
        }

        await using var db = await catalog.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT tenant_id, key_hash FROM catalog.api_keys WHERE prefix = @prefix AND revoked_at IS NULL", db);
        command.Parameters.AddWithValue("prefix", prefix);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var stored = reader.GetFieldValue<byte[]>("key_hash");
        return CryptographicOperations.FixedTimeEquals(stored, Hash(presentedKey)) ? reader.GetString("tenant_id") : null;
    }

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private static bool TryGetPrefix(string key, out string prefix)
    {
        prefix = string.Empty;
        if (!key.StartsWith(Scheme, StringComparison.Ordinal) || key.Length < Scheme.Length + PrefixLength + 2 || key[Scheme.Length + PrefixLength] != '_')
        {
            return false;
        }

        prefix = key.Substring(Scheme.Length, PrefixLength);
        return true;
    }
}
