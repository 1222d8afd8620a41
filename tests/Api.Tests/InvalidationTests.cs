using System.Net;
using System.Net.Http.Json;
using FluentAssertions;
using Npgsql;
using Xunit;

namespace OrleansTenants.Api.Tests;

/// <summary>
/// The activation is the cache, so invalidation is deactivation: after each admin call returns, every silo
/// behaves per the new catalog state. Two silos, calls through both.
/// </summary>
public sealed class InvalidationTests(PlacementModesFixture fixture) : IClassFixture<PlacementModesFixture>
{
    private ApiCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task A_revoked_key_is_refused_on_every_silo_as_soon_as_the_revoke_returns()
    {
        var (tenant, _) = fixture.Tenants["sharded"];
        var issued = await Cluster.PostAsync($"/admin/tenants/{tenant}/api-keys", new { name = "to revoke" });
        var key = issued["key"]!.GetValue<string>();
        using var first = Cluster.TenantClient(key, silo: 0);
        using var second = Cluster.TenantClient(key, silo: 1);
        (await first.GetAsync($"/api/tenants/{tenant}/notes")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await second.GetAsync($"/api/tenants/{tenant}/notes")).StatusCode.Should().Be(HttpStatusCode.OK);

        (await Cluster.Admin.DeleteAsync($"/admin/tenants/{tenant}/api-keys/{issued["id"]}")).StatusCode.Should().Be(HttpStatusCode.NoContent);

        (await first.GetAsync($"/api/tenants/{tenant}/notes")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await second.GetAsync($"/api/tenants/{tenant}/notes")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await Cluster.Admin.DeleteAsync($"/admin/tenants/{tenant}/api-keys/{issued["id"]}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Deactivation_makes_the_next_call_read_fresh_catalog_data()
    {
        var (tenant, key) = fixture.Tenants["single"];
        using var http = Cluster.TenantClient(key, silo: 1);
        (await http.GetAsync($"/api/tenants/{tenant}/tasks")).StatusCode.Should().Be(HttpStatusCode.OK);
        await ExecuteAsync(Cluster.CatalogConnectionString, $"UPDATE catalog.tenants SET status = 'suspended' WHERE id = '{tenant}'");

        // The activation still holds the catalog data it read; that is the point of the design.
        (await http.GetAsync($"/api/tenants/{tenant}/tasks")).StatusCode.Should().Be(HttpStatusCode.OK);
        using (var deactivated = await Cluster.Admin.PostAsync($"/admin/tenants/{tenant}/deactivate", null))
        {
            (await deactivated.Content.ReadFromJsonAsync<Dictionary<string, bool>>())!["deactivated"].Should().BeTrue();
        }

        (await http.GetAsync($"/api/tenants/{tenant}/tasks")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        using var other = Cluster.TenantClient(key, silo: 0);
        (await other.GetAsync($"/api/tenants/{tenant}/tasks")).StatusCode.Should().Be(HttpStatusCode.Forbidden);

        await ExecuteAsync(Cluster.CatalogConnectionString, $"UPDATE catalog.tenants SET status = 'active' WHERE id = '{tenant}'");
        await Cluster.Admin.PostAsync($"/admin/tenants/{tenant}/deactivate", null);
        (await http.GetAsync($"/api/tenants/{tenant}/tasks")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Replacing_the_connection_after_a_password_change_works_at_once_and_the_old_pool_is_gone()
    {
        // A dedicated database of its own, reached as a login role the test controls.
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var database = await Cluster.Server.CreateDatabaseAsync("rotate");
        var oldRole = $"rotate_old_{suffix}";
        var newRole = $"rotate_new_{suffix}";
        var admin = Cluster.Server.GetConnectionString(database);
        await ExecuteAsync(Cluster.Server.GetConnectionString(), $"""
            DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'crm_app') THEN CREATE ROLE crm_app NOLOGIN; END IF; END $$;
            CREATE ROLE {oldRole} LOGIN PASSWORD 'first-password' IN ROLE crm_app;
            CREATE ROLE {newRole} LOGIN PASSWORD 'second-password' IN ROLE crm_app;
            """);
        var tenant = $"rotating-{suffix}";
        var oldConnection = new NpgsqlConnectionStringBuilder(admin) { Username = oldRole, Password = "first-password" }.ConnectionString;
        await Cluster.PostAsync("/admin/databases", new { name = $"rotate-{suffix}", connectionString = oldConnection, migrationConnectionString = admin });
        var key = await Cluster.CreateTenantAsync(tenant, new { mode = "shared", database = $"rotate-{suffix}" });
        using var first = Cluster.TenantClient(key, silo: 0);
        using var second = Cluster.TenantClient(key, silo: 1);
        await CrudTests.CreateAsync(first, tenant, "accounts", new { name = "Before rotation" });

        await ExecuteAsync(Cluster.Server.GetConnectionString(), $"ALTER ROLE {oldRole} PASSWORD 'changed-by-the-dba'");
        var newConnection = new NpgsqlConnectionStringBuilder(admin) { Username = newRole, Password = "second-password" }.ConnectionString;
        using (var replaced = await Cluster.Admin.PutAsJsonAsync($"/admin/tenants/{tenant}/connection", new { connectionString = newConnection }))
        {
            replaced.StatusCode.Should().Be(HttpStatusCode.OK, await replaced.Content.ReadAsStringAsync());
            (await replaced.Content.ReadAsStringAsync()).Should().NotContain("second-password");
        }

        (await CrudTests.GetJsonAsync(second, $"/api/tenants/{tenant}/accounts")).GetProperty("items").GetArrayLength().Should().Be(1);
        await CrudTests.CreateAsync(first, tenant, "accounts", new { name = "After rotation" });
        var oldSessions = await ScalarAsync(Cluster.Server.GetConnectionString(), $"SELECT count(*) FROM pg_stat_activity WHERE usename = '{oldRole}'");
        oldSessions.Should().Be(0, "the old settings' pool was disposed with the activation on every silo");
        var newSessions = await ScalarAsync(Cluster.Server.GetConnectionString(), $"SELECT count(*) FROM pg_stat_activity WHERE usename = '{newRole}'");
        newSessions.Should().BeGreaterThan(0);
        var audit = await ScalarTextAsync(Cluster.CatalogConnectionString, $"SELECT string_agg(details::text, ' ') FROM catalog.audit_log WHERE target = 'tenant:{tenant}'");
        audit.Should().NotContain("password");
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<string> ScalarTextAsync(string connectionString, string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(sql);
        return (await command.ExecuteScalarAsync()) as string ?? string.Empty;
    }
}
