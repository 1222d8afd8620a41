using System.Data;
using System.Diagnostics;
using Npgsql;

namespace OrleansTenants.Grains.Tenants;

/// <summary>
/// Decides whether reads may go to replicas: a replica whose replay position trails the primary's WAL by more
/// than the allowed bytes is lagging, and reads then go to the primary until a later check finds it caught up.
/// Checked at most once per interval, on the read path, by one caller at a time; Npgsql's multi-host pool
/// already moves reads off a replica that is down.
/// </summary>
internal sealed class ReplicaLagMonitor(NpgsqlDataSource primary, NpgsqlDataSource replicas, long maxLagBytes, TimeSpan interval)
{
    private long _lastCheck = Stopwatch.GetTimestamp() - (long)(interval.TotalSeconds * Stopwatch.Frequency);
    private int _checking;
    private volatile bool _lagging;

    public bool ReplicasUsable()
    {
        if (Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastCheck)) >= interval && Interlocked.Exchange(ref _checking, 1) == 0)
        {
            _ = CheckAsync();
        }

        return !_lagging;
    }

    // Not tied to the request that happened to trigger it: a check outlives a cancelled call, but not 5 s.
    private async Task CheckAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var cancellationToken = timeout.Token;
        try
        {
            var primaryPosition = await ScalarAsync(primary, "SELECT pg_current_wal_lsn()::text", cancellationToken);
            await using var connection = await replicas.OpenConnectionAsync(cancellationToken);
            await using var command = new NpgsqlCommand(
                "SELECT pg_is_in_recovery() AS in_recovery, coalesce(pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn()), 0) AS lag_bytes", connection);
            command.Parameters.AddWithValue(primaryPosition);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);

            // Connected to the primary itself (every replica down): nothing lags.
            _lagging = reader.GetBoolean("in_recovery") && reader.GetFieldValue<decimal>("lag_bytes") > maxLagBytes;
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException)
        {
            // The pool's own host checks handle unreachable hosts; keep the last verdict.
        }
        finally
        {
            Interlocked.Exchange(ref _lastCheck, Stopwatch.GetTimestamp());
            Interlocked.Exchange(ref _checking, 0);
        }
    }

    private static async Task<string> ScalarAsync(NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
