using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTenants.Catalog.Provisioning;
using OrleansTenants.Catalog.Schema;
using OrleansTenants.Postgres.Migrations;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Catalog.Tests.TenantSchema;

/// <summary>
/// A shared tenant database as the application role sees it: row-level security is the wall behind the
/// API's own tenant filter, so these tests use SQL that a buggy or hostile query could send.
/// </summary>
public sealed class RowLevelSecurityTests(SharedTenantDatabase database) : IClassFixture<SharedTenantDatabase>
{
    [Theory]
    [InlineData("SELECT name FROM crm.accounts ORDER BY name")]
    [InlineData("SELECT name FROM crm.accounts WHERE tenant_id = 'tenant-b' OR true ORDER BY name")]
    [InlineData("SELECT name FROM crm.accounts WHERE tenant_id IN ('tenant-a', 'tenant-b') ORDER BY name")]
    [InlineData("SELECT a.name FROM crm.accounts a JOIN crm.accounts b ON true WHERE b.tenant_id = 'tenant-b' UNION SELECT name FROM crm.accounts ORDER BY 1")]
    public async Task Tenant_a_sees_only_its_own_rows_whatever_the_where_clause(string sql)
    {
        var names = await AsTenantAsync("tenant-a", sql);

        names.Should().Equal("A1", "A2");
    }

    [Fact]
    public async Task A_query_for_tenant_a_run_with_tenant_b_setting_returns_nothing_of_a()
    {
        var names = await AsTenantAsync("tenant-b", "SELECT name FROM crm.accounts WHERE tenant_id = 'tenant-a'");

        names.Should().BeEmpty();
    }

    [Fact]
    public async Task Without_the_tenant_setting_nothing_is_visible()
    {
        await using var command = database.App.CreateCommand("SELECT count(*) FROM crm.accounts");

        ((long)(await command.ExecuteScalarAsync())!).Should().Be(0);
    }

    [Theory]
    [InlineData("INSERT INTO crm.accounts (tenant_id, name) VALUES ('tenant-b', 'planted')")]
    [InlineData("UPDATE crm.accounts SET tenant_id = 'tenant-b' WHERE name = 'A1'")]
    public async Task Writes_into_another_tenant_are_refused(string sql)
    {
        var act = () => AsTenantAsync("tenant-a", sql);

        (await act.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be(PostgresErrorCodes.InsufficientPrivilege);
        (await AsTenantAsync("tenant-b", "SELECT name FROM crm.accounts ORDER BY name")).Should().Equal("B1");
    }

    [Fact]
    public async Task Updates_and_deletes_cannot_reach_another_tenant()
    {
        await AsTenantAsync("tenant-a", "UPDATE crm.accounts SET name = 'hijacked' WHERE tenant_id = 'tenant-b' OR true RETURNING name");
        await AsTenantAsync("tenant-a", "DELETE FROM crm.accounts WHERE tenant_id = 'tenant-b' RETURNING name");

        (await AsTenantAsync("tenant-b", "SELECT name FROM crm.accounts")).Should().Equal("B1");
    }

    [Fact]
    public async Task A_reference_to_another_tenants_row_is_refused()
    {
        var foreignAccount = (await AsTenantAsync("tenant-b", "SELECT id::text FROM crm.accounts")).Single();

        var act = () => AsTenantAsync("tenant-a", $"INSERT INTO crm.contacts (tenant_id, first_name, last_name, account_id) VALUES ('tenant-a', 'F', 'L', '{foreignAccount}')");

        (await act.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be(PostgresErrorCodes.ForeignKeyViolation);
    }

    [Theory]
    [InlineData("ALTER TABLE crm.accounts DISABLE ROW LEVEL SECURITY")]
    [InlineData("ALTER TABLE crm.accounts NO FORCE ROW LEVEL SECURITY")]
    [InlineData("DROP POLICY tenant_isolation ON crm.accounts")]
    [InlineData("TRUNCATE crm.accounts")]
    [InlineData("CREATE TABLE crm.planted (id int)")]
    [InlineData("ALTER ROLE CURRENT_USER BYPASSRLS")]
    public async Task The_application_role_cannot_turn_the_wall_off(string sql)
    {
        var act = () => AsTenantAsync("tenant-a", sql);

        (await act.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be(PostgresErrorCodes.InsufficientPrivilege);
    }

    [Fact]
    public async Task Turning_row_security_off_makes_queries_fail_rather_than_see_everything()
    {
        var act = () => AsTenantAsync("tenant-a", "SET LOCAL row_security = off; SELECT name FROM crm.accounts");

        (await act.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be(PostgresErrorCodes.InsufficientPrivilege);
    }

    [Fact]
    public async Task The_application_role_owns_nothing_and_lacks_bypassrls()
    {
        var facts = await AsTenantAsync("tenant-a", """
            SELECT format('%s %s %s',
                (SELECT rolbypassrls FROM pg_roles WHERE rolname = current_user),
                (SELECT count(*) FROM pg_tables WHERE schemaname = 'crm' AND tableowner = current_user),
                (SELECT bool_and(relforcerowsecurity AND relrowsecurity) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'crm' AND c.relkind = 'r'))
            """);

        facts.Should().Equal("f 0 t");
    }

    private Task<List<string>> AsTenantAsync(string tenantId, string sql) => database.AsTenantAsync(tenantId, sql);
}

/// <summary>A provisioned shared database with tenant-a (A1, A2) and tenant-b (B1), reached as the application role.</summary>
public sealed class SharedTenantDatabase : IAsyncLifetime
{
    private ProvisionedDatabase _database = null!;
    private PostgresTestServer _server = null!;

    public NpgsqlDataSource App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _server = await PostgresTestServer.GetAsync();
        var name = "rls_" + Guid.NewGuid().ToString("N")[..12];
        _database = await new DatabaseProvisioner(NullLogger<DatabaseProvisioner>.Instance).CreateAsync(_server.GetConnectionString(), name, CancellationToken.None);
        await using (var owner = NpgsqlDataSource.Create(_database.OwnerConnectionString))
        {
            await new MigrationRunner(NullLogger<MigrationRunner>.Instance).ApplyAsync(owner, SchemaMigrations.Tenant);
        }

        App = NpgsqlDataSource.Create(_database.AppConnectionString);
        await AsTenantAsync("tenant-a", "INSERT INTO crm.accounts (tenant_id, name) VALUES ('tenant-a', 'A1'), ('tenant-a', 'A2')");
        await AsTenantAsync("tenant-b", "INSERT INTO crm.accounts (tenant_id, name) VALUES ('tenant-b', 'B1')");
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await _server.DropDatabaseAsync(_database.Name);
    }

    public async Task<List<string>> AsTenantAsync(string tenantId, string sql)
    {
        await using var connection = await App.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var set = new NpgsqlCommand("SELECT set_config('app.tenant_id', $1, true)", connection))
        {
            set.Parameters.AddWithValue(tenantId);
            await set.ExecuteNonQueryAsync();
        }

        var values = new List<string>();
        await using (var command = new NpgsqlCommand(sql, connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            do
            {
                while (await reader.ReadAsync())
                {
                    values.Add(reader.GetValue(0)?.ToString() ?? string.Empty);
                }
            }
            while (await reader.NextResultAsync());
        }

        await transaction.CommitAsync();
        return values;
    }
}
