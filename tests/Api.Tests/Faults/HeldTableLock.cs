using Npgsql;

namespace OrleansTenants.Api.Tests.Faults;

/// <summary>
/// A table locked by the test (ACCESS EXCLUSIVE unless said otherwise): whatever touches it waits until the lock is released. Holding a move's
/// copy at a known point this way, a test can act while the copy is under way.
/// </summary>
internal sealed class HeldTableLock : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly string _connectionString;
    private readonly string _table;

    private HeldTableLock(NpgsqlConnection connection, NpgsqlTransaction transaction, string connectionString, string table)
    {
        _connection = connection;
        _transaction = transaction;
        _connectionString = connectionString;
        _table = table;
    }

    /// <param name="mode">
    /// The lock mode. ACCESS EXCLUSIVE gives the transaction an id (the lock is logged for standbys), so creating a
    /// logical replication slot on that server waits for it; SHARE blocks writes to the table without one.
    /// </param>
    public static async Task<HeldTableLock> TakeAsync(string connectionString, string table, string mode = "ACCESS EXCLUSIVE")
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using (var command = new NpgsqlCommand($"LOCK TABLE {table} IN {mode} MODE", connection, transaction))
        {
            await command.ExecuteNonQueryAsync();
        }

        return new HeldTableLock(connection, transaction, connectionString, table);
    }

    /// <summary>Waits until <paramref name="sessions"/> other sessions wait for this lock.</summary>
    public Task WaitForWaiterAsync(TimeSpan patience, int sessions = 1) => FaultHttp.EventuallyAsync(
        async () =>
        {
            await using var connection = new NpgsqlConnection(_connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_locks WHERE relation = $1::regclass AND NOT granted", connection);
            command.Parameters.AddWithValue(_table);
            return (long)(await command.ExecuteScalarAsync())!;
        },
        waiters => waiters >= sessions,
        patience,
        $"{sessions} session(s) waiting for the lock on {_table}");

    /// <summary>Releases the lock (before disposal), letting the sessions that wait for it go on.</summary>
    public Task ReleaseAsync() => _transaction.RollbackAsync();

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
