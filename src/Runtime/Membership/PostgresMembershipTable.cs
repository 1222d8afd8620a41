using Npgsql;
using NpgsqlTypes;

namespace OrleansTenants.Runtime.Membership;

/// <summary>
/// The membership table in PostgreSQL (schema <c>cluster</c>, see <see cref="ClusterSchema"/>).
/// Every membership change first takes the lock of the single <c>cluster.membership_version</c> row with a
/// compare-and-swap on its version, then touches <c>cluster.silos</c>: writers serialize on that row, lock in
/// one order (no deadlocks), and of two writers that read the same version exactly one wins.
/// Inserted rows get the database's clock as heartbeat and start at ETag 0; the entry's own values for those are ignored.
/// </summary>
public sealed class PostgresMembershipTable(NpgsqlDataSource dataSource) : IMembershipTable
{
    private const string UniqueViolation = "23505";

    // One statement, so the version and the rows come from one snapshot. The LEFT JOIN keeps the version row when
    // there are no silos. The age is clamped at zero: a heartbeat committed after this statement's now() was taken
    // would otherwise read as slightly in the future.
    private const string ReadAllSql = """
        SELECT v.version, s.endpoint, s.generation, s.status, s.silo_name, s.public_url, s.started_at, s.heartbeat_at,
               greatest(now() - s.heartbeat_at, interval '0'), s.etag
        FROM cluster.membership_version v
        LEFT JOIN cluster.silos s ON true
        ORDER BY s.endpoint, s.generation
        """;

    // The version bump runs only if the address is new and the version is as expected; the row is inserted only if
    // the bump happened. A data-modifying CTE always runs to completion, hence the NOT EXISTS: without it a duplicate
    // address would bump the version and then fail. A writer waiting on the version row's lock re-checks
    // "version = @expected" against the winner's committed row and so updates nothing.
    private const string InsertSql = """
        WITH bumped AS (
            UPDATE cluster.membership_version SET version = version + 1
            WHERE version = @expected_version
              AND NOT EXISTS (SELECT 1 FROM cluster.silos WHERE endpoint = @endpoint AND generation = @generation)
            RETURNING version
        )
        INSERT INTO cluster.silos (endpoint, generation, status, silo_name, public_url, started_at, heartbeat_at, etag)
        SELECT @endpoint, @generation, @status, @silo_name, @public_url, @started_at, now(), 0
        FROM bumped
        """;

    // Same shape: the EXISTS on the expected ETag keeps a stale ETag from bumping the version. It is sound because
    // every ETag change happens under a version bump, so once this statement holds the version row at the expected
    // version, no other writer can have changed the row since. The UPDATE joins "bumped", so the silo row is locked
    // only after the version row.
    private const string UpdateSql = """
        WITH bumped AS (
            UPDATE cluster.membership_version SET version = version + 1
            WHERE version = @expected_version
              AND EXISTS (SELECT 1 FROM cluster.silos
                          WHERE endpoint = @endpoint AND generation = @generation AND etag = @expected_etag)
            RETURNING version
        )
        UPDATE cluster.silos s SET status = @status, public_url = @public_url, etag = s.etag + 1
        FROM bumped
        WHERE s.endpoint = @endpoint AND s.generation = @generation AND s.etag = @expected_etag
        """;

    // Same shape as UpdateSql, and both the version bump and the row update also require the heartbeat to be older
    // than the death timeout by the database clock, so a read that is out of date cannot declare a silo that heart-beat
    // since. The row update re-checks it on the newest row version once it holds the row lock (READ COMMITTED), so a
    // heartbeat that commits while this statement runs wins; the version has then moved without a change, which only
    // makes other writers read again.
    private const string DeclareDeadSql = """
        WITH bumped AS (
            UPDATE cluster.membership_version SET version = version + 1
            WHERE version = @expected_version
              AND EXISTS (SELECT 1 FROM cluster.silos
                          WHERE endpoint = @endpoint AND generation = @generation AND etag = @expected_etag
                            AND status <> 'dead' AND heartbeat_at < now() - @death_timeout)
            RETURNING version
        )
        UPDATE cluster.silos s SET status = 'dead', etag = s.etag + 1
        FROM bumped
        WHERE s.endpoint = @endpoint AND s.generation = @generation AND s.etag = @expected_etag
          AND s.status <> 'dead' AND s.heartbeat_at < now() - @death_timeout
        """;

    // A dead member's heartbeat changes nothing: its peers have already given its grains away.
    private const string HeartbeatSql =
        "UPDATE cluster.silos SET heartbeat_at = now() WHERE endpoint = @endpoint AND generation = @generation AND status <> 'dead'";

    // Cleanup is rare, so it uses a plain transaction that takes the version row's lock first, like every other
    // membership writer; deleting silo rows first could deadlock against a concurrent UpdateRowAsync.
    private const string LockVersionSql = "SELECT version FROM cluster.membership_version FOR UPDATE";

    private const string DeleteDefunctSql =
        "DELETE FROM cluster.silos WHERE status = 'dead' AND heartbeat_at < now() - @older_than";

    private const string BumpVersionSql = "UPDATE cluster.membership_version SET version = version + 1";

    public async Task<MembershipSnapshot> ReadAllAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(ReadAllSql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        long version = 0;
        var entries = new List<MembershipEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            version = reader.GetInt64(0);
            if (reader.IsDBNull(1))
            {
                continue;
            }

            entries.Add(new MembershipEntry(
                new SiloAddress(reader.GetString(1), reader.GetInt64(2)),
                SiloStatusText.Parse(reader.GetString(3)),
                reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.GetFieldValue<DateTimeOffset>(6),
                reader.GetFieldValue<DateTimeOffset>(7),
                reader.GetTimeSpan(8),
                reader.GetInt64(9)));
        }

        return new MembershipSnapshot(version, entries);
    }

    public async Task<bool> InsertRowAsync(MembershipEntry entry, long expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await using var command = dataSource.CreateCommand(InsertSql);
        AddAddress(command, entry.Address);
        command.Parameters.Add(new NpgsqlParameter<long>("expected_version", expectedVersion));
        command.Parameters.Add(new NpgsqlParameter<string>("status", SiloStatusText.ToText(entry.Status)));
        command.Parameters.Add(new NpgsqlParameter<string>("silo_name", entry.SiloName));
        AddPublicUrl(command, entry.PublicUrl);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("started_at", entry.StartedAt.ToUniversalTime()));
        try
        {
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }
        catch (PostgresException ex) when (ex.SqlState == UniqueViolation)
        {
            // The NOT EXISTS guard covers what this statement's snapshot saw; an insert of the same address committed
            // after it was taken surfaces here instead, and the whole statement (version bump included) is undone.
            return false;
        }
    }

    public async Task<bool> UpdateRowAsync(MembershipEntry entry, long expectedETag, long expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await using var command = dataSource.CreateCommand(UpdateSql);
        AddAddress(command, entry.Address);
        command.Parameters.Add(new NpgsqlParameter<long>("expected_version", expectedVersion));
        command.Parameters.Add(new NpgsqlParameter<long>("expected_etag", expectedETag));
        command.Parameters.Add(new NpgsqlParameter<string>("status", SiloStatusText.ToText(entry.Status)));
        AddPublicUrl(command, entry.PublicUrl);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<bool> DeclareDeadAsync(MembershipEntry entry, long expectedVersion, TimeSpan deathTimeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await using var command = dataSource.CreateCommand(DeclareDeadSql);
        AddAddress(command, entry.Address);
        command.Parameters.Add(new NpgsqlParameter<long>("expected_version", expectedVersion));
        command.Parameters.Add(new NpgsqlParameter<long>("expected_etag", entry.ETag));
        command.Parameters.Add(new NpgsqlParameter<TimeSpan>("death_timeout", NpgsqlDbType.Interval) { TypedValue = deathTimeout });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<bool> UpdateHeartbeatAsync(SiloAddress address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        await using var command = dataSource.CreateCommand(HeartbeatSql);
        AddAddress(command, address);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<int> CleanupDefunctEntriesAsync(TimeSpan olderThan, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(olderThan, TimeSpan.Zero);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockVersion = new NpgsqlCommand(LockVersionSql, connection, transaction))
        {
            await lockVersion.ExecuteNonQueryAsync(cancellationToken);
        }

        int deleted;
        await using (var delete = new NpgsqlCommand(DeleteDefunctSql, connection, transaction))
        {
            delete.Parameters.Add(new NpgsqlParameter<TimeSpan>("older_than", NpgsqlDbType.Interval) { TypedValue = olderThan });
            deleted = await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        if (deleted > 0)
        {
            await using var bump = new NpgsqlCommand(BumpVersionSql, connection, transaction);
            await bump.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    private static void AddAddress(NpgsqlCommand command, SiloAddress address)
    {
        command.Parameters.Add(new NpgsqlParameter<string>("endpoint", address.Endpoint));
        command.Parameters.Add(new NpgsqlParameter<long>("generation", address.Generation));
    }

    private static void AddPublicUrl(NpgsqlCommand command, string? publicUrl) =>
        command.Parameters.Add(new NpgsqlParameter("public_url", NpgsqlDbType.Text) { Value = (object?)publicUrl ?? DBNull.Value });
}
