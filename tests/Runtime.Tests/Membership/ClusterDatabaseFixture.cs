using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTenants.Postgres.Migrations;
using OrleansTenants.Runtime.Membership;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Runtime.Tests.Membership;

/// <summary>
/// A fresh database with the <c>cluster</c> migrations applied, for one test class. Tests of a class run one at a
/// time, so each calls <see cref="ResetAsync"/> first to start from an empty cluster.
/// </summary>
public sealed class ClusterDatabaseFixture : IAsyncLifetime
{
    private readonly PostgresDatabaseFixture _database = new();
    private NpgsqlDataSource? _dataSource;

    public NpgsqlDataSource DataSource => _dataSource ?? throw new InvalidOperationException("The fixture is used before xunit initialized it.");

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        // Room for the parallel tests' 30 concurrent statements.
        var builder = new NpgsqlConnectionStringBuilder(_database.ConnectionString) { MaxPoolSize = 50 };
        _dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        await new MigrationRunner(NullLogger<MigrationRunner>.Instance).ApplyAsync(_dataSource, ClusterSchema.Migrations);
    }

    public async Task DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }

        await _database.DisposeAsync();
    }

    public Task ResetAsync() => ExecuteAsync(
        "TRUNCATE cluster.silos, cluster.grain_directory; UPDATE cluster.membership_version SET version = 0");

    public async Task<int> ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return await command.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Opens <paramref name="count"/> pooled connections at once, so parallel tests race statements, not connection setup.</summary>
    public async Task WarmUpAsync(int count)
    {
        var connections = await Task.WhenAll(Enumerable.Range(0, count).Select(_ => DataSource.OpenConnectionAsync().AsTask()));
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }
    }

    /// <summary>Moves the heartbeat into the past with the database clock, which is how a silo that stopped beating looks.</summary>
    public async Task SetHeartbeatAgoAsync(SiloAddress silo, string interval)
    {
        var updated = await ExecuteAsync(
            "UPDATE cluster.silos SET heartbeat_at = now() - @ago::interval WHERE endpoint = @e AND generation = @g",
            ("ago", interval), ("e", silo.Endpoint), ("g", silo.Generation));
        if (updated != 1)
        {
            throw new InvalidOperationException($"There is no silo {silo}.");
        }
    }

    /// <summary>Puts a silo row straight into <c>cluster.silos</c> (status in its lower-case stored form).</summary>
    public Task AddSiloAsync(SiloAddress silo, string status) => ExecuteAsync(
        "INSERT INTO cluster.silos (endpoint, generation, status, silo_name, started_at) VALUES (@e, @g, @s, 'test', now())",
        ("e", silo.Endpoint), ("g", silo.Generation), ("s", status));
}
