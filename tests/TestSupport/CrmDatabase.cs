using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTenants.Catalog.Provisioning;
using OrleansTenants.Catalog.Schema;
using OrleansTenants.Crm;
using OrleansTenants.Postgres.Migrations;
using Xunit;

namespace OrleansTenants.TestSupport;

/// <summary>
/// A provisioned tenant database with every tenant migration, reached as the application role the way the
/// TenantGrain reaches it: one transaction per operation, app.tenant_id set with set_config(..., true).
/// </summary>
public sealed class CrmDatabase : IAsyncLifetime
{
    private ProvisionedDatabase _database = null!;
    private PostgresTestServer _server = null!;

    /// <summary>The application role: member of crm_app, subject to row-level security.</summary>
    public NpgsqlDataSource App { get; private set; } = null!;

    /// <summary>A superuser, for checks that must see every tenant's rows.</summary>
    public NpgsqlDataSource Admin { get; private set; } = null!;

    public static string NewTenant() => "t-" + Guid.NewGuid().ToString("N")[..12];

    public async Task InitializeAsync()
    {
        _server = await PostgresTestServer.GetAsync();
        var name = "crm_" + Guid.NewGuid().ToString("N")[..12];
        _database = await new DatabaseProvisioner(NullLogger<DatabaseProvisioner>.Instance).CreateAsync(_server.GetConnectionString(), name, CancellationToken.None);
        await using (var owner = NpgsqlDataSource.Create(_database.OwnerConnectionString))
        {
            await new MigrationRunner(NullLogger<MigrationRunner>.Instance).ApplyAsync(owner, SchemaMigrations.Tenant);
        }

        App = NpgsqlDataSource.Create(_database.AppConnectionString);
        Admin = NpgsqlDataSource.Create(_server.GetConnectionString(name));
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Admin.DisposeAsync();
        await _server.DropDatabaseAsync(_database.Name);
    }

    /// <summary>Runs <paramref name="work"/> in its own transaction as <paramref name="tenantId"/>; commits unless it throws.</summary>
    public async Task<T> InTenantAsync<T>(string tenantId, Func<NpgsqlConnection, Task<T>> work)
    {
        await using var connection = await App.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var set = new NpgsqlCommand("SELECT set_config('app.tenant_id', $1, true)", connection))
        {
            set.Parameters.AddWithValue(tenantId);
            await set.ExecuteNonQueryAsync();
        }

        var result = await work(connection);
        await transaction.CommitAsync();
        return result;
    }

    public Task<(bool Replayed, JsonElement Row, Guid Id)> CreateAsync(string tenantId, string resource, object body, string? idempotencyKey = null) =>
        InTenantAsync(tenantId, async connection =>
        {
            var (replayed, json, id) = await CrmRepository.CreateAsync(connection, CrmResources.Get(resource), tenantId, ToElement(body), idempotencyKey, CancellationToken.None);
            return (replayed, Parse(json)!.Value, id);
        });

    public Task<JsonElement?> GetAsync(string tenantId, string resource, Guid id) =>
        InTenantAsync(tenantId, async connection => Parse(await CrmRepository.GetAsync(connection, CrmResources.Get(resource), tenantId, id, CancellationToken.None)));

    public Task<JsonElement?> PatchAsync(string tenantId, string resource, Guid id, object patch) =>
        InTenantAsync(tenantId, async connection => Parse(await CrmRepository.PatchAsync(connection, CrmResources.Get(resource), tenantId, id, ToElement(patch), CancellationToken.None)));

    public Task<bool> DeleteAsync(string tenantId, string resource, Guid id) =>
        InTenantAsync(tenantId, connection => CrmRepository.DeleteAsync(connection, CrmResources.Get(resource), tenantId, id, CancellationToken.None));

    /// <summary>One page; the query is parsed here, so a bad parameter throws before any SQL.</summary>
    public Task<JsonElement> ListAsync(
        string tenantId, string resource, IReadOnlyDictionary<string, string?>? query = null, int exactCountCap = ListQuery.DefaultExactCountCap)
    {
        var definition = CrmResources.Get(resource);
        var parsed = ListQuery.Parse(definition, query ?? new Dictionary<string, string?>());
        return InTenantAsync(tenantId, async connection =>
            Parse(await CrmRepository.ListAsync(connection, definition, tenantId, parsed, exactCountCap, CancellationToken.None))!.Value);
    }

    /// <summary>Row counts of every table in schema crm, all tenants, seen by a superuser.</summary>
    public async Task<Dictionary<string, long>> CountAllAsync()
    {
        var tables = new List<string>();
        await using (var list = Admin.CreateCommand("SELECT tablename FROM pg_tables WHERE schemaname = 'crm' ORDER BY tablename"))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var counts = new Dictionary<string, long>();
        foreach (var table in tables)
        {
            // Table names come from pg_tables, not from a test input.
            await using var count = Admin.CreateCommand($"SELECT count(*) FROM crm.\"{table}\"");
            counts[table] = (long)(await count.ExecuteScalarAsync())!;
        }

        return counts;
    }

    public static JsonElement ToElement(object body) =>
        body is string json ? JsonDocument.Parse(json).RootElement.Clone() : JsonSerializer.SerializeToElement(body);

    public static JsonElement? Parse(byte[]? json)
    {
        if (json is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
