using FluentAssertions;
using Npgsql;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Postgres.Tests.Embedded;

public sealed class PostgresDatabaseFixtureTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task Class_fixture_connects_to_its_own_database()
    {
        (await CurrentDatabaseAsync(database.ConnectionString)).Should().Be(database.DatabaseName);
    }

    [Fact]
    public async Task Two_fixtures_get_different_databases_on_the_same_server()
    {
        var first = new PostgresDatabaseFixture();
        var second = new PostgresDatabaseFixture();
        await first.InitializeAsync();
        await second.InitializeAsync();

        second.Server.Should().BeSameAs(first.Server);
        second.DatabaseName.Should().NotBe(first.DatabaseName);
        (await CurrentDatabaseAsync(first.ConnectionString)).Should().Be(first.DatabaseName);
        (await CurrentDatabaseAsync(second.ConnectionString)).Should().Be(second.DatabaseName);

        await first.DisposeAsync();
        await second.DisposeAsync();
        (await DatabaseExistsAsync(first.DatabaseName)).Should().BeFalse();
        (await DatabaseExistsAsync(second.DatabaseName)).Should().BeFalse();
    }

    [Fact]
    public async Task Creates_databases_owned_by_another_role_that_can_log_in()
    {
        var server = await PostgresTestServer.GetAsync();
        var role = $"app_{Guid.NewGuid():N}";
        await using (var admin = new NpgsqlConnection(server.GetConnectionString()))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"create role {role} login password 'secret'", admin);
            await create.ExecuteNonQueryAsync();
        }

        var name = await server.CreateDatabaseAsync("Owned-By", role);

        name.Should().StartWith("ownedby_");
        (await CurrentDatabaseAsync(server.GetConnectionString(name, role, "secret"))).Should().Be(name);
        await server.DropDatabaseAsync(name);
    }

    private async Task<bool> DatabaseExistsAsync(string name)
    {
        await using var connection = new NpgsqlConnection(database.Server.GetConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select count(*) from pg_database where datname = $1", connection) { Parameters = { new() { Value = name } } };
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    private static async Task<string> CurrentDatabaseAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select current_database()", connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
