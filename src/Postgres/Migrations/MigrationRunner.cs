using Microsoft.Extensions.Logging;
using Npgsql;

namespace OrleansTenants.Postgres.Migrations;

/// <summary>
/// Applies a <see cref="MigrationSet"/> to one database: each pending script in its own transaction,
/// recorded with its checksum in <c>public.schema_migrations</c>. An advisory lock serializes
/// concurrent appliers (two silos starting at once), so each script runs exactly once.
/// </summary>
public sealed partial class MigrationRunner(ILogger<MigrationRunner> logger)
{
    // Arbitrary constant shared by every build of this product: "OTMIGRAT" in ASCII.
    private const long AdvisoryLockKey = 0x4F544D4947524154;

    public async Task<IReadOnlyList<Migration>> ApplyAsync(NpgsqlDataSource dataSource, MigrationSet set, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, "SELECT pg_advisory_lock(@key)", cancellationToken, ("key", AdvisoryLockKey));
        try
        {
            await ExecuteAsync(connection, MigrationHistorySql.CreateTable, cancellationToken);
            var applied = await MigrationHistorySql.ReadAsync(connection, set.Name, cancellationToken);
            Verify(connection.Database, set, applied);

            var appliedVersions = applied.Select(a => a.Version).ToHashSet();
            var pending = set.Migrations.Where(m => !appliedVersions.Contains(m.Version)).ToList();
            foreach (var migration in pending)
            {
                await ApplyOneAsync(connection, set, migration, cancellationToken);
            }

            return pending;
        }
        finally
        {
            // Released explicitly so a pooled connection never carries the lock to its next user.
            await ExecuteAsync(connection, "SELECT pg_advisory_unlock(@key)", CancellationToken.None, ("key", AdvisoryLockKey));
        }
    }

    public async Task<MigrationStatus> GetStatusAsync(NpgsqlDataSource dataSource, MigrationSet set, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var applied = await MigrationHistorySql.ReadAsync(connection, set.Name, cancellationToken);
        var appliedVersions = applied.Select(a => a.Version).ToHashSet();
        return new MigrationStatus(
            connection.Database,
            set.Name,
            applied.Count == 0 ? 0 : applied.Max(a => a.Version),
            set.LatestVersion,
            applied,
            [.. set.Migrations.Where(m => !appliedVersions.Contains(m.Version)).Select(m => m.FileName)]);
    }

    private static void Verify(string database, MigrationSet set, IReadOnlyList<AppliedMigration> applied)
    {
        var byVersion = set.Migrations.ToDictionary(m => m.Version);
        foreach (var row in applied)
        {
            if (!byVersion.TryGetValue(row.Version, out var migration))
            {
                throw new MigrationException(
                    $"Database '{database}' has {set.Name} migration {row.FileName} applied, which this build does not have: the database is newer than the code.");
            }

            if (!string.Equals(migration.Checksum, row.Checksum, StringComparison.Ordinal))
            {
                throw new MigrationException(
                    $"Migration {set.Name}/{migration.FileName} was changed after it was applied to database '{database}' " +
                    $"(recorded checksum {row.Checksum[..12]}, file now {migration.Checksum[..12]}). Add a new migration instead of editing an applied one.");
            }
        }
    }

    private async Task ApplyOneAsync(NpgsqlConnection connection, MigrationSet set, Migration migration, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            await ExecuteAsync(connection, migration.Sql, cancellationToken);
        }
        catch (PostgresException ex)
        {
            throw new MigrationException(
                $"Migration {set.Name}/{migration.FileName} failed on database '{connection.Database}': {ex.MessageText}", ex);
        }

        await MigrationHistorySql.RecordAsync(connection, set.Name, migration, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogApplied(logger, set.Name, migration.FileName, connection.Database);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {Set}/{File} to database {Database}")]
    private static partial void LogApplied(ILogger logger, string set, string file, string database);
}
