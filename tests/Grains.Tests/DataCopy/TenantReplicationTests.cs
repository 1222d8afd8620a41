using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTenants.Abstractions.Moves;
using OrleansTenants.Catalog.Provisioning;
using OrleansTenants.Catalog.Schema;
using OrleansTenants.Grains.DataCopy;
using OrleansTenants.Postgres.Migrations;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Grains.Tests.DataCopy;

/// <summary>Two tenant databases on the test server: the source of a move and its target.</summary>
public sealed class ReplicationDatabases : IAsyncLifetime
{
    private readonly List<string> _names = [];

    public PostgresTestServer Server { get; private set; } = null!;

    public string Source { get; private set; } = null!;

    public string Target { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await PostgresTestServer.GetAsync();
        Source = await CreateAsync("repl_source");
        Target = await CreateAsync("repl_target");
    }

    public async Task DisposeAsync()
    {
        foreach (var name in _names)
        {
            await Server.DropDatabaseAsync(name);
        }
    }

    private async Task<string> CreateAsync(string prefix)
    {
        var database = await new DatabaseProvisioner(NullLogger<DatabaseProvisioner>.Instance)
            .CreateAsync(Server.GetConnectionString(), $"{prefix}_{Guid.NewGuid():N}"[..28], CancellationToken.None);
        _names.Add(database.Name);
        await using var owner = NpgsqlDataSource.Create(database.OwnerConnectionString);
        await new MigrationRunner(NullLogger<MigrationRunner>.Instance).ApplyAsync(owner, SchemaMigrations.Tenant);
        return database.Name;
    }
}

/// <summary>
/// One tenant's rows replicated by logical replication between two databases of one server: the initial copy and every
/// change after it arrive, no other tenant's row does, and dropping it leaves no publication, slot or subscription.
/// </summary>
public sealed class TenantReplicationTests(ReplicationDatabases databases) : IClassFixture<ReplicationDatabases>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_tenants_rows_and_later_changes_arrive_and_nothing_of_the_replication_is_left_after_it_is_dropped()
    {
        var tenant = "t-" + Guid.NewGuid().ToString("N")[..10];
        var neighbour = "n-" + Guid.NewGuid().ToString("N")[..10];
        var source = databases.Server.GetConnectionString(databases.Source);
        var target = databases.Server.GetConnectionString(databases.Target);
        await ExecuteAsync(source, "INSERT INTO crm.accounts (tenant_id, name) SELECT $1, 'before ' || i FROM generate_series(1, 50) i", tenant);
        await ExecuteAsync(source, "INSERT INTO crm.accounts (tenant_id, name) SELECT $1, 'neighbour ' || i FROM generate_series(1, 20) i", neighbour);
        await using var replication = new TenantReplication(source, target, tenant, Guid.NewGuid());

        await replication.StartAsync(CancellationToken.None);
        await replication.StartAsync(CancellationToken.None); // A resumed job starts again: nothing is made twice.
        await EventuallyAsync(async () => (await replication.ProgressAsync(countRows: false, CancellationToken.None)).Copied, "the initial copy");
        var copied = await replication.ProgressAsync(countRows: true, CancellationToken.None);
        copied.Rows.Should().HaveCount(TenantDataCopier.Tables.Count).And.ContainEquivalentOf(new TableRows("accounts", 50));
        copied.Rows!.Where(table => table.Table != "accounts").Should().OnlyContain(table => table.Rows == 0, "only accounts were written, and only the tenant's count");
        await ExecuteAsync(source, "INSERT INTO crm.accounts (tenant_id, name) SELECT $1, 'after ' || i FROM generate_series(1, 10) i", tenant);
        await ExecuteAsync(source, "UPDATE crm.accounts SET name = 'renamed' WHERE tenant_id = $1 AND name = 'before 1'", tenant);
        await ExecuteAsync(source, "DELETE FROM crm.accounts WHERE tenant_id = $1 AND name = 'before 2'", tenant);
        await ExecuteAsync(source, "INSERT INTO crm.accounts (tenant_id, name) VALUES ($1, 'neighbour later')", neighbour);
        var position = await replication.CurrentPositionAsync(CancellationToken.None);
        await EventuallyAsync(() => replication.AppliedThroughAsync(position, CancellationToken.None), "the changes applied");

        (await NamesAsync(target, tenant)).Should().BeEquivalentTo(await NamesAsync(source, tenant)).And.HaveCount(59).And.Contain("renamed");
        (await NamesAsync(target, neighbour)).Should().BeEmpty("only the moved tenant's rows are published");
        (await VerifyAsync(source, target, tenant)).Should().OnlyContain(table => table.Matches);
        (await replication.ProgressAsync(countRows: false, CancellationToken.None)).LagBytes.Should().NotBeNull();

        await replication.DropAsync(CancellationToken.None);
        await replication.DropAsync(CancellationToken.None); // Repeatable: a resumed cleanup finds nothing to do.

        (await replication.LeftoversAsync(CancellationToken.None)).Should().BeEmpty();
        (await ScalarAsync<long>(source, "SELECT count(*) FROM pg_replication_slots WHERE database = current_database()")).Should().Be(0);
    }

    private static async Task<IReadOnlyList<TableVerification>> VerifyAsync(string source, string target, string tenant)
    {
        await using var from = new NpgsqlConnection(source);
        await from.OpenAsync();
        await using var fromTransaction = await from.BeginTransactionAsync();
        await using var to = new NpgsqlConnection(target);
        await to.OpenAsync();
        await using var toTransaction = await to.BeginTransactionAsync();
        return await TenantDataVerifier.CompareAsync(from, to, tenant, CancellationToken.None);
    }

    private static async Task<List<string>> NamesAsync(string connectionString, string tenant)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT name FROM crm.accounts WHERE tenant_id = $1", connection);
        command.Parameters.AddWithValue(tenant);
        await using var reader = await command.ExecuteReaderAsync();
        var names = new List<string>();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    private static async Task ExecuteAsync(string connectionString, string sql, string tenant)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue(tenant);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var waiting = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            if (waiting.Elapsed > Patience)
            {
                throw new TimeoutException($"{what}: not within {Patience}");
            }

            await Task.Delay(50);
        }
    }
}
