using System.Data;
using Npgsql;
using OrleansTenants.Abstractions.Moves;
using OrleansTenants.Crm;

namespace OrleansTenants.Grains.DataCopy;

/// <summary>
/// The logical replication of one tenant's rows for one move: a publication of the tenant tables on the source with a
/// row filter on the tenant, its slot, and a subscription on the target, all named after the move so a job that
/// resumes on another silo finds (or finishes) exactly its own. Runs as the catalog's role on both servers.
/// </summary>
internal sealed class TenantReplication(string sourceConnectionString, string targetConnectionString, string tenantId, Guid moveId) : IAsyncDisposable
{
    private readonly NpgsqlDataSource _source = NpgsqlDataSource.Create(sourceConnectionString);
    private readonly NpgsqlDataSource _target = NpgsqlDataSource.Create(targetConnectionString);

    // Replication DDL takes no parameters: it is composed by the server itself (format with %I and %L).
    private const string CreatePublicationSql = """
        SELECT format('CREATE PUBLICATION %I FOR TABLE %s', $1::text,
            string_agg(format('%I.%I WHERE (tenant_id = %L)', $2::text, t, $3::text), ', '))
        FROM unnest($4::text[]) AS t
        """;

    public string Name { get; } = $"ot_move_{moveId:N}";

    /// <summary>
    /// Creates what is missing: the publication and slot on the source, then the subscription on the target, which
    /// copies the tenant's current rows and then follows its changes. The tenant's rows an earlier attempt left on the
    /// target are removed first, so the initial copy finds its keys free.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using (var connection = await _source.OpenConnectionAsync(cancellationToken))
        {
            if (!await ExistsAsync(connection, "SELECT 1 FROM pg_publication WHERE pubname = $1", cancellationToken))
            {
                await using var compose = new NpgsqlCommand(CreatePublicationSql, connection);
                compose.Parameters.AddWithValue(Name);
                compose.Parameters.AddWithValue(ResourceDefinition.Schema);
                compose.Parameters.AddWithValue(tenantId);
                compose.Parameters.AddWithValue(TenantDataCopier.Tables.Select(t => t.Name).ToArray());
                await ExecuteAsync(connection, (string)(await compose.ExecuteScalarAsync(cancellationToken))!, cancellationToken);
            }

            // Made apart from the subscription: one that makes its own slot on the same server would wait for itself.
            if (!await ExistsAsync(connection, "SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", cancellationToken))
            {
                // It waits for every transaction that holds an id on the server to end, however long that takes.
                await using var slot = new NpgsqlCommand("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", connection) { CommandTimeout = 0 };
                slot.Parameters.AddWithValue(Name);
                await slot.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await using var subscriber = await _target.OpenConnectionAsync(cancellationToken);
        if (await ExistsAsync(subscriber, "SELECT 1 FROM pg_subscription WHERE subname = $1", cancellationToken))
        {
            return;
        }

        await using (var clear = await subscriber.BeginTransactionAsync(cancellationToken))
        {
            await TenantDataCopier.DeleteAsync(subscriber, tenantId, cancellationToken);
            await clear.CommitAsync(cancellationToken);
        }

        // The statement carries the source's password: on an error the server must not write it to its log. Its
        // changes are applied with synchronous commits: the target confirms a position only once what it applied up to
        // there is flushed, and with the default (off) that waits for the WAL writer, which the cut-over would wait for.
        await ExecuteAsync(subscriber, "SET log_min_error_statement = panic", cancellationToken);
        try
        {
            await using var compose = new NpgsqlCommand(
                "SELECT format('CREATE SUBSCRIPTION %I CONNECTION %L PUBLICATION %I WITH (create_slot = false, slot_name = %L, copy_data = true, synchronous_commit = on)', $1::text, $2::text, $1::text, $1::text)",
                subscriber);
            compose.Parameters.AddWithValue(Name);
            compose.Parameters.AddWithValue(PublisherConnection());
            await ExecuteAsync(subscriber, (string)(await compose.ExecuteScalarAsync(cancellationToken))!, cancellationToken);
        }
        finally
        {
            await ExecuteAsync(subscriber, "RESET log_min_error_statement", CancellationToken.None);
        }
    }

    /// <summary>
    /// Where the replication is: tables whose initial copy is done and handed to the subscription's apply worker (ready:
    /// from then on it applies every change in commit order), and how far the target trails the source.
    /// </summary>
    /// <param name="countRows">Also count the tenant's rows on the target, table by table (while the copy runs).</param>
    public async Task<ReplicationProgress> ProgressAsync(bool countRows, CancellationToken cancellationToken)
    {
        int synced;
        IReadOnlyList<TableRows>? rows = null;
        await using (var subscriber = await _target.OpenConnectionAsync(cancellationToken))
        {
            await using (var tables = new NpgsqlCommand(
                "SELECT count(*) FILTER (WHERE r.srsubstate = 'r') FROM pg_subscription_rel r JOIN pg_subscription s ON s.oid = r.srsubid WHERE s.subname = $1",
                subscriber))
            {
                tables.Parameters.AddWithValue(Name);
                synced = (int)(long)(await tables.ExecuteScalarAsync(cancellationToken))!;
            }

            if (countRows)
            {
                rows = await TenantRowCounts.CountAsync(subscriber, tenantId, cancellationToken);
            }
        }

        await using var publisher = await _source.OpenConnectionAsync(cancellationToken);
        await using var lag = new NpgsqlCommand(
            """
            SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), s.confirmed_flush_lsn)::bigint AS lag_bytes, extract(epoch FROM r.replay_lag)::float8 AS lag_seconds
            FROM pg_replication_slots s LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid WHERE s.slot_name = $1
            """,
            publisher);
        lag.Parameters.AddWithValue(Name);
        await using var reader = await lag.ExecuteReaderAsync(cancellationToken);
        var (lagBytes, lagSeconds) = await reader.ReadAsync(cancellationToken)
            ? (reader.IsDBNull("lag_bytes") ? null : reader.GetInt64("lag_bytes"), reader.IsDBNull("lag_seconds") ? null : reader.GetDouble("lag_seconds"))
            : ((long?)null, (double?)null);
        return new ReplicationProgress(synced, TenantDataCopier.Tables.Count, lagBytes, lagSeconds, rows);
    }

    /// <summary>The source's current WAL position: once the target confirms it, it has every change made before.</summary>
    public async Task<string> CurrentPositionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        // The insert position, not the write position: with asynchronous commit a committed change may not be written
        // yet. A transaction that then commits synchronously flushes the WAL before it, so the walsender may send it all.
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, "SET LOCAL synchronous_commit = on", cancellationToken);
        await using var position = new NpgsqlCommand("SELECT pg_current_xact_id()::text AS xact, pg_current_wal_insert_lsn()::text AS lsn", connection);
        await using var reader = await position.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var lsn = reader.GetString("lsn");
        await reader.DisposeAsync();
        await transaction.CommitAsync(cancellationToken);
        return lsn;
    }

    /// <summary>Whether the target confirmed applying every change up to <paramref name="position"/>.</summary>
    public async Task<bool> AppliedThroughAsync(string position, CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var applied = new NpgsqlCommand(
            "SELECT coalesce(confirmed_flush_lsn >= $2::pg_lsn, false) FROM pg_replication_slots WHERE slot_name = $1", connection);
        applied.Parameters.AddWithValue(Name);
        applied.Parameters.AddWithValue(position);
        return await applied.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>Compares the tenant's rows on both sides, table by table (<see cref="TenantDataVerifier"/>).</summary>
    public async Task<IReadOnlyList<TableVerification>> VerifyAsync(CancellationToken cancellationToken)
    {
        await using var from = await _source.OpenConnectionAsync(cancellationToken);
        await using var fromTransaction = await from.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        await using var to = await _target.OpenConnectionAsync(cancellationToken);
        await using var toTransaction = await to.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        return await TenantDataVerifier.CompareAsync(from, to, tenantId, cancellationToken);
    }

    /// <summary>The tenant's rows on the source, once a completed move's subscription is gone (else the deletes would follow).</summary>
    public Task DeleteFromSourceAsync(CancellationToken cancellationToken) => DeleteTenantRowsAsync(_source, cancellationToken);

    /// <summary>What a failed or cancelled move copied to the target, once its subscription is gone.</summary>
    public Task DeleteFromTargetAsync(CancellationToken cancellationToken) => DeleteTenantRowsAsync(_target, cancellationToken);

    private async Task DeleteTenantRowsAsync(NpgsqlDataSource side, CancellationToken cancellationToken)
    {
        await using var connection = await side.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await TenantDataCopier.DeleteAsync(connection, tenantId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Drops the subscription, then the slot (a slot left behind keeps WAL forever), then the publication; each only if
    /// it exists, so it may be repeated. The slot and publication go even when the target cannot be reached.
    /// </summary>
    public async Task DropAsync(CancellationToken cancellationToken)
    {
        NpgsqlException? targetDown = null;
        try
        {
            await using var subscriber = await _target.OpenConnectionAsync(cancellationToken);
            if (await ExistsAsync(subscriber, "SELECT 1 FROM pg_subscription WHERE subname = $1", cancellationToken))
            {
                await ExecuteAsync(subscriber, $"DROP SUBSCRIPTION \"{Name}\"", cancellationToken);
            }
        }
        catch (NpgsqlException ex)
        {
            // Unreachable, refusing connections, or failing the drop: the source's side goes all the same.
            targetDown = ex;
        }

        await using var publisher = await _source.OpenConnectionAsync(cancellationToken);
        await DropSlotAsync(publisher, cancellationToken);
        await ExecuteAsync(publisher, $"DROP PUBLICATION IF EXISTS \"{Name}\"", cancellationToken);
        if (targetDown is not null)
        {
            throw new InvalidOperationException($"subscription {Name} could not be dropped on the target database ({targetDown.Message})", targetDown);
        }
    }

    /// <summary>What of this move's replication still exists on each side, by kind: for tests and for the move's view.</summary>
    public async Task<IReadOnlyList<string>> LeftoversAsync(CancellationToken cancellationToken)
    {
        var left = new List<string>();
        await using (var publisher = await _source.OpenConnectionAsync(cancellationToken))
        {
            if (await ExistsAsync(publisher, "SELECT 1 FROM pg_publication WHERE pubname = $1", cancellationToken))
            {
                left.Add("publication");
            }

            if (await ExistsAsync(publisher, "SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", cancellationToken))
            {
                left.Add("slot");
            }
        }

        await using var subscriber = await _target.OpenConnectionAsync(cancellationToken);
        if (await ExistsAsync(subscriber, "SELECT 1 FROM pg_subscription WHERE subname = $1", cancellationToken))
        {
            left.Add("subscription");
        }

        return left;
    }

    // The subscription's workers may hold the slot a moment after it is dropped: retried while it is in use.
    private async Task DropSlotAsync(NpgsqlConnection publisher, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var drop = new NpgsqlCommand("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1", publisher);
                drop.Parameters.AddWithValue(Name);
                await drop.ExecuteNonQueryAsync(cancellationToken);
                return;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ObjectInUse && attempt < 100)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _source.DisposeAsync();
        await _target.DisposeAsync();
    }

    /// <summary>A libpq connection string to the source as the catalog's role, for the subscription.</summary>
    private string PublisherConnection()
    {
        var settings = new NpgsqlConnectionStringBuilder(sourceConnectionString);
        (string Key, string? Value)[] parts =
        [
            ("host", settings.Host), ("port", settings.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("dbname", settings.Database), ("user", settings.Username), ("password", settings.Password),
        ];
        return string.Join(' ', parts.Where(p => p.Value is not null).Select(p => $"{p.Key}='{LibpqQuote(p.Value!)}'"));
    }

    // libpq's quoting inside single quotes: a backslash escapes a quote or a backslash.
    private static string LibpqQuote(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal);

    private async Task<bool> ExistsAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue(Name);
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>
/// How far a move's replication got: tables whose initial copy finished, the target's lag in WAL bytes and in seconds
/// (null while nothing is being replayed), and, when counted, the tenant's rows on the target per table.
/// </summary>
internal sealed record ReplicationProgress(int TablesCopied, int Tables, long? LagBytes, double? LagSeconds, IReadOnlyList<TableRows>? Rows)
{
    public bool Copied => TablesCopied == Tables;
}
