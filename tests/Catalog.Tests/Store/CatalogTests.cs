using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansTenants.Abstractions.Catalog;
using OrleansTenants.Catalog.Schema;
using OrleansTenants.Catalog.Secrets;
using OrleansTenants.Catalog.Store;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Catalog.Tests.Store;

public sealed class CatalogTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>, IAsyncLifetime
{
    private const string Secret = "Password=s3cr3t-catalog-value";
    private static readonly byte[] OldKey = CatalogServices.NewKey();
    private static readonly byte[] NewKey = CatalogServices.NewKey();

    public async Task InitializeAsync()
    {
        await using var services = CatalogServices.Build(database.ConnectionString, new Dictionary<string, byte[]> { ["old"] = OldKey }, "old");
        await services.GetRequiredService<SchemaMigrator>().ApplyCatalogAsync(CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Stores_connection_settings_encrypted_and_returns_them_decrypted()
    {
        await using var services = CatalogServices.Build(database.ConnectionString, new Dictionary<string, byte[]> { ["old"] = OldKey }, "old");
        var databases = services.GetRequiredService<DatabaseCatalog>();
        var settings = new ConnectionSettings($"Host=db1;{Secret}", [$"Host=replica1;{Secret}"]);

        await databases.RegisterAsync(new DatabaseRegistration("stored-db", DatabaseKinds.Shared, settings, $"Host=db1;Username=owner;{Secret}"), "test", CancellationToken.None);

        (await databases.GetConnectionAsync("stored-db", CancellationToken.None)).Should().BeEquivalentTo(settings);
        (await databases.GetMigrationConnectionStringAsync("stored-db", CancellationToken.None)).Should().Contain("Username=owner");
        var stored = await ScalarAsync<string>("SELECT connection_secret || migration_secret FROM catalog.databases WHERE name = 'stored-db'");
        stored.Should().NotContain("s3cr3t").And.StartWith("v1:old:");
    }

    [Fact]
    public async Task A_secret_copied_onto_another_row_does_not_decrypt()
    {
        await using var services = CatalogServices.Build(database.ConnectionString, new Dictionary<string, byte[]> { ["old"] = OldKey }, "old");
        var databases = services.GetRequiredService<DatabaseCatalog>();
        await databases.RegisterAsync(new DatabaseRegistration("copy-source", DatabaseKinds.Shared, new ConnectionSettings($"Host=a;{Secret}", [])), "test", CancellationToken.None);
        await databases.RegisterAsync(new DatabaseRegistration("copy-target", DatabaseKinds.Shared, new ConnectionSettings("Host=b", [])), "test", CancellationToken.None);

        await ScalarAsync<int>("UPDATE catalog.databases SET connection_secret = (SELECT connection_secret FROM catalog.databases WHERE name = 'copy-source') WHERE name = 'copy-target' RETURNING 1");
        try
        {
            var act = () => databases.GetConnectionAsync("copy-target", CancellationToken.None);

            (await act.Should().ThrowAsync<SecretDecryptionException>()).Which.Message.Should().Contain("copy-target").And.NotContain("s3cr3t");
        }
        finally
        {
            // The rotation test re-encrypts every row of this class's catalog: a row left undecryptable would fail it.
            await ScalarAsync<int>("WITH gone AS (DELETE FROM catalog.databases WHERE name = 'copy-target' RETURNING 1) SELECT count(*)::int FROM gone");
        }
    }

    [Fact]
    public async Task Rotation_reencrypts_every_stored_secret_under_the_new_key_in_one_go()
    {
        await using (var before = CatalogServices.Build(database.ConnectionString, new Dictionary<string, byte[]> { ["old"] = OldKey }, "old"))
        {
            var databases = before.GetRequiredService<DatabaseCatalog>();
            await databases.RegisterAsync(new DatabaseRegistration("rotated-db", DatabaseKinds.Shared, new ConnectionSettings($"Host=r;{Secret}", []), $"Host=r;Username=o;{Secret}"), "test", CancellationToken.None);
            await before.GetRequiredService<TenantCatalog>().CreateAsync(
                new TenantRegistration("rotated-tenant", "Rotated", null, PlacementModes.Dedicated, "rotated-db", new ConnectionSettings($"Host=t;{Secret}", [])), "test", CancellationToken.None);
        }

        await using (var both = CatalogServices.Build(database.ConnectionString, new Dictionary<string, byte[]> { ["old"] = OldKey, ["new"] = NewKey }, "new"))
        {
            var result = await both.GetRequiredService<EncryptionKeyRotation>().ReencryptAllAsync("test", CancellationToken.None);
            result.ActiveKeyId.Should().Be("new");
            result.TenantSecrets.Should().BeGreaterThanOrEqualTo(1);
        }

        (await ScalarAsync<long>("SELECT count(*) FROM catalog.databases WHERE connection_key_id <> 'new' OR migration_key_id <> 'new' OR connection_secret NOT LIKE 'v1:new:%'")).Should().Be(0);
        (await ScalarAsync<long>("SELECT count(*) FROM catalog.tenants WHERE connection_secret IS NOT NULL AND (connection_key_id <> 'new' OR connection_secret NOT LIKE 'v1:new:%')")).Should().Be(0);
        await using var onlyNew = CatalogServices.Build(database.ConnectionString, new Dictionary<string, byte[]> { ["new"] = NewKey }, "new");
        (await onlyNew.GetRequiredService<DatabaseCatalog>().GetConnectionAsync("rotated-db", CancellationToken.None)).ConnectionString.Should().Be($"Host=r;{Secret}");
        (await onlyNew.GetRequiredService<DatabaseCatalog>().GetMigrationConnectionStringAsync("rotated-db", CancellationToken.None)).Should().Be($"Host=r;Username=o;{Secret}");
        var audit = await ScalarAsync<string>("SELECT string_agg(action || ' ' || target || ' ' || details::text, E'\\n') FROM catalog.audit_log");
        audit.Should().Contain("encryption.rotate").And.Contain("tenant.create").And.NotContain("s3cr3t").And.NotContain("Password");
    }

    [Fact]
    public async Task Api_keys_are_stored_as_hashes_and_found_only_when_exact_and_not_revoked()
    {
        await using var services = CatalogServices.Build(database.ConnectionString, new Dictionary<string, byte[]> { ["old"] = OldKey }, "old");
        await services.GetRequiredService<DatabaseCatalog>().RegisterAsync(new DatabaseRegistration("keys-db", DatabaseKinds.Shared, new ConnectionSettings("Host=k", [])), "test", CancellationToken.None);
        await services.GetRequiredService<TenantCatalog>().CreateAsync(new TenantRegistration("key-tenant", "Keys", null, PlacementModes.Shared, "keys-db"), "test", CancellationToken.None);
        var apiKeys = services.GetRequiredService<ApiKeyCatalog>();

        var issued = await apiKeys.IssueAsync("key-tenant", "ci", "test", CancellationToken.None);

        (await apiKeys.FindTenantAsync(issued.Key, CancellationToken.None)).Should().Be("key-tenant");
        (await apiKeys.FindTenantAsync(issued.Key[..^1] + (issued.Key[^1] == 'A' ? 'B' : 'A'), CancellationToken.None)).Should().BeNull();
        (await apiKeys.FindTenantAsync("otk_short", CancellationToken.None)).Should().BeNull();
        (await ScalarAsync<long>($"SELECT count(*) FROM catalog.api_keys WHERE key_hash = sha256(convert_to('{issued.Key}', 'UTF8'))")).Should().Be(1);
        (await ScalarAsync<string>("SELECT string_agg(details::text, ' ') FROM catalog.audit_log")).Should().NotContain(issued.Key);

        await ScalarAsync<int>($"UPDATE catalog.api_keys SET revoked_at = now() WHERE id = '{issued.Id}' RETURNING 1");
        (await apiKeys.FindTenantAsync(issued.Key, CancellationToken.None)).Should().BeNull();
    }

    [Fact]
    public async Task Tenant_ids_must_be_lower_case_slugs()
    {
        await using var services = CatalogServices.Build(database.ConnectionString, new Dictionary<string, byte[]> { ["old"] = OldKey }, "old");
        await services.GetRequiredService<DatabaseCatalog>().RegisterAsync(new DatabaseRegistration("slug-db", DatabaseKinds.Shared, new ConnectionSettings("Host=s", [])), "test", CancellationToken.None);
        var tenants = services.GetRequiredService<TenantCatalog>();

        var act = () => tenants.CreateAsync(new TenantRegistration("Bad_Id", "Bad", null, PlacementModes.Shared, "slug-db"), "test", CancellationToken.None);

        (await act.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be(PostgresErrorCodes.CheckViolation);
        (await tenants.GetAsync("Bad_Id", CancellationToken.None)).Should().BeNull();
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        await using var command = dataSource.CreateCommand(sql);
        var value = await command.ExecuteScalarAsync();
        return value is DBNull ? default! : (T)value!;
    }
}
